"""k-fold selection of a pair's learned estimator (costroute.eval.cv.cross_validate)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from costroute.errors import ConfigError
from costroute.eval import Record

pytest.importorskip("numpy")


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def gain_data(n: int = 240, seed: int = 5) -> list[Record]:
    """Four kinds of prompt: both models fail (proofs), the strong one wins (word problems),
    both pass (greetings), the weak one wins (haiku). Only the gain label ranks the word
    problems above the proofs, which is where the strong model is worth calling."""
    rng = random.Random(seed)
    kinds = [
        ("Prove the conjecture about primes {i} rigorously", 0.0, 0.0),
        ("Tom buys {i} apples and sells half; how many are left after a week", 1.0, 0.0),
        ("hello {i}", 1.0, 1.0),
        ("write a haiku about autumn number {i}", 0.0, 1.0),
    ]
    out = []
    for i in range(n):
        text, s, w = kinds[rng.randrange(4)]
        out.append(Record(str(i), tuple(user(text.format(i=i))), {"strong": s, "weak": w}))
    return out


def test_cross_validation_picks_the_gain_label_deterministically() -> None:
    from costroute.eval.cv import cross_validate, train_selected

    records = gain_data()
    grid = {"vocab_sizes": (0, 20), "regs": (1.0, 3.0), "folds": 4, "resamples": 200}
    first = cross_validate(records, "strong", "weak", seed=1, **grid)
    again = cross_validate(records, "strong", "weak", seed=1, **grid)
    assert first == again  # same seed: same folds, same table, same interval
    assert [(r.label, r.vocab_size, r.reg) for r in first.rows] == [
        (lab, v, reg)
        for lab in ("gain", "weak_fails", "pair")
        for v, reg in ((0, 1.0), (20, 1.0), (20, 3.0))
    ]
    assert first.best.label == "gain"
    assert first.best.apgr == max(r.apgr for r in first.rows)
    by_label = {
        lab: max(r.apgr for r in first.rows if r.label == lab) for lab in ("gain", "weak_fails")
    }
    assert by_label["gain"] > by_label["weak_fails"] + 0.05
    assert first.apgr_ci is not None and first.apgr_ci[0] <= first.best.apgr <= first.apgr_ci[1]
    other = cross_validate(records, "strong", "weak", seed=2, **grid)
    assert [r.fold_apgr for r in other.rows] != [r.fold_apgr for r in first.rows]
    est, result = train_selected(records, "strong", "weak", seed=1, **grid)
    assert result == first and est.meta["label"] == "gain"
    assert est.meta["cv"]["chosen"]["label"] == "gain" and len(est.meta["cv"]["table"]) == 9
    word_problem = est.estimate(user("Tom buys 7 apples and sells half; how many are left")).score
    proof = est.estimate(user("Prove the conjecture about primes 3 rigorously")).score
    assert word_problem > proof
    assert any("*" in line and "gain" in line for line in result.table())


def test_cross_validation_errors_name_the_field() -> None:
    from costroute.eval.cv import cross_validate

    records = gain_data(40)
    with pytest.raises(ConfigError) as info:
        cross_validate(records, "strong", "weak", folds=1)
    assert info.value.field == "folds"
    with pytest.raises(ConfigError) as info:
        cross_validate(records, "strong", "weak", labels_to_try=("hardness",))  # type: ignore[arg-type]
    assert info.value.field == "labels"
    with pytest.raises(ConfigError) as info:
        cross_validate(records, "strong", "weak", vocab_sizes=(-1,))
    assert info.value.field == "vocab_sizes/regs"
    with pytest.raises(ConfigError, match="no score for model"):
        cross_validate(records, "strong", "absent")
