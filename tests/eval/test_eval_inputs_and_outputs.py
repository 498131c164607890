"""The checks and writers behind ``costroute router eval``: targets, prices, model keys,
sweep calibration and the two-model plot (the params file calibration writes:
tests/policy/test_policy_params.py)."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costroute.catalog import Prices
from costroute.errors import ConfigError
from costroute.eval import (
    Record,
    calibrate,
    check_targets,
    evaluate,
    require_models,
    routing_curves,
)
from costroute.eval import policy_eval as pe
from costroute.eval.plot import check_plot_path, pair_to_html, pair_to_svg, plot_pair


def rec(i: int, strong: float, weak: float) -> Record:
    return Record(str(i), ({"role": "user", "content": f"q{i}"},), {"s": strong, "w": weak})


RECORDS = [rec(0, 1, 0), rec(1, 1, 1), rec(2, 0, 1), rec(3, 1, 0)]
SCORES = [0.9, 0.5, 0.1, 0.3]


# -- targets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [1.5, -1.0, 2.0, math.nan, math.inf])
@pytest.mark.parametrize("which", ["target_quality", "target_cost_share"])
def test_one_range_check_for_pair_and_sweep_calibration(bad: float, which: str) -> None:
    messages = []
    for call in (
        lambda: check_targets(**{"target_quality": None, "target_cost_share": None, which: bad}),
        lambda: calibrate(RECORDS, SCORES, "s", "w", **{which: bad}),
        lambda: pe.calibrate_sweep([_pt("a", 0.5, 0.5)], 1.0, **{which: bad}),
    ):
        with pytest.raises(ConfigError, match=r"outside \[0, 1\]") as info:
            call()
        assert info.value.field == which
        messages.append(str(info.value))
    assert len(set(messages)) == 1  # the same check, the same words


def test_check_targets_both_or_none() -> None:
    with pytest.raises(ConfigError, match="not both"):
        check_targets(0.9, 0.2, required=False)
    with pytest.raises(ConfigError, match="got none"):
        check_targets(None, None)
    check_targets(None, None, required=False)
    check_targets(0.0, None)
    check_targets(None, 1.0)


# -- calibrate_sweep --------------------------------------------------------------------------


def _pt(value: Any, accuracy: float, share: float) -> pe.Point:
    return pe.Point(str(value), accuracy, share * 10.0, share, {}, value)


SWEPT = [_pt(0.0, 0.90, 1.2), _pt(0.5, 0.85, 0.4), _pt(1.0, 0.80, 0.1)]


def test_calibrate_sweep_meets_the_target() -> None:
    assert pe.calibrate_sweep(SWEPT, 1.0, target_quality=0.85).value == 0.5
    assert pe.calibrate_sweep(SWEPT, 1.0, target_cost_share=0.5).value == 0.5
    assert pe.calibrate_sweep(SWEPT, 1.0, target_cost_share=0.1).value == 1.0


def test_unreachable_quality_names_the_most_accurate_point() -> None:
    with pytest.raises(ConfigError) as info:
        pe.calibrate_sweep(SWEPT, 1.0, target_quality=0.95, knob="w", reference="big")
    msg = str(info.value)
    assert "No w in the sweep reaches 95.0% of big's accuracy" in msg
    assert "the most accurate, w=0.0, gets 0.9000 (90.0% of it) at 120.0%" in msg
    assert "at most 0.9," in msg and info.value.field == "target_quality"
    # the suggested target is met
    assert pe.calibrate_sweep(SWEPT, 1.0, target_quality=0.9).value == 0.0


def test_unreachable_cost_share_names_the_cheapest_point() -> None:
    with pytest.raises(ConfigError) as info:
        pe.calibrate_sweep(SWEPT, 1.0, target_cost_share=0.05, knob="w", reference="big")
    msg = str(info.value)
    assert "the cheapest, w=1.0, costs 10.0% of it" in msg and "at least 0.1," in msg
    assert pe.calibrate_sweep(SWEPT, 1.0, target_cost_share=0.1).value == 1.0
    with pytest.raises(ConfigError, match="every swept value costs more than big"):
        pe.calibrate_sweep([_pt(0, 1.0, 1.5)], 1.0, target_cost_share=1.0, reference="big")
    with pytest.raises(ConfigError, match="no"):
        pe.calibrate_sweep([], 1.0, target_cost_share=0.5)


# -- prices and model keys ------------------------------------------------------------------


def test_prices_from_csv_reads_both_layouts(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text("model,in_pool,price_in_usd_per_1M,price_out_usd_per_1M\nx,1,0.5,2\ny,1,,\n")
    b = tmp_path / "b.csv"
    b.write_text("model,input,output\nx,1,4\n")
    assert pe.prices_from_csv(a)["x"].output == Decimal(2) and "y" not in pe.prices_from_csv(a)
    assert pe.prices_from_csv(b)["x"].input == Decimal(1)


@pytest.mark.parametrize(
    "text,match",
    [
        ("not,a,csv\n1,2,3\n", "has columns not, a, csv"),
        ("", r"has columns \(none\)"),
        ("model,input,output\nx,cheap,2\n", r":2: input of 'x' is 'cheap', not a price"),
        ("model,input,output\nx,1,2\ny,1,-2\n", r":3: output of 'y' is '-2'"),
        ("model,input,output\nx,,\n", "prices no model"),
        (b"model,input,output\nx,1,\xff\n", "not a UTF-8 CSV"),
    ],
)
def test_prices_from_csv_errors(tmp_path: Path, text: str | bytes, match: str) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ConfigError, match=match) as info:
        pe.prices_from_csv(path)
    assert info.value.field == "prices" and info.value.fix
    assert str(path) in str(info.value)


def test_prices_from_csv_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"Cannot read prices .*No such file"):
        pe.prices_from_csv(tmp_path / "absent.csv")


def test_prices_for_names_every_unpriced_model() -> None:
    prices = {"a": Prices(input=1, output=1)}
    assert set(pe.prices_for(["a"], prices)) == {"a"}
    with pytest.raises(ConfigError, match="no price for 2 of the 3 models: 'b', 'c'") as info:
        pe.prices_for(["a", "b", "c"], prices, "--prices p.csv")
    assert str(info.value).startswith("--prices p.csv has") and "--models" in str(info.value)


def test_require_models_names_the_key_and_valid_ones() -> None:
    records = [*RECORDS, Record("x", ({"content": "q"},), {"s": 1.0, "w": 0.0, "z": 1.0})]
    require_models(records, ["s", "w"])
    with pytest.raises(ConfigError) as info:
        require_models(records, ["nope", "z"], field="--models")
    msg = str(info.value)
    assert "'nope' (none of the 5 records has it); 'z' (4 of 5 lack it)" in msg
    assert "(field: --models)" in msg and "every record scores: s, w" in msg


def test_no_message_ends_in_two_periods(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        evaluate(RECORDS, SCORES, "w", "w")
    assert ".." not in str(info.value)
    (tmp_path / "d.jsonl").write_text("{oops.\n")
    from costroute.eval import load_jsonl

    with pytest.raises(ConfigError) as info:
        load_jsonl(tmp_path / "d.jsonl")
    assert ".." not in str(info.value)


# -- the two-model plot ----------------------------------------------------------------------


def test_routing_curves_and_pair_plot(tmp_path: Path) -> None:
    curves = routing_curves(RECORDS, SCORES, "s", "w")
    rand = curves["random"]
    assert (rand.share, rand.quality) == ((0.0, 1.0), (0.5, 0.75))  # the straight line
    assert max(curves["oracle"].quality) >= max(curves["router"].quality)
    result = evaluate(RECORDS, SCORES, "s", "w")
    cal = calibrate(RECORDS, SCORES, "s", "w", target_quality=0.95)
    svg = pair_to_svg(result, curves, "t", cal)
    assert svg.startswith("<svg") and svg.count("<polyline") == 5
    assert "random (APGR 0.500)" in svg and "strong s 0.750" in svg and "weak w 0.500" in svg
    assert "calibrated: score &gt;= 0.9000" in svg
    page = pair_to_html(result, curves, "t")
    assert page.startswith("<!doctype html>") and "APGR" in page and "calibrated" not in page
    written = plot_pair(result, curves, tmp_path / "new" / "c.svg")
    assert written.read_text().startswith("<svg")
    with pytest.raises(ConfigError, match=r"\.html, \.svg or \.png"):
        plot_pair(result, curves, tmp_path / "c.pdf")
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="Cannot write the plot"):
        plot_pair(result, curves, tmp_path / "file" / "c.html")


def test_check_plot_path(monkeypatch: pytest.MonkeyPatch) -> None:
    for ok in ("a.html", "a.HTM", "a.svg"):
        assert check_plot_path(ok) == Path(ok)
    with pytest.raises(ConfigError, match="unknown file type"):
        check_plot_path("a")
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ConfigError, match="matplotlib"):
        check_plot_path("a.png")
