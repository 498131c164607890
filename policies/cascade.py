"""Cascade: the cheapest capable deployment answers first; an answer that is empty, a refusal,
invalid JSON for ``response_format`` or a tool call that does not match its schema is escalated
to the cheapest premium (tier 3) deployment. Both attempts are billed and recorded."""

from costroute.policy import acceptance, cascade

policy = cascade(acceptance.default_check, to_tier=3)
