"""How the router reads ``policy=``: presets by name, policy files, and the estimator a policy
carries."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from costroute import difficulty
from costroute.catalog import Deployment
from costroute.errors import ConfigError
from costroute.policy import Policy, balanced
from costroute.policy import presets as policy_presets

__all__ = ["estimator_of", "resolve_policy"]


def resolve_policy(policy: Any, deployments: Mapping[str, Deployment]) -> Policy:
    """The router's policy from what ``Router(policy=...)`` was given: None (balanced), a preset
    name, the path of a policy file, or a Policy; ConfigError naming the fix otherwise."""
    chosen: Any = policy if policy is not None else balanced()
    if isinstance(chosen, str) and chosen in policy_presets():
        chosen = policy_presets()[chosen]()
    elif isinstance(chosen, str) and _looks_like_a_name(chosen):
        near = chosen.replace("_", "-")
        hint = f"did you mean {near!r}? " if near in policy_presets() else ""
        raise ConfigError(
            f"Unknown policy {chosen!r}: not a preset, and not a policy file.",
            field="policy",
            fix=f"{hint}use one of {', '.join(sorted(policy_presets()))}, a Policy object, "
            "or the path of a policy file (.py)",
        )
    elif isinstance(chosen, str | os.PathLike):
        from costroute.policy import load_policy  # loaded only for a policy file

        chosen = load_policy(chosen, deployments)
    if not isinstance(chosen, Policy):
        raise ConfigError(
            f"policy {chosen!r} has no name and route(request, signals) method.",
            field="policy",
            fix="pass a preset such as costroute.policy.balanced() or a Policy object",
        )
    return chosen


def _looks_like_a_name(text: str) -> bool:
    """A bare word (no folder, no .py) that names no file: meant as a preset name."""
    return (
        not text.endswith(".py")
        and "/" not in text
        and os.sep not in text
        and not os.path.exists(text)
    )


def estimator_of(policy: Policy) -> difficulty.Estimator | None:
    """The estimator a policy was tuned with (its ``estimator`` attribute), if it names one."""
    own = getattr(policy, "estimator", None)
    if own is None or isinstance(own, difficulty.Estimator):
        return own
    raise ConfigError(
        f"Policy {policy.name!r} has estimator={own!r}, which is not an Estimator.",
        field="policy.estimator",
        fix="set it with costroute.difficulty.load_estimator(...) or leave it None",
    )
