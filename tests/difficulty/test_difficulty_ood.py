"""Out-of-domain ordering: hand-labelled prompts (tests/difficulty/data/) must be ranked sanely.

The labels (easy / medium / hard) were written before any estimator scored the prompts.
``ood_prompts.jsonl`` was used while revising the heuristic; ``ood_blind.jsonl`` was not.
The bounds sit a little below what the default measures (dev: Spearman 0.879, pairwise 0.955;
blind: 0.841, 0.928) so that a change that loses ordering quality fails here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from costroute import difficulty

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "estimator_ood.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("estimator_ood", BENCH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["estimator_ood"] = mod
    spec.loader.exec_module(mod)
    return mod


OOD = _bench()


def _quality(set_name: str) -> dict[str, float]:
    rows = OOD.load_ood(OOD.OOD_FILES[set_name])
    scores = [difficulty.score([{"role": "user", "content": r["text"]}]) for r in rows]
    q: dict[str, float] = OOD.ordering_quality(rows, scores)
    return q


def test_sets_are_labelled_and_balanced() -> None:
    for set_name, minimum in (("dev", 40), ("blind", 30)):
        rows = OOD.load_ood(OOD.OOD_FILES[set_name])
        assert len(rows) >= minimum
        levels = {r["level"] for r in rows}
        assert levels == {"easy", "medium", "hard"}
        assert len({r["id"] for r in rows}) == len(rows)


@pytest.mark.parametrize(
    ("set_name", "min_spearman", "min_pairwise"), [("dev", 0.85, 0.93), ("blind", 0.78, 0.89)]
)
def test_default_orders_out_of_domain_prompts(
    set_name: str, min_spearman: float, min_pairwise: float
) -> None:
    q = _quality(set_name)
    assert q["spearman"] >= min_spearman
    assert q["pairwise_accuracy"] >= min_pairwise
    assert q["easy<hard"] >= 0.99


@pytest.mark.parametrize("set_name", ["dev", "blind"])
def test_default_policy_thresholds_separate_easy_from_hard(set_name: str) -> None:
    """With easy_below=0.35 / hard_from=0.6 no easy prompt is premium, no hard one is tier 1."""
    rows = OOD.load_ood(OOD.OOD_FILES[set_name])
    for r in rows:
        s = difficulty.score([{"role": "user", "content": r["text"]}])
        if r["level"] == "easy":
            assert s < 0.35, r["text"]
        if r["level"] == "hard":
            assert s >= 0.35, r["text"]


def test_spearman_and_ordering_helpers() -> None:
    assert OOD.spearman([1, 2, 3], [1, 2, 3]) == pytest.approx(1.0)
    assert OOD.spearman([3, 2, 1], [1, 2, 3]) == pytest.approx(-1.0)
    rows = [{"level": lv} for lv in ("easy", "medium", "hard")]
    q = OOD.ordering_quality(rows, [0.5, 0.5, 0.5])
    assert q["pairwise_accuracy"] == 0.5
