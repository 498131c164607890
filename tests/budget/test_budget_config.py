"""Bad input: typed errors that name the field (limits, windows, scopes, time zone, calls)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from costroute.budget import Budget, BudgetManager, Limit, MemoryBudgetBackend
from costroute.errors import ConfigError, InvalidRequestError


@pytest.mark.parametrize(
    "usd", [0, -1, "0", "-0.01", "abc", float("nan"), float("inf"), True, None]
)
def test_limit_usd_must_be_positive(usd: Any) -> None:
    with pytest.raises(ConfigError) as err:
        Limit(usd=usd)
    assert err.value.field == "Limit.usd"
    assert err.value.fix


@pytest.mark.parametrize("usd", ["9007199.254740992", 10_000_000, "0.0000000009", 1e-10])
def test_limit_usd_must_fit_a_window_exactly(usd: Any) -> None:
    # Windows count integer nanodollars, compared as doubles in Redis's Lua: < 2**53 n$.
    with pytest.raises(ConfigError) as err:
        Limit(usd=usd, window="day")
    assert err.value.field == "Limit.usd"
    assert "9007199.254740991" in str(err.value) and "9007199.254740991" in err.value.fix


def test_the_largest_and_smallest_limits_are_accepted() -> None:
    assert Decimal(2**53 - 1) / 10**9 == Limit.MAX_USD
    assert Limit(usd=Limit.MAX_USD).limit_usd == Decimal("9007199.254740991")
    assert Limit(usd="0.000000001").limit_usd == Decimal("1e-9")


def test_limit_usd_from_float_is_exact() -> None:
    assert Limit(usd=0.1).usd == Decimal("0.1")
    assert Limit(usd=100).usd == Decimal(100)


@pytest.mark.parametrize("window", ["week", "year", "", None])
def test_unknown_window(window: Any) -> None:
    with pytest.raises(ConfigError) as err:
        Limit(usd=1, window=window)
    assert err.value.field == "Limit.window"


@pytest.mark.parametrize("scope", ["team", "Global", "tag:", "tag:=x", "tag:k=", "users", 3])
def test_unknown_scope(scope: Any) -> None:
    with pytest.raises(ConfigError) as err:
        Limit(usd=1, scope=scope)
    assert err.value.field == "Limit.scope"
    assert "tag:<key>" in str(err.value)


@pytest.mark.parametrize("scope", ["global", "user", "tenant", "tag:feature", "tag:feature=search"])
def test_known_scopes(scope: str) -> None:
    assert Limit(usd=1, scope=scope).scope == scope


@pytest.mark.parametrize("soft", [0, -0.1, 1.01, float("nan"), True, "0.8"])
def test_soft_is_a_fraction(soft: Any) -> None:
    with pytest.raises(ConfigError) as err:
        Limit(usd=1, soft=soft)
    assert err.value.field == "Limit.soft"


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "utc+1", None])
def test_unknown_time_zone(tz: Any) -> None:
    with pytest.raises(ConfigError) as err:
        Budget(limits=[Limit(usd=1)], tz=tz)
    assert err.value.field == "budget.tz"
    assert "IANA" in str(err.value)


def test_limits_must_be_limits() -> None:
    with pytest.raises(ConfigError) as err:
        Budget(limits=[Limit(usd=1), 5])  # type: ignore[list-item]
    assert err.value.field == "budget.limits[1]"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lease_s": 0}, "lease_s"),
        ({"lease_s": -5}, "lease_s"),
        ({"backend": object()}, "backend"),
        ({"budget": [Limit(usd=1)]}, "budget"),
    ],
)
def test_manager_arguments(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as err:
        BudgetManager(**kwargs)
    assert err.value.field == field


@pytest.fixture
def mgr() -> BudgetManager:
    return BudgetManager(
        Budget([Limit(usd=1, window="day", scope="user")]), MemoryBudgetBackend(), lambda: 1.8e9
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": Decimal(-1)}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"amount": Decimal("NaN")}, "amount"),
        ({"amount": Decimal(1), "user": 42}, "user"),
        ({"amount": Decimal(1), "tenant": ["t"]}, "tenant"),
        ({"amount": Decimal(1), "tags": {"feature": 1}}, "tags"),
        ({"amount": Decimal(1), "tags": ["feature"]}, "tags"),
    ],
)
def test_bad_reserve_arguments(mgr: BudgetManager, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequestError) as err:
        mgr.reserve(**kwargs)
    assert err.value.field == field


def test_bad_settle_arguments(mgr: BudgetManager) -> None:
    res = mgr.reserve(Decimal("0.1"), user="u")
    with pytest.raises(InvalidRequestError) as err:
        mgr.settle(res, Decimal(-1))
    assert err.value.field == "actual"
    assert res.state == "held"
    with pytest.raises(InvalidRequestError) as err:
        mgr.settle("res-1", Decimal(1))  # type: ignore[arg-type]
    assert err.value.field == "reservation"


def test_no_budget_allows_everything() -> None:
    mgr = BudgetManager()
    res = mgr.reserve(Decimal(10**9))
    assert res.windows == ()
    mgr.settle(res, Decimal(10**9))
    assert mgr.status().windows == ()
    assert mgr.pressure() == 0.0


def test_reprs_help() -> None:
    mgr = BudgetManager(Budget([Limit(usd="2.50", window="day", scope="tag:feature")]))
    assert (
        repr(mgr.budget.limits[0]) == "Limit(usd=2.50, window='day', scope='tag:feature', soft=0.8)"
    )
    res = mgr.reserve(Decimal("0.01"), tags={"feature": "a"})
    assert repr(res).startswith("<Reservation ") and "$0.01 held windows=1>" in repr(res)
    assert repr(mgr).startswith("<BudgetManager limits=1 tz='UTC' backend=<MemoryBudgetBackend")
