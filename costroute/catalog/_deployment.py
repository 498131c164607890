"""Deployment: one model served by one provider at one endpoint, with its prices and abilities."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from costroute.catalog._pinned import PINNED
from costroute.catalog._prices import Prices
from costroute.errors import ConfigError, MissingAPIKeyError

__all__ = ["Capabilities", "Deployment", "Prices"]

# Where each provider's key is looked up when the deployment names none.
DEFAULT_KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
}

# Latency priors (time to first token, output tokens per second) until the router has measured.
LATENCY_PRIORS: dict[str, tuple[float, float]] = {
    "deepseek/deepseek-v4-flash": (400.0, 120.0),
    "deepseek/deepseek-v4-pro": (2500.0, 60.0),
    "deepseek/deepseek-reasoner": (3000.0, 50.0),
    "deepseek/deepseek-chat": (500.0, 60.0),
    "deepseek/deepseek-r1": (3000.0, 50.0),
    "anthropic/claude-haiku-4-5": (500.0, 150.0),
    "anthropic/claude-sonnet-5-5": (900.0, 80.0),
    "anthropic/claude-opus-4-7": (1500.0, 50.0),
    "anthropic/claude-sonnet-4-5": (900.0, 80.0),
    "anthropic/claude-opus-4-5": (1500.0, 50.0),
    "openai/gpt-5.4": (1200.0, 80.0),
    "openai/gpt-5.4-mini": (600.0, 120.0),
    "openai/gpt-5": (1500.0, 70.0),
    "openai/gpt-5-mini": (800.0, 100.0),
    "openai/gpt-4o": (600.0, 90.0),
    "openai/gpt-4o-mini": (400.0, 120.0),
}

# Quality tier of the pinned models: 1 small and cheap, 2 strong reasoning at a low price,
# 3 premium. A policy may use it; a deployment may override it.
TIERS: dict[str, int] = {
    "deepseek/deepseek-v4-flash": 1,
    "deepseek/deepseek-chat": 1,
    "anthropic/claude-haiku-4-5": 1,
    "openai/gpt-5.4-mini": 1,
    "openai/gpt-5-mini": 1,
    "openai/gpt-4o-mini": 1,
    "deepseek/deepseek-v4-pro": 2,
    "deepseek/deepseek-reasoner": 2,
    "deepseek/deepseek-r1": 2,
    "openai/gpt-4o": 2,
    "anthropic/claude-sonnet-5-5": 3,
    "anthropic/claude-sonnet-4-5": 3,
    "anthropic/claude-opus-4-7": 3,
    "anthropic/claude-opus-4-5": 3,
    "openai/gpt-5.4": 3,
    "openai/gpt-5": 3,
}

# Successors the price map does not name (DeepSeek retired its two aliases for V4-Flash's modes).
SUCCESSORS: dict[str, str] = {
    "deepseek/deepseek-chat": "deepseek/deepseek-v4-flash",
    "deepseek/deepseek-reasoner": "deepseek/deepseek-v4-flash (thinking mode)",
}


class Capabilities(BaseModel):
    """What a deployment can do. Pinned from litellm's map; any field can be overridden."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tools: bool = False
    vision: bool = False
    json_schema: bool = False
    reasoning: bool = False
    context_window: int = Field(default=8192, gt=0)
    max_output: int = Field(default=4096, gt=0)


def _provider_of(model: str) -> str:
    prefix, sep, _ = model.partition("/")
    if sep and prefix in ("openai", "anthropic", "deepseek"):
        return prefix
    pinned = PINNED.get(model)
    if pinned:
        return str(pinned["provider"])
    return "other"


