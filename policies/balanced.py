"""Balanced, the router's default preset, with one change: budget pressure lowers the tier only
from 80% of a budget's soft limit (the default does it as soon as a soft limit is reached).
Difficulty picks the tier (small < 0.35 <= strong < 0.6 <= premium), price picks within it.

Load with ``Router(policy="policies/balanced.py")`` or ``costroute.policy.load_policy(path)``.
The preset is a chain of rules; ``policies/rules_balanced.py`` spells it out.
"""

from costroute.policy import balanced

policy = balanced(easy_below=0.35, hard_from=0.6, downgrade_at=0.8)
