"""What a call's ``model=`` means: the rules of docs/api.md ("model ids"), in order.

1. ``"auto"`` (or no ``model=``): route.
2. The name of a deployment of the router: pin it (``model="gpt-5.4"``).
3. A deployment's model id, provider-prefixed (``"openai/gpt-5.4"``) or the provider's own
   (``"gpt-5.4-mini"`` for a deployment named ``fast`` serving ``openai/gpt-5.4-mini``): pin
   that deployment (several deployments of the model: the first, the others as fallbacks).
4. A catalog model that is not deployed (``"gpt-4o-mini"``, ``"anthropic/claude-opus-4-5"``,
   see ``costroute models --all``): route as usual over the deployments of its tier or
   below (the quality ceiling the caller asked for), and count savings against that model.
5. Anything else: ``UnknownDeploymentError`` listing what is accepted, or, on a router built
   with ``model_ids="route"``, route as usual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from costroute.catalog._deployment import TIERS, Deployment
from costroute.catalog._pinned import PINNED

__all__ = ["MODEL_IDS_MODES", "ModelId", "accepted_model_ids", "resolve_model_id"]

MODEL_IDS_MODES = ("strict", "route")
"""``Router(model_ids=)``: an unknown ``model=`` raises (``"strict"``) or routes (``"route"``)."""

Kind = Literal["auto", "deployment", "model", "catalog", "unknown"]


@dataclass(frozen=True, slots=True)
class ModelId:
    """What one ``model=`` resolved to, under which rule, and the reason plans show."""

    model: str
    kind: Kind
    deployments: tuple[str, ...] = ()
    """The pinned deployments (rules 2 and 3), in the router's order."""
    catalog: str | None = None
    """The catalog model's full id (rule 4)."""
    reason: str = ""


def _bare(model: str) -> str:
    return model.partition("/")[2] or model


def resolve_model_id(model: str, deployments: Mapping[str, Deployment]) -> ModelId:
    """Resolve ``model`` against a router's ``deployments`` and the catalog (pure)."""
    if model == "auto":
        return ModelId(model, "auto")
    if model in deployments:
        reason = f"model={model!r} pins the deployment; routing skipped"
        return ModelId(model, "deployment", (model,), reason=reason)
    serving = tuple(name for name, d in deployments.items() if model in (d.model, _bare(d.model)))
    if serving:
        also = f" ({', '.join(serving[1:])} as fallbacks)" if len(serving) > 1 else ""
        reason = (
            f"model={model!r} is the model of deployment {serving[0]!r}{also}: pinned;"
            " routing skipped"
        )
        return ModelId(model, "model", serving, reason=reason)
    full = model if model in PINNED else next((m for m in PINNED if _bare(m) == model), None)
    if full is not None:
        reason = (
            f"model={model!r} is a catalog model this router does not deploy: routed with it as"
            f" the quality ceiling (tier {TIERS.get(full, 2)} and below) and the savings baseline"
        )
        return ModelId(model, "catalog", catalog=full, reason=reason)
    return ModelId(model, "unknown", reason=f"model={model!r} is unknown: routed as model='auto'")


def accepted_model_ids(deployments: Mapping[str, Deployment]) -> list[str]:
    """Every ``model=`` a router with ``deployments`` accepts but catalog models (rules 1-3)."""
    out = ["auto", *deployments]
    for d in deployments.values():
        out.extend(m for m in (d.model, _bare(d.model)) if m not in out)
    return out
