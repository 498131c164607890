"""The requests of ``costroute demo --learn``: templates of mixed hardness, filled at random.

Each template is a kind of request an application sends (small talk, facts, arithmetic, word
problems, code, proofs, design questions); :func:`requests` draws templates and fills their
slots from a seeded ``random.Random``, so a seed gives the same requests, and different seeds
(or draws) give requests the router has not seen.
"""

from __future__ import annotations

import random
from collections.abc import Callable

__all__ = ["MISJUDGED", "TEMPLATES", "WEIGHT", "requests"]

_COUNTRIES = ("Australia", "Canada", "Peru", "Kenya", "Norway", "Japan", "Chile", "Egypt")
_PHRASES = ("good morning", "thank you", "see you soon", "where is the station", "happy birthday")
_LANGUAGES = ("Spanish", "French", "German", "Italian", "Portuguese")
_WORDS = ("happy", "quick", "bright", "calm", "brave", "tiny", "angry", "old")
_ITEMS = ("pens", "apples", "tickets", "notebooks", "candles")
_TASKS = (
    "checks whether a string is a palindrome",
    "returns the n-th Fibonacci number",
    "merges two sorted lists",
    "counts the words in a text file",
    "removes duplicates from a list while keeping order",
)
_ALGORITHMS = (
    "Dijkstra's algorithm with a binary heap",
    "an LRU cache with O(1) operations",
    "a trie with prefix search",
    "union-find with path compression",
    "a thread-safe bounded queue",
    "topological sort with cycle detection",
)
_THEOREMS = (
    "the square root of {a} is irrational",
    "there are infinitely many primes of the form 4k + 3",
    "n^3 - n is divisible by 6 for every integer n",
    "every bounded monotone sequence of reals converges",
    "the sum of the first {a} odd numbers is a perfect square",
    "p^2 - 1 is divisible by 24 for every prime p > 3",
)
_SYSTEMS = (
    "a rate limiter for a distributed API gateway",
    "a URL shortener serving 50k requests per second",
    "a job queue with exactly-once processing",
    "a chat service with read receipts",
    "a feature-flag service used by 200 microservices",
)
_STRATEGIES = (
    ("token bucket", "sliding window"),
    ("a SQL database", "a key-value store"),
    ("push", "pull"),
    ("leader election", "consistent hashing"),
)

_WHYS = (
    "the sky is blue",
    "ice floats on water",
    "bread rises in the oven",
    "we have time zones",
    "leaves change colour in autumn",
    "the moon has phases",
)
_QUICK = (
    "In one sentence: is a mutex or an atomic counter more efficient under low contention?",
    "Is a heap or a sorted array more efficient for a small priority queue? One word.",
    "Does a distributed cache improve latency or throughput more? Short answer.",
    "What does amortized complexity mean? One line.",
    "Which is more scalable for reads, a partitioned or a replicated database? One line.",
    "Why might a deadlock happen with two locks? One sentence.",
    "Is eventual consistency acceptable for a like counter? Yes or no.",
    "Does a graph of 10 nodes need a heap for shortest paths? One line.",
)
_USES = ("a job queue", "a rate counter", "a cache of sessions", "a log buffer", "a work pool")
_AUDIENCES = ("a child", "my grandmother", "a new colleague", "a class of ten-year-olds")
_COMPLAINTS = (
    "my order arrived two weeks late and the box was damaged",
    "I was charged twice for the same subscription this month",
    "the replacement part you sent does not fit my model",
    "nobody answered my last three emails about the refund",
)
_LEADS = (
    "Quick question: ",
    "For a customer email, ",
    "My manager asked me this. ",
    "Hello! ",
    "For our team wiki, ",
    "",
)
_TAILS = (
    "",
    " Keep it short.",
    " Please answer in plain English, I am not an expert.",
    " I need this for a report that is due tomorrow morning, so please be careful.",
    " Reply in one paragraph.",
)

Template = Callable[[random.Random], str]


def _pick(rng: random.Random, options: tuple[str, ...]) -> str:
    return options[rng.randrange(len(options))]


