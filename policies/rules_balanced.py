"""Balanced, written as rules: reads like a sentence, and every step shows in the reasons."""

from costroute.policy import Rules
from costroute.policy.rules import (
    budget_above,
    difficulty_above,
    downgrade_when,
    escalate_when,
    prefer_cheap,
    set_reasoning,
    within_latency,
)

policy = Rules(
    prefer_cheap()
    | escalate_when(difficulty_above(0.6), to_tier=3)
    | downgrade_when(budget_above(0.8))
    | within_latency()
    | set_reasoning(low_below=0.35, high_from=0.7),
    name="rules-balanced",
)
