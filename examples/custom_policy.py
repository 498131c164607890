"""A custom policy two ways: composed from rules, and as a small class.

Run: python examples/custom_policy.py   (no network: router.explain() only)
"""

from __future__ import annotations

from dataclasses import dataclass

import costroute
from costroute.errors import NoDeploymentAvailable
from costroute.policy import Rules, incapable_reason
from costroute.policy.rules import (
    category_is,
    difficulty_above,
    escalate_when,
    prefer_cheap,
    set_reasoning,
    within_latency,
)
from costroute.types import Choice, Plan, Request, Signals

KEYS = {"DEEPSEEK_API_KEY": "k", "OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k"}

# 1. Rules: cheap by default, premium for hard or code requests, within the latency target.
rules_policy = Rules(
    prefer_cheap()
    | escalate_when(difficulty_above(0.6) | category_is("code"), to_tier=3)
    | within_latency()
    | set_reasoning(),
    name="cheap-unless-hard",
)


# 2. A class: GPT for code, otherwise the cheapest; never an incapable deployment.
@dataclass(frozen=True)
class CodeToGPT:
    """Code requests to the cheapest capable OpenAI deployment, the rest to the cheapest."""

    name: str = "code-to-gpt"

    def route(self, request: Request, signals: Signals) -> Plan:
        capable = [d for d in signals.deployments if incapable_reason(request, d) is None]
        if not capable:
            raise NoDeploymentAvailable("No deployment can serve this request")
        ranked = sorted(capable, key=lambda d: costroute.policy.expected_cost(request, d))
        reasons = [f"difficulty {signals.difficulty:.2f} ({signals.category})"]
        if signals.category == "code":
            ranked.sort(key=lambda d: d.provider != "openai")
            reasons.append("code -> OpenAI first")
        return Plan(
            choices=tuple(Choice(d.name) for d in ranked[:3]),
            policy=self.name,
            difficulty=signals.difficulty,
            category=signals.category,
            reasons=tuple(reasons),
        )


def main() -> None:
    prompts = [
        "hi!",
        "Write a Python function that merges two sorted lists, with tests.",
        "Prove that every bounded monotone sequence of reals converges, rigorously.",
    ]
    for policy in (rules_policy, CodeToGPT()):
        router = costroute.Router(policy=policy, environ=KEYS)
        print(f"== {policy.name}")
        for text in prompts:
            plan = router.explain([{"role": "user", "content": text}], latency_target_ms=20_000)
            print(f"{text[:40]:42} -> {plan.primary.deployment}  {dict(plan.primary.params)}")
            print("    " + "; ".join(plan.reasons[:4]))


if __name__ == "__main__":
    main()
