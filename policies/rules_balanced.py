"""policies/balanced.py written as rules: the same first choice at every difficulty, in a chain
that reads like a sentence and shows every step in the reasons (plus reasoning effort)."""

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
    prefer_cheap()
    | tier_by_difficulty(easy_below=0.35, hard_from=0.6)
    | downgrade_when(budget_above(0.8))
    | within_latency()
    | set_reasoning(low_below=0.35, high_from=0.7),
    name="rules-balanced",
)
