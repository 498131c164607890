"""How much of costroute a routed call loads: modules and lines, and the time of ``import costroute``.

Each scenario runs in a new interpreter (``python benchmarks/routed_lines.py --child NAME``), as a
user's process would: the default router (``costroute.Router()``) with the default SQLite ledger,
one call to a DeepSeek endpoint mocked with respx (no network):

- ``sync``: ``router.chat(messages=...)``;
- ``stream``: ``router.chat(messages=..., stream=True)``, read to the end.

After the call it counts the ``costroute`` modules in ``sys.modules`` (``costroute.testing``
left out: the user's program would not load it) and the raw lines of their files. ``import``
is the wall time of ``import costroute`` in a fresh interpreter (median of ``--repeat`` runs).

    python benchmarks/routed_lines.py [--repeat 7]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import _offline  # noqa: F401  (litellm offline: before anything imports it)

MESSAGES = [{"role": "user", "content": "hi"}]


def _environment() -> None:
    os.environ["DISABLE_AIOHTTP_TRANSPORT"] = "True"  # respx sees httpx only
    for key in ("DEEPSEEK_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        os.environ[key] = "sk-test"
    folder = tempfile.mkdtemp()
    os.environ["COSTROUTE_LEDGER_URL"] = f"sqlite://{folder}/l.sqlite"


def _loaded() -> dict[str, Any]:
    lines: dict[str, int] = {}
    for name, module in sorted(sys.modules.items()):
        if not name.startswith("costroute") or name == "costroute.testing":
            continue
        path = getattr(module, "__file__", None)
        if path is None:
            continue
        with open(path, encoding="utf-8") as f:
            lines[name] = sum(1 for _ in f)
    biggest = sorted(lines.items(), key=lambda kv: -kv[1])[:10]
    return {
        "modules": len(lines),
        "lines": sum(lines.values()),
        "biggest": dict(biggest),
        "names": sorted(lines),
    }


def child(name: str) -> dict[str, Any]:
    _environment()
    for loaded in [m for m in sys.modules if m.startswith("costroute")]:
        del sys.modules[loaded]  # _offline's import of the command line's constants: not the call's
    import httpx
    import respx

    import costroute
    from costroute.testing import DEEPSEEK_URL, deepseek_body, openai_sse, sse_response

    with respx.mock(assert_all_mocked=True) as mock:
        route = mock.post(DEEPSEEK_URL)
        router = costroute.Router()
        if name == "sync":
            route.mock(
                return_value=httpx.Response(
                    200, json=deepseek_body("Hello!", prompt=10, completion=5, hit=0)
                )
            )
            router.chat(messages=MESSAGES)
        elif name == "stream":
            route.mock(return_value=sse_response(openai_sse(["Hel", "lo!"], prompt=10, hit=0)))
            for _ in router.chat(messages=MESSAGES, stream=True):
                pass
        else:
            raise SystemExit(f"unknown scenario {name!r}: sync or stream")
        router.close()
    return _loaded()


def import_time(repeat: int) -> dict[str, Any]:
    code = (
        "import time; t0 = time.perf_counter(); import costroute; print(time.perf_counter() - t0)"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(repeat)
    ]
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, costroute; print(sum(m.startswith('costroute') for m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        "median_s": round(statistics.median(runs), 4),
        "min_s": round(min(runs), 4),
        "modules": int(loaded.stdout),
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2])))
        return
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 7
    out: dict[str, Any] = {}
    for name in ("sync", "stream"):
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, __file__, "--child", name], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        result = json.loads(done.stdout)
        if "--names" not in sys.argv:
            result.pop("names")
        result["wall_s"] = round(time.perf_counter() - t0, 2)
        out[name] = result
    out["import"] = import_time(repeat)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
