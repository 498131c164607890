"""Hand-made features of a prompt, shared by the heuristic and the learned estimator.

Pure Python and built for speed: one lower-casing, one word regex, one number regex, a dict
lookup per word (at most :data:`MAX_WORDS`) and a handful of C-level ``str.count`` calls. Every
feature is scaled to roughly [0, 1] so weights are comparable across features.
"""

from __future__ import annotations

import math
import re

from costroute.difficulty._text import PromptText, extract
from costroute.difficulty._types import Messages

__all__ = ["FEATURE_NAMES", "MAX_WORDS", "Features", "compute", "feature_vector", "prompt_features"]

MAX_WORDS = 400
"""Words looked at for the lexicon counts (the text is already bounded by ``_text``)."""

_TOKEN = re.compile(r"[a-z]+|\d[\d.,]*")
_CHOICE = re.compile(r"(?:^|\n)\s*\(?[a-dA-D][).:]\s")
_MONEY = re.compile(r"\$\s?\d")

_GROUPS: dict[str, str] = {
    "math_terms": (
        "integer integers polynomial prime primes probability remainder divisible divisor "
        "divisors equation equations sqrt real roots root triangle circle radius perimeter "
        "angle digits digit modulo factorial fraction fractions matrix vector derivative "
        "integral simplify coefficient coefficients sequence series geometric arithmetic "
        "ratio maximum minimum largest smallest positive negative expected distinct ordered "
        "exponent logarithm log frac cdot le ge leq geq pi theta infty dfrac tfrac compute "
        "solve evaluate express equilateral parabola hyperbola ellipse vertices polygon "
        "rectangle square cube sphere cylinder volume area mean median mode lcm gcd base"
    ),
    "code_terms": (
        "python function code def return class implement bug debug compile runtime "
        "algorithm api sql javascript typescript java rust golang regex recursion array "
        "dict string variable loop assert print exception refactor script program "
        "query database async thread threads docker kubernetes "
        "json http endpoint lambda pointer memory stack compiler test tests unittest "
        "sort sorted len append range elif none true false self import"
    ),
    "proof": (
        "prove proves proving proof proofs justify derive rigorous rigorously formally "
        "lemma theorem disprove contradiction induction"
    ),
    "algorithmic": (
        "complexity efficient efficiently optimize optimise optimal lock atomic atomics "
        "concurrent concurrency mutex deadlock distributed scalable invariant invariants "
        "amortized dijkstra parser interpreter tokenizer graph graphs heap subarray "
        "subarrays substring substrings recursion recursive persistent consistency "
        "partition partitions latency throughput"
    ),
    "reasoning": (
        "why explain compare analyze analyse tradeoff tradeoffs argue reasoning "
        "implications pros cons design strategy critique contrast assess consequences "
        "hypothesis infer deduce paradox puzzle riddle logically truth lies"
    ),
    "multistep": (
        "then after each every total remaining rest more less times twice half per left "
        "altogether spends spent buys bought sells sold percent fewer respectively first "
        "second third finally next later before initially another additional week weeks "
        "hours minutes days month months year years cost costs price profit"
    ),
    "constraints": (
        "must exactly least most without only except unless between such satisfy "
        "satisfies satisfying condition conditions given suppose assume constraint "
        "constraints possible handle handling ensure guarantee guarantees include "
        "including words sentences paragraph paragraphs bullet bullets format table "
        "limit avoid edge cases"
    ),
    "creative": (
        "write poem story essay email letter haiku song joke tweet slogan summarize "
        "summarise rewrite translate describe imagine pretend roleplay draft creative "
        "brainstorm ideas tips recommend suggest"
    ),
    "knowledge": (
        "who what when where which capital define definition meaning history called "
        "invented discovered country president famous known located population"
    ),
    "trivial": (
        "hi hello hey thanks thank ok okay bye yes no cool great lol morning sup hiya "
        "goodbye cheers nice welcome please"
    ),
}

