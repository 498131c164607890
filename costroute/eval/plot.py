"""Plot evaluations as self-contained HTML (inline SVG, no script, no CDN), SVG, or PNG (needs
matplotlib).

- :func:`plot` (a policy over N models): cost share (x) against accuracy (y) for every single
  model, the oracle, the policy, and the sweep's frontier as a line.
- :func:`plot_pair` (a strong/weak router, RouteLLM): quality (y) against the share of calls
  sent to the strong model (x) for the router, a random router (the straight line) and the
  oracle, between the weak and the strong model's quality.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costroute.errors import ConfigError
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

W, H, PAD = 640, 420, 56
SUFFIXES = (".html", ".htm", ".svg", ".png")
_PAIR_COLORS = {"router": "#1f77b4", "random": "#7f7f7f", "oracle": "#2ca02c"}


@dataclass(frozen=True, slots=True)
class _Line:
    points: Sequence[tuple[float, float]]
    color: str
    label: str = ""
    dashed: bool = False
    tag: str = ""  # written above the line's last point


@dataclass(frozen=True, slots=True)
class _Dot:
    x: float
    y: float
    color: str
    label: str
    tip: str
    r: int = 4
    dx: int = 6
    dy: int = -4


def check_plot_path(path: str | Path) -> Path:
    """ConfigError unless ``path`` ends in .html, .htm, .svg or .png (the last with matplotlib
    installed). Checked before any evaluation runs."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise ConfigError(
            f"Cannot plot to {str(p)!r}: unknown file type {suffix or '(none)'}.",
            field="plot",
            fix="use a .html, .svg or .png path",
        )
    if suffix == ".png":
        _pyplot()
    return p


def _pyplot() -> Any:
    try:
        matplotlib = importlib.import_module("matplotlib")
        matplotlib.use("Agg")
        return importlib.import_module("matplotlib.pyplot")
    except ImportError as exc:
        raise ConfigError(
            "PNG plots need matplotlib, which is not installed.",
            field="plot",
            fix="pip install matplotlib, or write .html (self-contained, no dependency)",
        ) from exc


def _chart(
    title: str,
    axes: tuple[str, str],
    box: tuple[float, float, float],
    lines: Sequence[_Line],
    dots: Sequence[_Dot],
) -> str:
    """An SVG chart; ``box`` is (x_max, y_lo, y_hi), x starts at 0 and is shown in percent."""
    x_max, y_lo, y_hi = box

    def xy(x: float, y: float) -> tuple[float, float]:
        px = PAD + (W - 2 * PAD) * min(x, x_max) / x_max
        py = H - PAD - (H - 2 * PAD) * (y - y_lo) / max(1e-9, y_hi - y_lo)
        return round(px, 1), round(py, 1)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">{html.escape(title)}</text>',
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="black"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="black"/>',
        f'<text x="{W / 2}" y="{H - 14}" text-anchor="middle">{html.escape(axes[0])}</text>',
        f'<text x="14" y="{H / 2}" transform="rotate(-90 14 {H / 2})" text-anchor="middle">'
        f"{html.escape(axes[1])}</text>",
    ]
    for k in range(6):
        x = x_max * k / 5
        px = PAD + (W - 2 * PAD) * k / 5
        out.append(f'<text x="{px:.1f}" y="{H - PAD + 16}" text-anchor="middle">{x:.0%}</text>')
        y = y_lo + (y_hi - y_lo) * k / 5
        py = H - PAD - (H - 2 * PAD) * k / 5
        out.append(f'<text x="{PAD - 6}" y="{py + 4:.1f}" text-anchor="end">{y:.2f}</text>')
    legend = 0
    for line in lines:
        path = " ".join(f"{x},{y}" for x, y in (xy(*pt) for pt in line.points))
        dash = ' stroke-dasharray="5,4"' if line.dashed else ""
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{line.color}" stroke-width="2"{dash}>'
            f"<title>{html.escape(line.label)}</title></polyline>"
            if line.label
            else f'<polyline points="{path}" fill="none" stroke="{line.color}" '
            f'stroke-width="2"{dash}/>'
        )
        if line.tag:
            tx, ty = xy(*line.points[-1])
            out.append(
                f'<text x="{tx - 4}" y="{ty - 5}" text-anchor="end" fill="#555">'
                f"{html.escape(line.tag)}</text>"
            )
        if line.label:
            ly = PAD + 4 + 14 * legend
            legend += 1
            out.append(
                f'<line x1="{PAD + 10}" y1="{ly}" x2="{PAD + 30}" y2="{ly}" stroke="{line.color}"'
                f' stroke-width="2"{dash}/>'
                f'<text x="{PAD + 36}" y="{ly + 4}">{html.escape(line.label)}</text>'
            )
    for d in dots:
        x, y = xy(d.x, d.y)
        out.append(
            f'<circle cx="{x}" cy="{y}" r="{d.r}" fill="{d.color}">'
            f"<title>{html.escape(d.tip)}</title></circle>"
        )
        color = "#555" if d.r <= 4 else d.color
        out.append(
            f'<text x="{x + d.dx}" y="{y + d.dy}" fill="{color}">{html.escape(d.label)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def _page(title: str, intro: str, svg: str, head: Sequence[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        f"<!doctype html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 10px;text-align:right}"
        "td:first-child{text-align:left}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(intro)}</p>\n{svg}\n"
        f"<table><tr>{th}</tr>\n{body}\n</table></body></html>\n"
    )


