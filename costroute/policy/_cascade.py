"""The cascade intent a plan carries (``Plan.cascade``): try the cheap choice, check its
answer, escalate. See docs/policies.md for the executor's contract."""

from __future__ import annotations

from costroute.types import Cascade

__all__ = ["Cascade"]
