"""Render the HTML savings report in headless Chromium and check the screenshot has its charts.

Usage::

    python scripts/screenshot_report.py [--out-dir DIR] [--chromium PATH] [--calls N]

1. Builds a report over generated calls: ``N`` (default 900) records spread over November
   2026 in an in-memory ledger, grouped by model.
2. Writes it as ``report.html`` in ``DIR`` (default: a new temporary folder).
3. Runs ``chromium --headless`` (flags below: no sandbox, no GPU, no network, a throw-away
   profile) to take ``report.png`` at 1200 x 1600.
4. Decodes the PNG with a small stdlib decoder (zlib; 8-bit RGB/RGBA, non-interlaced) and counts
   the pixels of each chart colour of ``costroute/ledger/_html.py``: spend bars (blue), baseline
   bars (grey) and the cumulative savings line (green); and how many separate spend bars cross
   the busiest pixel row.

Prints one JSON object (paths, image size, pixel counts, ``ok``) and exits 0 when every chart
colour is present and at least 20 bars show, 1 when the check fails, 2 when Chromium is missing
or fails. Install Chromium with ``apt-get install -y chromium``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from decimal import Decimal
from pathlib import Path

from costroute.ledger import CallRecord, open_ledger
from costroute.types import Attempt, Usage

# The chart colours of costroute/ledger/_html.py (_SPEND, _BASE, _SAVED).
COLOURS = {
    "spend": (0x25, 0x63, 0xEB),
    "baseline": (0xCB, 0xD5, 0xE1),
    "savings_line": (0x16, 0xA3, 0x4A),
}
MIN_PIXELS = {"spend": 2000, "baseline": 2000, "savings_line": 300}
MIN_BARS = 20
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1200,1600",
)
_MODELS = (
    ("deepseek-v4-flash", "deepseek/deepseek-v4-flash", "deepseek", "0.0000003", "0.0000012"),
    ("claude-haiku-4-5", "anthropic/claude-haiku-4-5", "anthropic", "0.000001", "0.000005"),
    ("gpt-5.4-mini", "openai/gpt-5.4-mini", "openai", "0.00000025", "0.000002"),
    ("claude-sonnet-5-5", "anthropic/claude-sonnet-5-5", "anthropic", "0.000003", "0.000015"),
)


def generated_calls(n: int, seed: int = 11) -> list[CallRecord]:
    """``n`` plausible routed calls over November 2026 (mostly cheap models, some premium)."""
    rng = random.Random(seed)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    out = []
    for i in range(n):
        dep, model, provider, p_in, p_out = rng.choices(_MODELS, weights=[60, 15, 15, 10])[0]
        usage = Usage(rng.randint(200, 6000), rng.randint(50, 1500))
        cost = usage.input_tokens * Decimal(p_in) + usage.output_tokens * Decimal(p_out)
        base = usage.input_tokens * Decimal("0.000003") + usage.output_tokens * Decimal("0.000015")
        at = start + dt.timedelta(seconds=rng.randint(0, 30 * 86_400 - 1))
        out.append(
            CallRecord(
                request_id=f"shot-{i}", at=at, deployment=dep, model=model, provider=provider,
                policy="balanced", difficulty=rng.random(), usage=usage, cost_usd=cost,
                baseline_model="anthropic/claude-sonnet-5-5", baseline_cost_usd=base,
                latency_ms=rng.lognormvariate(6.5, 0.5),
                attempts=(Attempt(dep, model, provider, "ok", 500.0, usage, cost),),
            )
        )  # fmt: skip
    return out


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """``(width, height, channels, pixels)`` of an 8-bit RGB or RGBA, non-interlaced PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, colour, _, _, interlace = header
    channels = {2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(
            f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}"
        )
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    out = bytearray(height * stride)
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + b) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pred) & 0xFF
        out[y * stride : (y + 1) * stride] = line
        prev = line
    return width, height, channels, bytes(out)


def chart_pixels(png: Path) -> dict[str, object]:
    """Pixel counts per chart colour, and spend bars crossing the busiest row."""
    width, height, channels, px = decode_png(png.read_bytes())
    wanted = {rgb: name for name, rgb in COLOURS.items()}
    counts = dict.fromkeys(COLOURS, 0)
    spend_rows: list[list[int]] = [[] for _ in range(height)]
    for y in range(height):
        row = px[y * width * channels : (y + 1) * width * channels]
        for x in range(width):
            rgb = tuple(row[x * channels : x * channels + 3])
            name = wanted.get(rgb)  # type: ignore[arg-type]
            if name is not None:
                counts[name] += 1
                if name == "spend":
                    spend_rows[y].append(x)
    busiest = max(spend_rows, key=len)
    bars = sum(1 for i, x in enumerate(busiest) if i == 0 or x != busiest[i - 1] + 1)
    return {"width": width, "height": height, "pixels": counts, "spend_bars_on_busiest_row": bars}


def find_chromium(given: str | None) -> str | None:
    if given:
        return given if Path(given).exists() or shutil.which(given) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=None)
    parser.add_argument("--chromium", default=None, help="the browser binary (default: on PATH)")
    parser.add_argument("--calls", type=int, default=900)
    args = parser.parse_args(argv)
    out_dir = args.out_dir or Path(tempfile.mkdtemp(prefix="costroute-report-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    html, png = out_dir / "report.html", out_dir / "report.png"
    with open_ledger("sqlite:///:memory:") as ledger:
        ledger.append_many(generated_calls(args.calls))
        report = ledger.report(month="2026-11", group_by="model")
    html.write_text(report.to_html(), encoding="utf-8")
    result: dict[str, object] = {"html": str(html), "png": str(png), "calls": report.calls}
    browser = find_chromium(args.chromium)
    if browser is None:
        result |= {"ok": False, "error": "chromium not found (apt-get install -y chromium)"}
        print(json.dumps(result, indent=2))
        return 2
    with tempfile.TemporaryDirectory(prefix="costroute-chromium-") as profile:
        cmd = [browser, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
               html.resolve().as_uri()]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not png.is_file():
        tail = (done.stderr or "").strip().splitlines()[-3:]
        result |= {"ok": False, "error": f"chromium exited {done.returncode}", "stderr": tail}
        print(json.dumps(result, indent=2))
        return 2
    check = chart_pixels(png)
    pixels = check["pixels"]
    assert isinstance(pixels, dict)
    ok = all(pixels[name] >= low for name, low in MIN_PIXELS.items())
    ok = ok and int(str(check["spend_bars_on_busiest_row"])) >= MIN_BARS
    result |= check | {"minimum_pixels": MIN_PIXELS, "minimum_bars": MIN_BARS, "ok": ok}
    print(json.dumps(result, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
