"""Estimators: score range, sanity ordering, categories, callables, bad input."""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import pytest

from costroute import difficulty
from costroute.difficulty import (
    CATEGORIES,
    BlendedEstimator,
    CallableEstimator,
    Difficulty,
    Estimator,
    HeuristicEstimator,
    LearnedEstimator,
    as_estimator,
)
from costroute.errors import ConfigError, InvalidRequestError


def user(text: Any) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


HI = user("hi")
PROOF = user(
    r"Let $n$ be a positive integer. Prove that $\sum_{k=1}^{n} k^3 = \left(\frac{n(n+1)}{2}\right)^2$,"
    r" then find all integers $n \le 100$ such that the sum is a perfect square. Show each step."
)
PROMPTS = [
    HI,
    user("What is the capital of France?"),
    user("Write a haiku about autumn."),
    user("Explain why the sky is blue."),
    user("A robe takes 2 bolts of blue fiber and half that much white fiber. How many bolts?"),
    PROOF,
    user("def f(x):\n    return [i * 2 for i in x]\nassert f([1, 2]) == ??"),
    user([{"type": "text", "text": "Describe this image"}, {"type": "image_url", "image_url": {}}]),
    user(""),
    user("x" * 50_000),
    [{"role": "system", "content": "You are terse."}, *user("hello"), {"role": "assistant"}],
]
ESTIMATORS: list[Estimator] = [
    HeuristicEstimator(),
    LearnedEstimator.load(),
    difficulty.default_estimator(),
    BlendedEstimator(HeuristicEstimator(), LearnedEstimator.load(), 0.3, ["math", "code"]),
]


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: e.name)
@pytest.mark.parametrize("messages", PROMPTS)
def test_score_in_range_with_category_and_explanation(est: Estimator, messages: Any) -> None:
    d = est.estimate(messages)
    assert isinstance(d, Difficulty)
    assert 0.0 <= d.score <= 1.0 and math.isfinite(d.score)
    assert d.category in CATEGORIES
    assert len(d.features) <= 3
    assert all(isinstance(n, str) and isinstance(c, float) for n, c in d.features)


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: e.name)
def test_greeting_is_easier_than_a_multi_step_proof(est: Estimator) -> None:
    assert est.estimate(HI).score < est.estimate(PROOF).score


def test_module_shortcuts_use_the_default() -> None:
    assert difficulty.score(HI) == difficulty.default_estimator().estimate(HI).score
    assert difficulty.estimate(PROOF).category == "math"
    assert difficulty.default_estimator() is difficulty.default_estimator()
    assert difficulty.score(HI) < 0.1


def test_heuristic_categories_and_ordering() -> None:
    h = HeuristicEstimator()
    assert h.estimate(HI).category == "trivial"
    assert h.estimate(user("What is the capital of France?")).category == "knowledge"
    assert h.estimate(user("Write a haiku about autumn.")).category == "chat"
    code = h.estimate(user("Write a Python function that parses ISO dates.\n```python\n```"))
    assert code.category == "code"
    scores = [h.estimate(m).score for m in (HI, PROMPTS[2], PROMPTS[1], PROOF)]
    assert scores == sorted(scores)


def test_difficulty_repr_explains() -> None:
    r = repr(HeuristicEstimator().estimate(PROOF))
    assert r.startswith("<Difficulty score=") and "category='math'" in r


@pytest.mark.parametrize("bad", ["hi", None, 3, [1, 2], {"role": "user"}])
def test_bad_messages_raise_invalid_request(bad: Any) -> None:
    with pytest.raises(InvalidRequestError) as info:
        difficulty.score(bad)
    assert info.value.field == "messages"


def test_callable_is_clamped_and_named() -> None:
    def always_high(messages: Any) -> float:
        return 7.0

    est = as_estimator(always_high)
    assert isinstance(est, CallableEstimator) and est.name == "always_high"
    assert est.estimate(HI) == Difficulty(1.0, "custom", ())
    assert as_estimator(lambda m: -1).estimate(HI).score == 0.0
    h = HeuristicEstimator()
    assert as_estimator(h) is h


@pytest.mark.parametrize("result", [float("nan"), "0.5", None, True])
def test_callable_bad_result_is_a_config_error(result: Any) -> None:
    with pytest.raises(ConfigError, match="not a finite number"):
        CallableEstimator(lambda m: result, name="bad").estimate(HI)


def test_callable_that_raises_is_a_config_error() -> None:
    def broken(messages: Any) -> float:
        raise KeyError("boom")

    with pytest.raises(ConfigError, match="'broken' raised KeyError") as info:
        CallableEstimator(broken).estimate(HI)
    assert isinstance(info.value.__cause__, KeyError)


def test_as_estimator_rejects_non_callables() -> None:
    with pytest.raises(ConfigError, match="Cannot use int"):
        as_estimator(3)  # type: ignore[arg-type]


def test_blend_weight_must_be_a_fraction() -> None:
    with pytest.raises(ConfigError) as info:
        BlendedEstimator(HeuristicEstimator(), HeuristicEstimator(), 1.5)
    assert info.value.field == "weight"


def test_blend_mixes_only_in_its_categories() -> None:
    const = CallableEstimator(lambda m: 1.0, name="one")
    h = HeuristicEstimator()
    b = BlendedEstimator(h, const, 0.5, ["math"])
    assert b.estimate(HI).score == h.estimate(HI).score
    assert b.estimate(PROOF).score == pytest.approx(0.5 * h.estimate(PROOF).score + 0.5)


def test_import_is_pure_python_and_loads_no_weights() -> None:
    code = (
        "import sys\n"
        "import costroute.difficulty as d\n"
        "assert 'numpy' not in sys.modules\n"
        "d.score([{'role': 'user', 'content': 'hi'}])\n"
        "d.LearnedEstimator.load().estimate([{'role': 'user', 'content': 'What is 2+2?'}])\n"
        "assert 'numpy' not in sys.modules, 'inference imported numpy'\n"
        "assert 'litellm' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Implement quicksort in Rust", "code"),
        ("Write a C++ program to find the nth Fibonacci number using recursion.", "code"),
        ("Write a Python function that merges two sorted lists, with tests.", "code"),
        ("Is it true that stress affects memory?", "chat"),
        ("What is the function of the liver?", "knowledge"),
        ("How do I sort a list in Python?", "chat"),
    ],
)
def test_programming_requests_without_code_are_code_and_plain_english_is_not(
    text: str, category: str
) -> None:
    messages = [{"role": "user", "content": text}]
    assert HeuristicEstimator().estimate(messages).category == category
    assert LearnedEstimator.load().estimate(messages).category == category  # one rule for both