def _write(path: str | Path, render: Callable[[], str], png: Callable[[Path], None]) -> Path:
    p = check_plot_path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.suffix.lower() == ".png":
            png(p)
        else:
            p.write_text(render(), "utf-8")
    except OSError as exc:
        raise ConfigError(
            f"Cannot write the plot {str(p)!r}: {str(exc.strerror or exc).rstrip('.')}.",
            field="plot",
            fix="give a path in a folder you can write to",
        ) from exc
    return p


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
        [_Line([(p.cost_share, p.accuracy) for p in result.frontier], "#1f77b4")]
        if result.frontier
        else []
    )
    dots = [
        _Dot(p.cost_share, p.accuracy, "#7f7f7f", p.label, _tip(p)) for p in result.singles.values()
    ]
    dots += [
        _Dot(p.cost_share, p.accuracy, color, p.label, _tip(p), r=6, dx=8, dy=12)
        for p, color in zip(_highlights(result), ("#2ca02c", "#d62728", "#ff7f0e"), strict=False)
    ]
    axes = (f"cost (share of {result.reference})", "accuracy")
    return _chart(title, axes, (x_max, y_lo, y_hi), lines, dots)


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
    return _page(title, intro, to_svg(result, title), head, rows)


def plot(result: PolicyEvalResult, path: str | Path, title: str = "Policy evaluation") -> Path:
    """Write the plot to ``path``: ``.html``/``.htm``/``.svg`` always, ``.png`` with matplotlib.
    Creates the parent folder; ConfigError if the path has another suffix or cannot be written."""
    return _write(
        path,
        (lambda: to_svg(result, title))
        if Path(path).suffix.lower() == ".svg"
        else (lambda: to_html(result, title)),
        lambda p: _png(result, p, title),
    )


def _png(result: PolicyEvalResult, path: Path, title: str) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    if result.frontier:
        ax.plot([p.cost_share for p in result.frontier], [p.accuracy for p in result.frontier])
    for p in result.singles.values():
        ax.scatter(p.cost_share, p.accuracy, color="grey")
        ax.annotate(p.label, (p.cost_share, p.accuracy), fontsize=7)
    for p, color in zip(_highlights(result), ("green", "red", "orange"), strict=False):
        ax.scatter(p.cost_share, p.accuracy, color=color, s=50, label=p.label)
    ax.set_xlabel(f"cost (share of {result.reference})")
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


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
        _Line(list(zip(c.share, c.quality, strict=True)), col, lab, d) for lab, col, c, d in series
    ]
    lines += [
        _Line([(0.0, q), (1.0, q)], "#bbbbbb", dashed=True, tag=f"{role} {name} {q:.3f}")
        for q, role, name in ((qs, "strong", result.strong), (qw, "weak", result.weak))
    ]
    dots = []
    if calibration is not None:
        q = calibration.quality_fraction * qs
        tip = (
            f"calibrated: score >= {calibration.threshold:.4f}, {calibration.strong_share:.1%} "
            f"strong calls, {calibration.quality_fraction:.1%} of strong quality"
        )
        dots.append(_Dot(calibration.strong_share, q, "#d62728", "calibrated", tip, 6, 8, 12))
    axes = (f"share of calls sent to {result.strong}", "quality (mean score)")
    return _chart(title, axes, (1.0, y_lo, y_hi), lines, dots)


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
    return _page(title, intro, svg, head, rows)


def plot_pair(
    result: EvalResult,
    curves: Mapping[str, Curve],
    path: str | Path,
    title: str = "Router evaluation",
    calibration: Calibration | None = None,
) -> Path:
    """Write the routing-curve plot of a strong/weak router to ``path`` (.html, .svg, .png)."""
    return _write(
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
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
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
    ax.set_xlabel(f"share of calls sent to {result.strong}")
    ax.set_ylabel("quality (mean score)")
    ax.set_title(title)
    ax.legend()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
