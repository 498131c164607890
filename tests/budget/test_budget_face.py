"""The face of costroute.budget: sorted, documented __all__; no redis import until used."""

from __future__ import annotations

import subprocess
import sys

import costroute.budget as budget


def test_all_is_sorted_and_documented() -> None:
    assert budget.__all__ == sorted(budget.__all__)
    for name in budget.__all__:
        obj = getattr(budget, name)
        if name != "Window":  # a Literal alias has no docstring of its own
            assert obj.__doc__, name


def test_importing_budget_does_not_import_redis() -> None:
    code = "import sys, costroute.budget; print('redis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