_GROUP_ORDER = tuple(_GROUPS)
_LEXICON: dict[str, int] = {}
for _i, _name in enumerate(_GROUP_ORDER, start=1):  # 0 is "no group", so filter() drops it
    for _w in _GROUPS[_name].split():
        _LEXICON.setdefault(_w, _i)

FEATURE_NAMES: tuple[str, ...] = (
    "length",
    "words",
    "numbers",
    "digit_share",
    "latex",
    "math_ops",
    "code_markers",
    "questions",
    "lines",
    "word_length",
    "turns",
    "context",
    "choices",
    "short",
    "how_many",
    "step_by_step",
    *_GROUP_ORDER,
)
"""Names of the feature vector's entries, in order."""

_N_GROUPS = len(_GROUP_ORDER)
_PROOF = _GROUP_ORDER.index("proof") + 1
_LOG2 = math.log(2.0)


class Features:
    """A feature vector and the word list it came from (for vocabulary models)."""

    __slots__ = ("values", "words")

    def __init__(self, values: list[float], words: list[str]) -> None:
        self.values = values
        self.words = words


def _log(x: float, scale: float) -> float:
    return math.log1p(x) / scale


def compute(prompt: PromptText) -> Features:
    """Compute :data:`FEATURE_NAMES` for ``prompt``."""
    text = prompt.text
    lower = text.lower()
    tokens = _TOKEN.findall(lower)
    numbers = [t for t in tokens if t[0] <= "9"]
    words = [t for t in tokens if t[0] > "9"] if numbers else tokens
    if len(words) > MAX_WORDS:
        words = words[:MAX_WORDS]
    n_words = len(words)
    groups = [0] * (_N_GROUPS + 1)
    for g in filter(None, map(_LEXICON.get, words)):
        groups[g] += 1
    groups[_PROOF] += lower.count("show that")
    n_chars = max(1, len(text))
    digit_chars = sum(map(len, numbers))
    dollars = text.count("$")
    if dollars:  # "$2" is money, not LaTeX
        dollars -= len(_MONEY.findall(text))
    latex = dollars + text.count("\\")
    ops = text.count("^") + text.count("=") + text.count("+") + text.count("*") + text.count("/")
    code = (
        lower.count("def ")
        + lower.count("return")
        + text.count("```")
        + text.count(";")
        + text.count("    ")
        + text.count("[PYTHON]")
        + text.count("()")
        + text.count("==")
    )
    values = [
        _log(prompt.n_chars, 8.0),
        _log(n_words, 6.0),
        _log(len(numbers), 3.0),
        min(1.0, 4.0 * digit_chars / n_chars),
        _log(latex, 3.0),
        _log(ops, 3.0),
        _log(code, 3.0),
        _log(text.count("?"), 2.0),
        _log(text.count("\n"), 3.0),
        (sum(map(len, words)) / n_words) / 8.0 if n_words else 0.0,
        _log(max(0, prompt.n_turns - 1), 2.0),
        _log(max(0, prompt.total_chars - prompt.n_chars), 8.0),
        1.0 if "\n" in text and len(_CHOICE.findall(text)) >= 2 else 0.0,
        1.0 if n_words <= 4 else 0.0,
        1.0 if "how many" in lower or "how much" in lower else 0.0,
        1.0 if "step by step" in lower or "step-by-step" in lower else 0.0,
    ]
    for count in groups[1:]:
        values.append(math.log1p(count) / _LOG2 / 3.0)
    return Features(values, words)


def prompt_features(messages: Messages) -> Features:
    """The hand features (:data:`FEATURE_NAMES`) and the words of ``messages``' prompt text:
    what training (:mod:`costroute.train`) fits on."""
    return compute(extract(messages))


def feature_vector(messages: Messages) -> dict[str, float]:
    """The named feature vector of ``messages`` (:data:`FEATURE_NAMES`, zeros left out).

    What the ledger keeps of a call instead of its prompt: the hand features the learned
    estimator and :func:`costroute.train.fit.train` (``vocab_size=0``) work from. The
    words are not in it, so a prompt cannot be read back from it.
    """
    values = compute(extract(messages)).values
    return {name: v for name, v in zip(FEATURE_NAMES, values, strict=True) if v}
