"""Balanced (the router's default): difficulty picks the tier, price picks within it.

Load with ``Router(policy="policies/balanced.py")`` or ``costroute.policy.load_policy(path)``.
"""

from costroute.policy import balanced

policy = balanced(easy_below=0.35, hard_from=0.6, downgrade_at=0.8)
