"""Pick one point of a policy's sweep for a quality or cost target (on TRAINING data), or
say which target the closest point would meet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from costroute.errors import ConfigError
from costroute.eval._evaluate import check_targets
from costroute.eval._prepared import Point

__all__ = ["calibrate_sweep"]


def calibrate_sweep(
    points: Sequence[Point],
    reference_accuracy: float,
    *,
    target_quality: float | None = None,
    target_cost_share: float | None = None,
    knob: str = "value",
    reference: str = "the reference",
) -> Point:
    """Pick one swept point for exactly one target (on TRAINING data).

    ``target_quality``: the cheapest point whose accuracy reaches that fraction of the
    reference's. ``target_cost_share``: the most accurate point whose cost share is at most
    that. Targets are fractions in [0, 1] (:func:`costroute.eval.check_targets`). When no point
    meets the target, a :class:`~costroute.errors.ConfigError` names the closest one (the most
    accurate, or the cheapest) and the target it would meet; ``knob`` and ``reference`` name
    the swept parameter and the reference model in that message.
    """
    check_targets(target_quality, target_cost_share)
    if not points:
        raise ConfigError(
            "Calibration needs swept points, got none.",
            field="SWEEP",
            fix='give the policy file a SWEEP, e.g. SWEEP = {"cost_weight": [0.0, 0.5, 1.0]}',
        )
    if target_quality is not None:
        ok = [x for x in points if x.accuracy >= target_quality * reference_accuracy - 1e-12]
        if ok:
            return min(ok, key=lambda x: (x.cost_usd, -x.accuracy))
        best = max(points, key=lambda x: (x.accuracy, -x.cost_usd))
        frac = best.accuracy / reference_accuracy if reference_accuracy > 0 else 0.0
        raise ConfigError(
            f"No {knob} in the sweep reaches {target_quality:.1%} of {reference}'s accuracy "
            f"({target_quality * reference_accuracy:.4f}): the most accurate, {knob}="
            f"{_shown(best)}, gets {best.accuracy:.4f} ({frac:.1%} of it) at "
            f"{best.cost_share:.1%} of its cost.",
            field="target_quality",
            fix=f"lower the target to at most {math.floor(frac * 1000) / 1000:g}, or add "
            f"{knob} values that reach it to SWEEP",
        )
    assert target_cost_share is not None
    ok = [x for x in points if x.cost_share <= target_cost_share + 1e-12]
    if ok:
        return max(ok, key=lambda x: (x.accuracy, -x.cost_usd))
    cheap = min(points, key=lambda x: (x.cost_usd, -x.accuracy))
    least = math.ceil(cheap.cost_share * 1000) / 1000
    raise ConfigError(
        f"No {knob} in the sweep costs at most {target_cost_share:.1%} of {reference}'s cost: "
        f"the cheapest, {knob}={_shown(cheap)}, costs {cheap.cost_share:.1%} of it (accuracy "
        f"{cheap.accuracy:.4f}).",
        field="target_cost_share",
        fix=(
            f"raise the target to at least {least:g}, or add cheaper {knob} values to SWEEP"
            if least <= 1.0
            else f"add cheaper {knob} values to SWEEP (every swept value costs more than "
            f"{reference})"
        ),
    )


def _shown(p: Point) -> str:
    return repr(p.value) if p.value is not None else p.label
