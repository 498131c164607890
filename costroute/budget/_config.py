"""Budget configuration: :class:`Limit` (one window over one scope) and :class:`Budget`.

A scope names whose spend a limit counts:

* ``"global"``: every call;
* ``"user"`` / ``"tenant"``: each user (tenant) separately; calls that name none are not counted;
* ``"tag:<key>"``: each value of the tag separately (``tag:feature`` = one budget per feature);
* ``"tag:<key>=<value>"``: only the calls tagged ``key=value``.

A window is ``"request"`` (each call alone), ``"day"`` or ``"month"`` (calendar, in ``Budget.tz``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import ClassVar, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from costroute.errors import ConfigError

__all__ = ["Budget", "Limit", "Window", "scope_key", "scope_matches"]

Window = Literal["request", "day", "month"]
_WINDOWS: tuple[str, ...] = get_args(Window)
_SCOPE_FIX = "use 'global', 'user', 'tenant', 'tag:<key>' or 'tag:<key>=<value>'"

_MAX_USD = Decimal(2**53 - 1).scaleb(-9)
_NANO = Decimal("1e-9")


def _usd(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ConfigError(
            f"Limit usd={value!r} is not an amount.", field="Limit.usd", fix="pass e.g. usd=100"
        )
    try:
        # A float goes through its shortest repr, so 0.1 becomes exactly 0.1, not 0.1000000000000000055.
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ConfigError(
            f"Limit usd={value!r} is not an amount.", field="Limit.usd", fix="pass e.g. usd=100"
        ) from None
    if not amount.is_finite() or amount <= 0:
        raise ConfigError(
            f"Limit usd={value!r} must be a positive amount of US dollars.",
            field="Limit.usd",
            fix="pass a limit above zero, e.g. usd=100; remove the limit to allow any spend",
        )
    if not _NANO <= amount <= _MAX_USD:
        raise ConfigError(
            f"Limit usd={value!r} is outside what a budget window counts exactly:"
            f" 0.000000001 (one nanodollar) to {_MAX_USD}.",
            field="Limit.usd",
            fix=f"pass a limit between 0.000000001 and {_MAX_USD} US dollars per window",
        )
    return amount


def _check_scope(scope: object) -> str:
    if not isinstance(scope, str):
        raise ConfigError(
            f"Limit scope={scope!r} is not a string.", field="Limit.scope", fix=_SCOPE_FIX
        )
    if scope in ("global", "user", "tenant"):
        return scope
    if scope.startswith("tag:"):
        key, sep, value = scope[4:].partition("=")
        if key and (not sep or value):
            return scope
    raise ConfigError(f"Unknown budget scope {scope!r}.", field="Limit.scope", fix=_SCOPE_FIX)


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``usd`` per ``window`` for each value of ``scope``.

    The limit is hard: a call whose worst case does not fit is refused before the network.
    ``soft`` (a fraction in (0, 1], default 0.8) is where budget pressure starts: once a window
    is that full, the router's policy is told and prefers cheaper deployments.
    """

    MAX_USD: ClassVar[Decimal] = _MAX_USD
    """The largest limit: $9,007,199.254740991, 2^53 - 1 nanodollars. Windows count integer
    nanodollars, and Redis's Lua compares them as doubles, exact only below 2^53."""

    usd: Decimal | float | int | str
    window: Window = "month"
    scope: str = "global"
    soft: float = 0.8

    def __post_init__(self) -> None:
        object.__setattr__(self, "usd", _usd(self.usd))
        if self.window not in _WINDOWS:
            raise ConfigError(
                f"Unknown budget window {self.window!r}.",
                field="Limit.window",
                fix="use 'request', 'day' or 'month'",
            )
        object.__setattr__(self, "scope", _check_scope(self.scope))
        soft = self.soft
        if isinstance(soft, bool) or not isinstance(soft, int | float) or not 0 < soft <= 1:
            raise ConfigError(
                f"Limit soft={soft!r} is not a fraction in (0, 1].",
                field="Limit.soft",
                fix="pass e.g. soft=0.8 (pressure from 80% of the limit); 1.0 = none before the limit",
            )

    @property
    def limit_usd(self) -> Decimal:
        """``usd`` as a :class:`Decimal` (it is stored as one)."""
        assert isinstance(self.usd, Decimal)
        return self.usd

    def __repr__(self) -> str:
        return (
            f"Limit(usd={self.usd}, window={self.window!r}, scope={self.scope!r}, soft={self.soft})"
        )


def scope_key(
    scope: str, user: str | None, tenant: str | None, tags: Mapping[str, str]
) -> str | None:
    """The scope value a call counts against (``"user=alice"``), or None if the scope does not apply."""
    if scope == "global":
        return "global"
    if scope == "user":
        return None if user is None else f"user={user}"
    if scope == "tenant":
        return None if tenant is None else f"tenant={tenant}"
    key, sep, value = scope[4:].partition("=")
    have = tags.get(key)
    if have is None or (sep and have != value):
        return None
    return f"tag:{key}={have}"


def scope_matches(scope: str, key: str) -> bool:
    """Whether the scope value ``key`` (as built by :func:`scope_key`) belongs to ``scope``."""
    if scope == "global":
        return key == "global"
    if scope in ("user", "tenant"):
        return key.startswith(scope + "=")
    return key == scope if "=" in scope else key.startswith(scope + "=")


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits that apply together (a call must fit all of them), with the calendar's time zone."""

    limits: Sequence[Limit] = ()
    tz: str = "UTC"

    def __post_init__(self) -> None:
        items = tuple(self.limits)
        for i, item in enumerate(items):
            if not isinstance(item, Limit):
                raise ConfigError(
                    f"budget.limits[{i}] is {item!r}, not a Limit.",
                    field=f"budget.limits[{i}]",
                    fix="pass Limit(usd=..., window=..., scope=...) objects",
                )
        object.__setattr__(self, "limits", items)
        self.zone()

    def zone(self) -> ZoneInfo:
        """The :class:`~zoneinfo.ZoneInfo` of ``tz``; raises ConfigError(field="budget.tz")."""
        try:
            if not isinstance(self.tz, str) or not self.tz:
                raise ValueError(self.tz)
            return ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"Unknown time zone {self.tz!r} for the budget windows.",
                field="budget.tz",
                fix="use an IANA name such as 'UTC', 'Europe/Paris' or 'America/New_York'",
            ) from None