TEMPLATES: tuple[tuple[str, Template], ...] = (
    ("chat", lambda r: _pick(r, ("hi!", "Thanks, that's all.", "Good morning!", "ok, thanks"))),
    ("fact", lambda r: f"What is the capital of {_pick(r, _COUNTRIES)}?"),
    (
        "translate",
        lambda r: f"Translate '{_pick(r, _PHRASES)}' into {_pick(r, _LANGUAGES)}.",
    ),
    ("synonym", lambda r: f"Give me a synonym for '{_pick(r, _WORDS)}'."),
    ("sum", lambda r: f"What is {r.randint(10, 999)} + {r.randint(10, 999)}?"),
    ("product", lambda r: f"What is {r.randint(12, 99)} * {r.randint(12, 99)}?"),
    (
        "word problem",
        lambda r: (
            f"A shop sells {_pick(r, _ITEMS)} at {r.randint(2, 6)} for ${r.randint(1, 9)}."
            f" How much do {r.randint(10, 60)} of them cost? Show the steps."
        ),
    ),
    (
        "probability",
        lambda r: (
            f"A bag has {r.randint(3, 9)} red and {r.randint(3, 9)} blue balls. Three are"
            " drawn without replacement. What is the probability that exactly two are red?"
        ),
    ),
    (
        "code",
        lambda r: f"Write a Python function that {_pick(r, _TASKS)}, with tests.",
    ),
    (
        "algorithm",
        lambda r: (
            f"Implement {_pick(r, _ALGORITHMS)} in Python, analyse its complexity, and"
            " explain the edge cases."
        ),
    ),
    ("proof", lambda r: f"Prove that {_pick(r, _THEOREMS).format(a=r.choice((2, 3, 5, 7)))}."),
    (
        "roots",
        lambda r: (
            f"Let f(x) = x^3 - {r.randint(2, 9)}x + {r.randint(1, 5)}. Prove that f has"
            " exactly three real roots and find, with justification, the sum of their squares."
        ),
    ),
    (
        "design",
        lambda r: (
            "Design {}: compare {} and {}, discuss the trade-off between consistency and"
            " latency across regions, and give pseudocode.".format(
                _pick(r, _SYSTEMS), *_STRATEGIES[r.randrange(len(_STRATEGIES))]
            )
        ),
    ),
    # kinds a generic difficulty estimator misjudges: they read hard and are easy...
    ("explain why", lambda r: f"Explain why {_pick(r, _WHYS)} to {_pick(r, _AUDIENCES)}."),
    ("quick systems", lambda r: _pick(r, _QUICK)),
    # ...or read easy and are hard
    (
        "customer reply",
        lambda r: (
            f"Here is a message from a customer: '{_pick(r, _COMPLAINTS)}, and I expect"
            " an answer before the end of the week.' Draft a short, polite reply that apologises,"
            " says what we will do next, and gives a realistic date."
        ),
    ),
    (
        "eigenvalues",
        lambda r: f"Eigenvalues of [[{r.randint(2, 9)}, 1], [1, {r.randint(2, 9)}]]?",
    ),
    (
        "series",
        lambda r: (
            f"Does the sum of 1/n^{r.choice((2, 3, 4))} converge? Is sqrt({r.choice((2, 3, 5, 7, 11))})"
            " irrational?"
        ),
    ),
    (
        "thread-safe",
        lambda r: (
            f"A thread-safe data structure for {_pick(r, _USES)}: which one, and its trade-off?"
        ),
    ),
    (
        "summary",
        lambda r: (
            f"Summarise in one sentence: the meeting moved to {_pick(r, _WORDS)} Tuesday at"
            f" {r.randint(1, 11)}pm and the budget review to {r.randint(2, 28)} March."
        ),
    ),
)
"""(kind, template) pairs; a template draws its slots from the generator it is given."""


MISJUDGED = frozenset(
    {"explain why", "quick systems", "customer reply", "eigenvalues", "series", "thread-safe"}
)
"""The kinds the shipped difficulty estimator misjudges against the simulator's hardness: it
scores explain-why and quick systems questions about 0.45-0.6 when they are easy for
deepseek-v4-flash, and the other four about 0.2-0.4 when they are hard for it."""

WEIGHT = 2
"""How much likelier a misjudged kind is than another: this application's traffic is not the
traffic the shipped estimator was made for (12 of 26 draws)."""

_DRAWS = tuple(
    i for i, (kind, _) in enumerate(TEMPLATES) for _ in range(WEIGHT if kind in MISJUDGED else 1)
)


def requests(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """``count`` requests as (kind, text): a template drawn (a misjudged kind ``WEIGHT`` times
    as often), filled, with a lead-in and a closing remark drawn too, and a ticket number on
    one request in three (so that repeats are rare)."""
    out = []
    for _ in range(count):
        kind, template = TEMPLATES[_DRAWS[rng.randrange(len(_DRAWS))]]
        text = _pick(rng, _LEADS) + template(rng) + _pick(rng, _TAILS)
        if rng.random() < 1 / 3:
            text = f"[ticket {rng.randint(1000, 9999)}] {text}"
        out.append((kind, text))
    return out
