"""The simulator's answer quality: hardness, skill, the seeded draw, the answers it remembers,
``sim.check`` and its replies to judge requests (plain HTTP here; through a Router in
test_sim_labeling.py)."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from costroute import JudgeModel
from costroute.sim import DEFAULT_PROFILES, ModelProfile, Simulator, hardness
from costroute.sim._grader import judge_sections
from costroute.sim._quality import is_right, p_right

WEAK, STRONG = "deepseek-v4-flash", "gpt-5.4"
QUESTIONS = [f"Question {i}: prove that the sum of two even numbers is even." for i in range(400)]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(latency_scale=0, seed=3) as running:
        yield running


def ask(sim: Simulator, model: str, text: str, **extra: Any) -> str:
    provider = DEFAULT_PROFILES[model].provider
    body = {"model": model, "messages": [{"role": "user", "content": text}], **extra}
    r = httpx.post(f"{sim.api_base(provider)}/chat/completions", json=body, timeout=5)
    r.raise_for_status()
    return str(r.json()["choices"][0]["message"]["content"])


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def find(sim: Simulator, weak: bool, strong: bool) -> str:
    """A question the weak model answers rightly iff ``weak``, the strong one iff ``strong``."""
    return next(
        q for q in QUESTIONS if (sim.is_right(q, WEAK), sim.is_right(q, STRONG)) == (weak, strong)
    )


# ---- the pure model


def test_hardness_rises_with_length_and_cues_and_stays_in_range() -> None:
    chat = hardness("hi!")
    proof = hardness("Prove by induction that the integral converges, step by step.")
    long_chat = hardness("Tell me about your day. " * 20)
    assert 0 <= chat < proof <= 1 and 0 <= long_chat <= 1
    assert hardness("hi!") == chat  # a function of the text alone
    texts = [f"hello number {i}" for i in range(200)]  # same length and cues: the hash part
    spread = [hardness(t) for t in texts]
    assert max(spread) - min(spread) > 0.25 and max(spread) <= 0.25 * 3 / 60 + 0.30


def test_p_right_falls_with_hardness_and_rises_with_skill() -> None:
    assert p_right(0.5, 0.5) == pytest.approx(0.5)
    assert p_right(0.2, 0.45) > p_right(0.6, 0.45)
    assert p_right(0.6, 0.8) > p_right(0.6, 0.45)


def test_the_draw_is_seeded_and_follows_p_right() -> None:
    text = QUESTIONS[0]
    assert is_right(1, text, WEAK, 0.45) == is_right(1, text, WEAK, 0.45)
    weak = statistics.mean(is_right(0, q, WEAK, 0.45) for q in QUESTIONS)
    strong = statistics.mean(is_right(0, q, STRONG, 0.80) for q in QUESTIONS)
    expected = statistics.mean(p_right(hardness(q), 0.45) for q in QUESTIONS)
    assert abs(weak - expected) < 0.08 and strong > weak + 0.2
    reseeded = [is_right(1, q, WEAK, 0.45) for q in QUESTIONS]
    assert reseeded != [is_right(0, q, WEAK, 0.45) for q in QUESTIONS]


def test_dearer_default_models_are_stronger() -> None:
    s = {name: p.skill for name, p in DEFAULT_PROFILES.items()}
    assert s["deepseek-v4-flash"] < s["deepseek-v4-pro"]
    assert s["claude-haiku-4-5"] < s["claude-sonnet-4-5"] < s["claude-opus-4-5"]
    assert s["gpt-5-mini"] < s["gpt-5"] and s["gpt-5.4-mini"] < s["gpt-5.4"]
    with pytest.raises(ValueError, match="skill"):
        ModelProfile("openai", 1, 1, 1, skill=1.5)


# ---- answers remembered, checked and judged


def test_check_grades_an_answer_of_the_simulator_to_its_request(sim: Simulator) -> None:
    for weak, strong in ((True, False), (False, True)):
        q = find(sim, weak, strong)
        assert sim.check(user(q), ask(sim, WEAK, q)) == float(weak)
        assert sim.check(user(q), ask(sim, STRONG, q)) == float(strong)
    right = ask(sim, STRONG, find(sim, False, True))
    assert sim.check(user("another request"), right) == 0.0  # not an answer to this one
    assert sim.check(user(QUESTIONS[0]), "an answer it never gave") == 0.0
    anthropic = [{"role": "user", "content": [{"type": "text", "text": QUESTIONS[1]}]}]
    assert sim.is_right(anthropic, STRONG) == sim.is_right(QUESTIONS[1], STRONG)


def test_an_answer_cut_by_max_tokens_is_wrong(sim: Simulator) -> None:
    q = find(sim, True, True)
    assert sim.check(user(q), ask(sim, WEAK, q, max_tokens=5)) == 0.0
    assert sim.check(user(q), ask(sim, WEAK, q)) == 1.0


def test_memory_is_bounded_and_reset_forgets() -> None:
    with Simulator(latency_scale=0, answer_memory=2) as sim:
        answers = [(q, ask(sim, STRONG, q)) for q in QUESTIONS[:3]]
        assert [sim.check(user(q), a) for q, a in answers[1:]] == [
            float(sim.is_right(q, STRONG)) for q, _ in answers[1:]
        ]
        first_q, first = answers[0]
        assert sim.is_right(first_q, STRONG) and sim.check(user(first_q), first) == 0.0
        sim.reset()
        assert sim.check(user(answers[2][0]), answers[2][1]) == 0.0
    with pytest.raises(ValueError, match="memory"):
        Simulator(answer_memory=0)


@pytest.mark.parametrize(
    ("weak", "strong", "score"),
    [(True, True, "1"), (True, False, "1"), (False, False, "1"), (False, True, "0")],
)
def test_a_judge_request_is_answered_from_the_answers_remembered(
    sim: Simulator, weak: bool, strong: bool, score: str
) -> None:
    q = find(sim, weak, strong)
    graded, reference = ask(sim, WEAK, q), ask(sim, STRONG, q)
    prompt = JudgeModel(deployment="claude-haiku-4-5").messages(user(q), graded, reference)
    assert judge_sections(prompt[0]["content"]) == (reference, graded)
    r = httpx.post(
        f"{sim.api_base('anthropic')}/v1/messages",
        json={"model": "claude-haiku-4-5", "max_tokens": 256, "messages": prompt},
        timeout=5,
    )
    body = r.json()
    assert body["content"][0]["text"] == f"SCORE: {score}"
    assert body["usage"]["output_tokens"] == 2  # "SCORE: 1" is 8 characters: 2 tokens


def test_a_judge_request_about_unknown_answers_falls_back(sim: Simulator) -> None:
    def judge(reference: str, answer: str) -> str:
        prompt = JudgeModel(deployment=STRONG).messages(user("q"), answer, reference)
        return ask(sim, STRONG, prompt[0]["content"])

    q = find(sim, False, True)
    wrong, right = ask(sim, WEAK, q), ask(sim, STRONG, q)
    assert judge("unknown reference", right) == "SCORE: 1"  # the known answer is right
    assert judge("unknown reference", wrong) == "SCORE: 0"  # an unknown reference counts right
    assert judge(wrong, "unknown answer") == "SCORE: 1"  # the reference is wrong
    assert judge(right, "unknown answer") == "SCORE: 0"  # an unknown answer counts wrong
    assert judge("the same text", "the  same text") == "SCORE: 1"
    assert judge_sections("no grading request here") is None


def test_cues_count_once_whatever_their_ending() -> None:
    base = "zzz " * 5
    assert hardness(base + "prove") - hardness(base + "proves") == pytest.approx(
        0.30 * (_luck(base + "prove") - _luck(base + "proves"))
    )
    assert _cues("Prove it; the proofs and proving") == 2  # prove, proof
    assert _cues("provenance and functional") == 0


def _luck(text: str) -> float:
    from costroute.sim._quality import _unit

    return _unit("hardness", text)


def _cues(text: str) -> int:
    from costroute.sim._quality import cues

    return len(cues(text))


def test_cue_lookup_agrees_with_the_plain_regex() -> None:
    import random
    import re

    from costroute.sim._quality import CUES, cues

    reference = re.compile(
        r"\b(" + "|".join(re.escape(c) for c in CUES) + r")(?:s|es|d|ed|ing)?\b", re.I
    )
    rng = random.Random(2)
    words = [*CUES, "provenance", "Proves", "PROOFS", "python3", "non-thread-safe", "x_prove"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 8))) for _ in range(2000)]
    for text in texts:
        assert cues(text) == {m.lower() for m in reference.findall(text)}, text
