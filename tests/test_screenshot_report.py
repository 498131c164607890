"""scripts/screenshot_report.py: its PNG decoder, and the real screenshot when Chromium is here."""

from __future__ import annotations

import importlib.util
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "screenshot_report.py"
CHROMIUM = Path("/usr/bin/chromium")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshot_report", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(rows: list[bytes], width: int, channels: int, filters: list[int]) -> bytes:
    """A PNG whose scanlines are encoded with the given filter types (the encoder's side)."""
    raw = bytearray()
    prev = bytes(len(rows[0]))
    for row, kind in zip(rows, filters, strict=True):
        enc = bytearray()
        for x, value in enumerate(row):
            a = row[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            paeth = a if pa <= pb and pa <= pc else b if pb <= pc else c
            pred = [0, a, b, (a + b) // 2, paeth][kind]
            enc.append((value - pred) & 0xFF)
        raw += bytes([kind]) + enc
        prev = row
    colour = {3: 2, 4: 6}[channels]
    ihdr = struct.pack(">IIBBBBB", width, len(rows), 8, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(bytes(raw)))
        + _chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("channels", [3, 4])
def test_decoder_undoes_every_filter(channels: int) -> None:
    width = 7
    rows = [bytes((x * 37 + y * 91 + 13) % 256 for x in range(width * channels)) for y in range(5)]
    data = _png(rows, width, channels, [0, 1, 2, 3, 4])
    assert _script().decode_png(data) == (width, 5, channels, b"".join(rows))


def test_decoder_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="not a PNG"):
        _script().decode_png(b"GIF89a")


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (apt-get install -y chromium)"
)
def test_screenshot_shows_both_charts(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--out-dir", str(tmp_path), "--chromium", str(CHROMIUM)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    result = json.loads(done.stdout)
    assert done.returncode == 0, result
    assert result["ok"] is True and (result["width"], result["height"]) == (1200, 1600)
    assert all(result["pixels"][name] >= low for name, low in result["minimum_pixels"].items())
    assert result["spend_bars_on_busiest_row"] == 30  # one bar per day of November
    assert (tmp_path / "report.png").stat().st_size > 10_000
