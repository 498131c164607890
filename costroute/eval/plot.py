"""Plot a policy evaluation: cost share (x) against accuracy (y), as self-contained HTML
(inline SVG, no script, no CDN) or PNG (needs matplotlib).

Shown: every single model, the oracle, the policy, and the sweep's frontier as a line.
"""

from __future__ import annotations

import html
from pathlib import Path

from costroute.errors import ConfigError
from costroute.eval.policy_eval import Point, PolicyEvalResult

__all__ = ["plot", "to_html", "to_svg"]

W, H, PAD = 640, 420, 56


def _scale(result: PolicyEvalResult) -> tuple[float, float, float]:
    pts = [*result.singles.values(), result.oracle, result.policy, *result.sweep]
    x_max = max(1.05, min(2.0, max(p.cost_share for p in pts) * 1.05))
    y_lo = max(0.0, min(p.accuracy for p in pts) - 0.05)
    return x_max, y_lo, min(1.0, max(p.accuracy for p in pts) + 0.03)


def to_svg(result: PolicyEvalResult, title: str = "cost/quality") -> str:
    """The plot as an SVG document (points beyond 2x the reference's cost are clipped)."""
    x_max, y_lo, y_hi = _scale(result)

    def xy(p: Point) -> tuple[float, float]:
        x = PAD + (W - 2 * PAD) * min(p.cost_share, x_max) / x_max
        y = H - PAD - (H - 2 * PAD) * (p.accuracy - y_lo) / max(1e-9, y_hi - y_lo)
        return round(x, 1), round(y, 1)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">{html.escape(title)}</text>',
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="black"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="black"/>',
        f'<text x="{W / 2}" y="{H - 14}" text-anchor="middle">cost (share of '
        f"{html.escape(result.reference)})</text>",
        f'<text x="14" y="{H / 2}" transform="rotate(-90 14 {H / 2})" text-anchor="middle">'
        "accuracy</text>",
    ]
    for k in range(6):
        x = x_max * k / 5
        px = PAD + (W - 2 * PAD) * k / 5
        out.append(f'<text x="{px:.1f}" y="{H - PAD + 16}" text-anchor="middle">{x:.0%}</text>')
        y = y_lo + (y_hi - y_lo) * k / 5
        py = H - PAD - (H - 2 * PAD) * k / 5
        out.append(f'<text x="{PAD - 6}" y="{py + 4:.1f}" text-anchor="end">{y:.2f}</text>')
    if result.frontier:
        path = " ".join(f"{x},{y}" for x, y in map(xy, result.frontier))
        out.append(f'<polyline points="{path}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
    for p in result.singles.values():
        x, y = xy(p)
        out.append(
            f'<circle cx="{x}" cy="{y}" r="4" fill="#7f7f7f"><title>{_tip(p)}</title></circle>'
        )
        out.append(f'<text x="{x + 6}" y="{y - 4}" fill="#555">{html.escape(p.label)}</text>')
    for p, color in ((result.oracle, "#2ca02c"), (result.policy, "#d62728")):
        x, y = xy(p)
        out.append(
            f'<circle cx="{x}" cy="{y}" r="6" fill="{color}"><title>{_tip(p)}</title></circle>'
        )
        out.append(f'<text x="{x + 8}" y="{y + 12}" fill="{color}">{html.escape(p.label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _tip(p: Point) -> str:
    return html.escape(f"{p.label}: accuracy {p.accuracy:.3f}, cost {p.cost_share:.1%}")


def to_html(result: PolicyEvalResult, title: str = "Policy evaluation") -> str:
    """A self-contained HTML page: the SVG plot and a table of the figures."""
    rows = [result.policy, result.oracle, *result.singles.values()]
    table = "\n".join(
        f"<tr><td>{html.escape(p.label)}</td><td>{p.accuracy:.4f}</td>"
        f"<td>${p.cost_usd:.4f}</td><td>{p.cost_share:.1%}</td></tr>"
        for p in rows
    )
    return (
        f"<!doctype html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 10px;text-align:right}"
        "td:first-child{text-align:left}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{result.n} items; reference: "
        f"{html.escape(result.reference)}</p>\n{to_svg(result, title)}\n"
        "<table><tr><th>router</th><th>accuracy</th><th>cost</th><th>cost share</th></tr>\n"
        f"{table}\n</table></body></html>\n"
    )


def plot(result: PolicyEvalResult, path: str | Path, title: str = "Policy evaluation") -> Path:
    """Write the plot to ``path``: ``.html``/``.htm``/``.svg`` always, ``.png`` with matplotlib."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".html", ".htm"):
        p.write_text(to_html(result, title), "utf-8")
    elif suffix == ".svg":
        p.write_text(to_svg(result, title), "utf-8")
    elif suffix == ".png":
        _png(result, p, title)
    else:
        raise ConfigError(
            f"Cannot plot to {str(p)!r}.", field="plot", fix="use a .html, .svg or .png path"
        )
    return p


def _png(result: PolicyEvalResult, path: Path, title: str) -> None:
    try:
        import importlib

        matplotlib = importlib.import_module("matplotlib")
        matplotlib.use("Agg")
        plt = importlib.import_module("matplotlib.pyplot")
    except ImportError as exc:
        raise ConfigError(
            "PNG plots need matplotlib, which is not installed.",
            field="plot",
            fix="pip install matplotlib, or write .html (self-contained, no dependency)",
        ) from exc
    fig, ax = plt.subplots(figsize=(7, 4.5))
    if result.frontier:
        ax.plot([p.cost_share for p in result.frontier], [p.accuracy for p in result.frontier])
    for p in result.singles.values():
        ax.scatter(p.cost_share, p.accuracy, color="grey")
        ax.annotate(p.label, (p.cost_share, p.accuracy), fontsize=7)
    for p, color in ((result.oracle, "green"), (result.policy, "red")):
        ax.scatter(p.cost_share, p.accuracy, color=color, s=50, label=p.label)
    ax.set_xlabel(f"cost (share of {result.reference})")
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