class Deployment(BaseModel):
    """One model at one endpoint, with its prices, capabilities and key.

    ``model`` is a litellm model id (``"deepseek/deepseek-v4-flash"``,
    ``"anthropic/claude-sonnet-5-5"``, ``"openai/gpt-5.4"``). Prices and capabilities of the
    models costroute pins come from litellm's bundled map; give ``prices=`` for any other model.
    The same model on two hosts is two deployments, each with its own prices.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name: str = Field(min_length=1)
    model: str = Field(min_length=1)
    provider: str = ""
    api_base: str | None = None
    api_key: SecretStr | None = None
    api_key_env: str | None = None
    prices: Prices
    capabilities: Capabilities = Capabilities()
    tier: int = Field(default=2, ge=1, le=3)
    params: dict[str, Any] = Field(default_factory=dict)
    ttft_ms: float = Field(default=1000.0, gt=0)
    tokens_per_s: float = Field(default=60.0, gt=0)
    deprecation_date: dt.date | None = None
    successor: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _fill_from_pinned(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("model"), str):
            return data
        data = dict(data)
        model = data["model"]
        pinned = PINNED.get(model)
        data.setdefault("provider", _provider_of(model))
        if pinned is not None:
            if data.get("prices") is None:
                data["prices"] = {
                    k: pinned[k]
                    for k in ("input", "output", "cache_read", "cache_write", "off_peak")
                }
            caps = {
                k: pinned[k]
                for k in ("tools", "vision", "json_schema", "reasoning")
                if pinned[k] is not None
            }
            for k in ("context_window", "max_output"):
                if pinned[k]:
                    caps[k] = pinned[k]
            given = data.get("capabilities")
            if isinstance(given, Capabilities):
                given = given.model_dump(exclude_unset=True)
            data["capabilities"] = {**caps, **(given or {})}
            data.setdefault("tier", TIERS.get(model, 2))
            data.setdefault("deprecation_date", pinned["deprecation_date"])
            data.setdefault("successor", pinned["successor"] or SUCCESSORS.get(model))
        if model in LATENCY_PRIORS:
            ttft, tps = LATENCY_PRIORS[model]
            data.setdefault("ttft_ms", ttft)
            data.setdefault("tokens_per_s", tps)
        if data.get("api_key") is None and data.get("api_key_env") is None:
            data["api_key_env"] = DEFAULT_KEY_ENV.get(str(data["provider"]))
        return data

    @field_validator("params")
    @classmethod
    def _no_reserved_params(cls, value: dict[str, Any]) -> dict[str, Any]:
        reserved = {"model", "messages", "api_key", "api_base", "stream"} & set(value)
        if reserved:
            raise ValueError(
                f"params may not set {sorted(reserved)}; use the Deployment fields instead"
            )
        return value

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _config_error(data, exc) from None

    # ---- behaviour -------------------------------------------------------------------------

    def has_key(self, environ: Mapping[str, str] | None = None) -> bool:
        """Whether :meth:`resolve_api_key` would find a key (cheap: no exception)."""
        if self.api_key is not None:
            return True
        env = os.environ if environ is None else environ
        return bool(self.api_key_env and env.get(self.api_key_env))

    def resolve_api_key(self, environ: Mapping[str, str] | None = None) -> str:
        """The key to send: the one given, else the environment variable; else a typed error."""
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        env = os.environ if environ is None else environ
        if self.api_key_env and env.get(self.api_key_env):
            return env[self.api_key_env]
        raise MissingAPIKeyError(self.name, self.api_key_env)

    def deprecation_notice(self, today: dt.date) -> str | None:
        """A warning text when ``today`` is past the model's deprecation date, else None."""
        if self.deprecation_date is None or today < self.deprecation_date:
            return None
        successor = f"; move to {self.successor}" if self.successor else ""
        return (
            f"Deployment {self.name!r} uses {self.model}, deprecated since "
            f"{self.deprecation_date.isoformat()}{successor}."
        )

    def __repr__(self) -> str:
        key = "[secure]" if self.api_key is not None else f"env:{self.api_key_env}"
        base = f" api_base={self.api_base!r}" if self.api_base else ""
        return (
            f"<Deployment {self.name!r} model={self.model!r}{base} key={key}"
            f" in=${self.prices.input}/M out=${self.prices.output}/M>"
        )

    __str__ = __repr__


def _config_error(data: dict[str, Any], exc: ValidationError) -> ConfigError:
    name = data.get("name", "?")
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "?"
    msg = first["msg"]
    shown = "[secure]" if "api_key" in loc else repr(first.get("input"))
    if loc == "prices" and first["type"] == "missing":
        return ConfigError(
            f"Deployment {name!r}: costroute has no pinned prices for model {data.get('model')!r}.",
            field=f"Deployment({name!r}).prices",
            fix="pass prices=costroute.Prices(input=..., output=...) in USD per 1M tokens",
        )
    return ConfigError(
        f"Deployment {name!r} is invalid: {msg} (got {shown}).",
        field=f"Deployment({name!r}).{loc}",
        fix="see docs/deployments.md for the fields and their ranges",
    )
