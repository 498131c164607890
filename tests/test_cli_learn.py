"""``costroute demo --learn``: the learning loop on the simulator, run once with its defaults
(the worked example of docs/learning-guide.md); its figures, the guide's pasted output, and
the command-line wiring."""

from __future__ import annotations

import pathlib
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from costroute.cli import main
from costroute.cli._learn import STRONG, WEAK, LearnResult, run_learn

pytestmark = pytest.mark.filterwarnings("ignore:.*`ReadOnly` qualifier:UserWarning")

ROOT = pathlib.Path(__file__).resolve().parents[1]
DIGEST = re.compile(r"@[0-9a-f]{16}")


@pytest.fixture(scope="module")
def run(
    off_peak_hour: Callable[[], AbstractContextManager[None]],
) -> tuple[list[str], LearnResult]:
    """The run, at an off-peak hour by the router's own clocks: the run pins the instant its
    calls are priced at, so its figures, and the guide's, do not depend on the hour."""
    lines: list[str] = []
    with off_peak_hour():
        result = run_learn(out=lines.append)
    return lines, result


def test_labels_are_collected_and_their_spend_reported_apart(
    run: tuple[list[str], LearnResult],
) -> None:
    lines, r = run
    other = r.labels[f"check@{STRONG}"] + r.labels[f"check@{WEAK}"]
    assert r.labels["check"] == 400 == other == r.labeling_calls  # both sides of every call
    assert r.labeling_usd > 0 and r.net_saved_usd == r.saved_usd - r.labeling_usd
    text = "\n".join(lines)
    assert f"labelling apart: 400 calls, ${r.labeling_usd:.4f}" in text
    assert f"labels by source: check 400, check@{WEAK} {r.labels[f'check@{WEAK}']}" in text


def test_retraining_is_reported_and_calibrated_to_the_defaults_share(
    run: tuple[list[str], LearnResult],
) -> None:
    lines, r = run
    t = r.train
    assert (t.examples, t.imputed, t.held_out) == (400, 0, 80)
    assert t.cv is not None  # both sides observed everywhere: the penalty is cross-validated
    assert t.calibration is not None
    assert abs(t.calibration["strong_share"] - r.strong_share) < 0.01
    assert t.heldout_before is not None and t.heldout_after is not None
    assert t.heldout_after > t.heldout_before
    for line in t.lines():
        assert f"   {line}" in lines


def test_the_rollout_verdict_is_printed_and_acted_on(run: tuple[list[str], LearnResult]) -> None:
    lines, r = run
    v = r.rollout
    assert v.verdict in ("better", "worse", "inconclusive", "insufficient")
    assert f"   verdict: {v.verdict} ({v.reason})" in lines
    assert r.promoted == v.beats
    assert any(line.startswith("   promote() -> retrained@") for line in lines) == r.promoted
    assert v.labels >= 200 and v.unjudged == 0


def test_the_retrained_router_is_not_worse_on_fresh_requests_at_a_similar_cost(
    run: tuple[list[str], LearnResult],
) -> None:
    _, r = run
    weak, default, retrained, strong = r.fresh.values()
    assert weak.right < default.right < strong.right and weak.strong == 0 == 1 - strong.strong
    assert retrained.right >= default.right
    assert abs(retrained.strong - default.strong) <= 0.05
    assert retrained.cost_usd <= default.cost_usd * 110 / 100


def test_the_guide_shows_this_run(run: tuple[list[str], LearnResult]) -> None:
    lines, _ = run
    guide = (ROOT / "docs/learning-guide.md").read_text()
    block = guide.split("<!-- demo-learn-output -->\n```text\n", 1)[1].split("```", 1)[0]
    shown = block.rstrip("\n").split("\n")

    def comparable(text: list[str]) -> list[str]:  # digests carry the training date; times vary
        return [DIGEST.sub("@<digest>", line) for line in text[:-1]]

    assert comparable(shown) == comparable("\n".join(lines).split("\n"))
    assert re.match(r"\d+ requests to the simulator in ", shown[-1])


def test_the_command_line_runs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import costroute.cli._learn as learn

    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(learn, "run_learn", lambda **kw: seen.append(kw))
    assert main(["demo", "--learn", "--seed", "3"]) == 0
    assert main(["demo", "--learn", "--latency-scale", "0.5"]) == 0
    assert seen == [{"seed": 3, "latency_scale": 0.0}, {"seed": None, "latency_scale": 0.5}]


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["demo", "--seed", "1"], "--seed"),
        (["demo", "--learn", "--temperature", "0.3"], "--temperature"),
    ],
)
def test_flags_of_the_other_demo_are_refused(
    argv: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert flag in err and "costroute demo" in err
