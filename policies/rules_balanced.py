"""policies/balanced.py spelled out: the chain of rules ``balanced(downgrade_at=0.8)`` builds,
plus reasoning effort from difficulty. Copy it to change a step; every step shows in the
plan's reasons."""

from costroute.policy import Rules
from costroute.policy.rules import (
    budget_above,
    downgrade_when,
    prefer_cheap,
    set_reasoning,
    tier_by_difficulty,
    within_latency,
)

policy = Rules(
    within_latency()
    | prefer_cheap()
    | tier_by_difficulty(easy_below=0.35, hard_from=0.6)
    | downgrade_when(budget_above(0.8))
    | set_reasoning(low_below=0.35, high_from=0.7),
    name="rules-balanced",
)
