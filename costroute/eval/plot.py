"""Plot evaluations as self-contained HTML (inline SVG, no script, no CDN), SVG, or PNG (needs
matplotlib). The drawing itself (SVG chart, HTML page, files) is in :mod:`costroute.eval._chart`.

- :func:`plot` (a policy over N models): cost share (x) against accuracy (y) for every single
  model, the oracle, the policy, and the sweep's frontier as a line.
- :func:`plot_pair` (a strong/weak router, RouteLLM): quality (y) against the share of calls
  sent to the strong model (x) for the router, a random router (the straight line) and the
  oracle, between the weak and the strong model's quality.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from costroute.eval._chart import Dot, Line, chart, check_plot_path, page, save_png, write_plot
from costroute.eval._evaluate import Calibration, EvalResult
from costroute.eval.metrics import Curve
from costroute.eval.policy_eval import Point, PolicyEvalResult

__all__ = [
    "check_plot_path",
    "pair_to_html",
    "pair_to_svg",
    "plot",
    "plot_pair",
    "to_html",
    "to_svg",
]

_PAIR_COLORS = {"router": "#1f77b4", "random": "#7f7f7f", "oracle": "#2ca02c"}


# -- a policy over N models -----------------------------------------------------------------


def _tip(p: Point) -> str:
    return f"{p.label}: accuracy {p.accuracy:.3f}, cost {p.cost_share:.1%}"


def to_svg(result: PolicyEvalResult, title: str = "cost/quality") -> str:
    """The plot as an SVG document (points beyond 2x the reference's cost are clipped)."""
    pts = [*result.singles.values(), result.oracle, *_highlights(result)[1:], *result.sweep]
    x_max = max(1.05, min(2.0, max(p.cost_share for p in pts) * 1.05))
    y_lo = max(0.0, min(p.accuracy for p in pts) - 0.05)
    y_hi = min(1.0, max(p.accuracy for p in pts) + 0.03)
    lines = (
        [Line([(p.cost_share, p.accuracy) for p in result.frontier], "#1f77b4")]
        if result.frontier
        else []
    )
    dots = [
        Dot(p.cost_share, p.accuracy, "#7f7f7f", p.label, _tip(p)) for p in result.singles.values()
    ]
    dots += [
        Dot(p.cost_share, p.accuracy, color, p.label, _tip(p), r=6, dx=8, dy=12)
        for p, color in zip(_highlights(result), ("#2ca02c", "#d62728", "#ff7f0e"), strict=False)
    ]
    return chart(title, _axes(result), (x_max, y_lo, y_hi), lines, dots)


def _axes(result: PolicyEvalResult) -> tuple[str, str]:
    return f"cost (share of {result.reference})", "accuracy"


def _highlights(result: PolicyEvalResult) -> list[Point]:
    """The oracle, the policy and, for a cascade, its perfect-check bound."""
    bound = [result.cascade_bound] if result.cascade_bound is not None else []
    return [result.oracle, result.policy, *bound]


def to_html(result: PolicyEvalResult, title: str = "Policy evaluation") -> str:
    """A self-contained HTML page: the SVG plot and a table of the figures."""
    rows = [
        [p.label, f"{p.accuracy:.4f}", f"${p.cost_usd:.4f}", f"{p.cost_share:.1%}"]
        for p in (*_highlights(result)[1:], result.oracle, *result.singles.values())
    ]
    intro = " ".join((f"{result.n} items; reference: {result.reference}.", *result.notes))
    head = ("router", "accuracy", "cost", "cost share")
    return page(title, intro, to_svg(result, title), head, rows)


def plot(result: PolicyEvalResult, path: str | Path, title: str = "Policy evaluation") -> Path:
    """Write the plot to ``path``: ``.html``/``.htm``/``.svg`` always, ``.png`` with matplotlib.
    Creates the parent folder; ConfigError if the path has another suffix or cannot be written."""
    return write_plot(
        path,
        (lambda: to_svg(result, title))
        if Path(path).suffix.lower() == ".svg"
        else (lambda: to_html(result, title)),
        lambda p: _png(result, p, title),
    )


def _png(result: PolicyEvalResult, path: Path, title: str) -> None:
    def draw(ax: Any) -> None:
        if result.frontier:
            ax.plot([p.cost_share for p in result.frontier], [p.accuracy for p in result.frontier])
        for p in result.singles.values():
            ax.scatter(p.cost_share, p.accuracy, color="grey")
            ax.annotate(p.label, (p.cost_share, p.accuracy), fontsize=7)
        for p, color in zip(_highlights(result), ("green", "red", "orange"), strict=False):
            ax.scatter(p.cost_share, p.accuracy, color=color, s=50, label=p.label)

    save_png(path, title, _axes(result), draw)


# -- a strong/weak router (RouteLLM) ---------------------------------------------------------


def _pair_series(
    result: EvalResult, curves: Mapping[str, Curve]
) -> list[tuple[str, str, Curve, bool]]:
    apgr = {"router": result.apgr, "random": result.random.apgr, "oracle": result.oracle.apgr}
    return [
        (f"{name} (APGR {apgr[name]:.3f})", _PAIR_COLORS[name], curves[name], name == "random")
        for name in ("router", "random", "oracle")
        if name in curves
    ]


def pair_to_svg(
    result: EvalResult,
    curves: Mapping[str, Curve],
    title: str = "routing curve",
    calibration: Calibration | None = None,
) -> str:
    """Quality against the strong-call share for each of ``curves`` (``router``, ``random``,
    ``oracle``: see :func:`costroute.eval.routing_curves`), with the weak and strong models'
    quality as dashed levels and, if given, the calibrated threshold as a point."""
    series = _pair_series(result, curves)
    qs, qw = result.strong_quality, result.weak_quality
    ys = [qs, qw, *(q for _, _, c, _ in series for q in c.quality)]
    y_lo, y_hi = max(0.0, min(ys) - 0.03), min(1.0, max(ys) + 0.03)
    lines = [
        Line(list(zip(c.share, c.quality, strict=True)), col, lab, d) for lab, col, c, d in series
    ]
    lines += [
        Line([(0.0, q), (1.0, q)], "#bbbbbb", dashed=True, tag=f"{role} {name} {q:.3f}")
        for q, role, name in ((qs, "strong", result.strong), (qw, "weak", result.weak))
    ]
    dots = []
    if calibration is not None:
        q = calibration.quality_fraction * qs
        tip = (
            f"calibrated: score >= {calibration.threshold:.4f}, {calibration.strong_share:.1%} "
            f"strong calls, {calibration.quality_fraction:.1%} of strong quality"
        )
        dots.append(Dot(calibration.strong_share, q, "#d62728", "calibrated", tip, 6, 8, 12))
    return chart(title, _pair_axes(result), (1.0, y_lo, y_hi), lines, dots)


def _pair_axes(result: EvalResult) -> tuple[str, str]:
    return f"share of calls sent to {result.strong}", "quality (mean score)"


def pair_to_html(
    result: EvalResult,
    curves: Mapping[str, Curve],
    title: str = "Router evaluation",
    calibration: Calibration | None = None,
) -> str:
    """A self-contained HTML page: the routing curves and a table of the RouteLLM figures."""
    figs = (("router", result), ("random", result.random), ("oracle", result.oracle))
    rows = [
        [name, f"{f.apgr:.4f}", f"{f.cpt50:.2%}", f"{f.cpt80:.2%}", f"{f.cost_saved_at_95:.2%}"]
        for name, f in figs
    ]
    intro = (
        f"{result.n} items; strong {result.strong} (quality {result.strong_quality:.4f}), weak "
        f"{result.weak} (quality {result.weak_quality:.4f}); cost basis: {result.cost_basis}"
    )
    head = ("router", "APGR", "CPT(50%)", "CPT(80%)", "saved@95%")
    svg = pair_to_svg(result, curves, title, calibration)
    return page(title, intro, svg, head, rows)


def plot_pair(
    result: EvalResult,
    curves: Mapping[str, Curve],
    path: str | Path,
    title: str = "Router evaluation",
    calibration: Calibration | None = None,
) -> Path:
    """Write the routing-curve plot of a strong/weak router to ``path`` (.html, .svg, .png)."""
    return write_plot(
        path,
        (lambda: pair_to_svg(result, curves, title, calibration))
        if Path(path).suffix.lower() == ".svg"
        else (lambda: pair_to_html(result, curves, title, calibration)),
        lambda p: _pair_png(result, curves, p, title, calibration),
    )


def _pair_png(
    result: EvalResult,
    curves: Mapping[str, Curve],
    path: Path,
    title: str,
    calibration: Calibration | None,
) -> None:
    def draw(ax: Any) -> None:
        for label, color, c, dashed in _pair_series(result, curves):
            ax.plot(c.share, c.quality, color=color, linestyle="--" if dashed else "-", label=label)
        for q, role, name in (
            (result.strong_quality, "strong", result.strong),
            (result.weak_quality, "weak", result.weak),
        ):
            ax.axhline(q, color="#bbbbbb", linestyle="--", linewidth=1)
            ax.annotate(f"{role} {name} {q:.3f}", (1.0, q), fontsize=7, ha="right", va="bottom")
        if calibration is not None:
            q = calibration.quality_fraction * result.strong_quality
            ax.scatter(calibration.strong_share, q, color="red", s=50, label="calibrated")

    save_png(path, title, _pair_axes(result), draw)
