"""The default estimator against the prompt's length on the project's own labelled prompts
(benchmarks/zero_shot.py; its table is in docs/difficulty.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("zero_shot", ROOT / "benchmarks" / "zero_shot.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["zero_shot"] = mod
    spec.loader.exec_module(mod)
    return mod


ZS = _bench()


def test_default_beats_prompt_length_on_the_dev_prompts() -> None:
    records = ZS.ood_records(ZS.OOD_FILES["ood dev"])
    f = ZS.figures(records, "strong", "weak", 1000, 0)
    assert f["n"] == 56
    assert f["default"]["apgr"] > f["length"]["apgr"] + 0.03
    assert f["default_wins"] is True
    for name in ("default", "length", "heuristic"):
        lo, hi = f[name]["ci"]
        assert lo < f[name]["apgr"] < hi
    # The margin's interval is paired: it holds the margin and is positive here.
    lo, hi = f["default"]["margin_ci"]
    assert 0 < lo < f["default"]["margin"] < hi


def test_the_grid_scores_the_default_with_its_own_constants() -> None:
    from costroute.difficulty._levels import to_scale

    for text in ("hi", "Prove that $x^2 \\ge 0$.", "What is 7 + 5?", "def f(x): return x * 2"):
        messages = [{"role": "user", "content": text}]
        assert to_scale(ZS.level_raw(messages)) == ZS.default_score(messages)
    proof = [{"role": "user", "content": "Prove that for every $n$, $n^3 - n$ is divisible by 6."}]
    # The competition bump and the cap are what --grid varies.
    assert ZS.level_raw(proof, competition=0.0) == pytest.approx(ZS.level_raw(proof) - 0.10)
    assert ZS.level_raw(proof, cap=1.0) > ZS.level_raw(proof)


def test_the_knots_match_the_heuristic_shares_on_the_sets_given() -> None:
    dev = ZS.ood_records(ZS.OOD_FILES["ood dev"])
    (raw, score), *_ = ZS.knots([dev], (0.35,))
    assert score == 0.35
    above = sum(ZS.level_raw(r.messages) >= raw for r in dev)
    assert above == sum(ZS.heuristic_score(r.messages) >= 0.35 for r in dev)


def test_the_stand_in_pair_follows_the_hand_labels() -> None:
    records = ZS.ood_records(ZS.OOD_FILES["ood blind"])
    assert {r.scores["strong"] for r in records} == {1.0}
    assert {r.scores["weak"] for r in records} == {0.0, 0.5, 1.0}
    assert ZS.prompt_length([{"role": "user", "content": "abc"}]) == 3.0


def test_the_docs_table_rows_of_the_labelled_prompts_are_what_the_script_prints() -> None:
    rows = {
        name: ZS.figures(ZS.ood_records(path), "strong", "weak", 1000, 0)
        for name, path in ZS.OOD_FILES.items()
    }
    doc = (ROOT / "docs" / "difficulty.md").read_text("utf-8")
    for line in ZS.table(rows).splitlines()[2:]:
        assert line in doc
