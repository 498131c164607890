"""The default estimator against the prompt's length on the project's own labelled prompts
(benchmarks/zero_shot.py; its table is in docs/difficulty.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

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
    for name in ("default", "length", "candidate"):
        lo, hi = f[name]["ci"]
        assert lo < f[name]["apgr"] < hi
    # The margin's interval is paired: it holds the margin and is positive here.
    lo, hi = f["default"]["margin_ci"]
    assert 0 < lo < f["default"]["margin"] < hi


def test_the_candidate_caps_the_terms_beyond_base_and_length() -> None:
    hi = [{"role": "user", "content": "hi"}]
    assert ZS.capped_score(hi) == ZS.default_score(hi)  # trivial: the base only
    proof = [
        {"role": "user", "content": "Prove that for every $n$, $\\sum_{k=1}^n k^3$ is a square."}
    ]
    assert ZS.capped_score(proof) < ZS.default_score(proof)
    assert ZS.capped_score(proof, cap=1.0) == ZS.default_score(proof)
    # Inside a capped level, the longer request scores higher.
    longer = [{"role": "user", "content": proof[0]["content"] + " Justify every step rigorously."}]
    assert ZS.capped_score(longer) > ZS.capped_score(proof)


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
