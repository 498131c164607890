"""The drawing under :mod:`costroute.eval.plot`: an SVG chart of lines and dots, a
self-contained HTML page around it, and writing a plot to ``.html``/``.htm``/``.svg``, or to
``.png`` through matplotlib (imported only then), with every failure a ConfigError on ``plot``.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costroute.errors import ConfigError

__all__ = ["Dot", "Line", "chart", "check_plot_path", "page", "save_png", "write_plot"]

W, H, PAD = 640, 420, 56
SUFFIXES = (".html", ".htm", ".svg", ".png")


@dataclass(frozen=True, slots=True)
class Line:
    """A line of the chart, in data units; with a ``label`` it gets a legend entry."""

    points: Sequence[tuple[float, float]]
    color: str
    label: str = ""
    dashed: bool = False
    tag: str = ""  # written above the line's last point


@dataclass(frozen=True, slots=True)
class Dot:
    """A point of the chart with its label beside it and ``tip`` on hover."""

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
        pyplot()
    return p


def pyplot() -> Any:
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


def chart(
    title: str,
    axes: tuple[str, str],
    box: tuple[float, float, float],
    lines: Sequence[Line],
    dots: Sequence[Dot],
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


def page(title: str, intro: str, svg: str, head: Sequence[str], rows: list[list[str]]) -> str:
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


def write_plot(path: str | Path, render: Callable[[], str], png: Callable[[Path], None]) -> Path:
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


def save_png(path: Path, title: str, axes: tuple[str, str], draw: Callable[[Any], None]) -> None:
    """A matplotlib figure: ``draw(ax)`` on fresh axes, then the axis labels, the title and the
    legend; saved to ``path``."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    draw(ax)
    ax.set_xlabel(axes[0])
    ax.set_ylabel(axes[1])
    ax.set_title(title)
    ax.legend()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
