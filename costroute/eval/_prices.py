"""Model prices for offline evaluation: from a CSV, from the records' own costs, and the
deployments (one per model, named like it) a policy is evaluated over."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from costroute.catalog import Deployment, Prices
from costroute.errors import ConfigError
from costroute.policy import DEFAULT_OUTPUT_TOKENS
from costroute.train.data import Record

__all__ = [
    "OUTPUT_TOKENS",
    "deployments_for",
    "mean_cost_prices",
    "prices_for",
    "prices_from_csv",
]

OUTPUT_TOKENS = DEFAULT_OUTPUT_TOKENS
"""Output tokens assumed per answer when a record has no cost (the router's own assumption)."""


_PRICE_COLUMNS = (("price_in_usd_per_1M", "price_out_usd_per_1M"), ("input", "output"))
_PRICES_FIX = (
    "pass a CSV with a header row: model,price_in_usd_per_1M,price_out_usd_per_1M "
    "(or model,input,output), USD per 1M tokens"
)


def _price(shown: str, line: int, model: str, column: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        raise ConfigError(
            f"Prices {shown}:{line}: {column} of {model!r} is {raw!r}, not a price.",
            field="prices",
            fix="give a non-negative number of USD per 1M tokens",
        )
    return value


def prices_from_csv(path: str | Path) -> dict[str, Prices]:
    """Per-model prices from a CSV with ``model`` and input/output USD per 1M tokens columns
    (``price_in_usd_per_1M``/``price_out_usd_per_1M`` as in ZeroEval's models.csv, or
    ``input``/``output``). Rows with an empty price are skipped.

    Raises :class:`~costroute.errors.ConfigError` when the file cannot be read, lacks those
    columns, holds a price that is not a non-negative number, or prices no model.
    """
    p = Path(path)
    shown = str(p)
    out: dict[str, Prices] = {}
    try:
        with p.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            columns = list(reader.fieldnames or [])
            pairs = [(i, o) for i, o in _PRICE_COLUMNS if i in columns and o in columns]
            if "model" not in columns or not pairs:
                raise ConfigError(
                    f"Prices {shown!r} has columns {', '.join(columns) or '(none)'}: it needs "
                    "model and price_in_usd_per_1M/price_out_usd_per_1M (or input/output).",
                    field="prices",
                    fix=_PRICES_FIX,
                )
            for row in reader:
                model = (row.get("model") or "").strip()
                i_col, o_col = next(
                    ((i, o) for i, o in pairs if (row.get(i) or "").strip()), pairs[0]
                )
                i, o = (row.get(i_col) or "").strip(), (row.get(o_col) or "").strip()
                if model and i and o:
                    line = reader.line_num
                    out[model] = Prices(
                        input=_price(shown, line, model, i_col, i),
                        output=_price(shown, line, model, o_col, o),
                    )
    except OSError as exc:
        raise ConfigError(
            f"Cannot read prices {shown!r}: {str(exc.strerror or exc).rstrip('.')}.",
            field="prices",
            fix=_PRICES_FIX,
        ) from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(
            f"Prices {shown!r} is not a UTF-8 CSV ({str(exc).rstrip('.')}).",
            field="prices",
            fix=_PRICES_FIX,
        ) from exc
    if not out:
        raise ConfigError(f"Prices {shown!r} prices no model.", field="prices", fix=_PRICES_FIX)
    return out


def prices_for(
    models: Sequence[str], prices: Mapping[str, Prices], source: str = "the prices"
) -> dict[str, Prices]:
    """``prices`` restricted to ``models``; ConfigError naming every model without a price."""
    missing = [m for m in models if m not in prices]
    if missing:
        names = ", ".join(repr(m) for m in missing[:10])
        more = f" (+{len(missing) - 10} more)" if len(missing) > 10 else ""
        raise ConfigError(
            f"{source} has no price for {len(missing)} of the {len(models)} models: {names}{more}.",
            field="prices",
            fix="add a row per model to the prices CSV, or evaluate priced models only "
            "(--models a,b,c)",
        )
    return {m: prices[m] for m in models}


def mean_cost_prices(records: Sequence[Record], models: Sequence[str]) -> dict[str, Prices]:
    """A flat price per model from its mean recorded cost (fills records without a cost)."""
    unpriced = [m for m in models if not any(m in r.costs for r in records)]
    if unpriced:
        raise ConfigError(
            f"No record has a cost for {', '.join(map(repr, unpriced))} and no prices were "
            "given, so its cost is unknown.",
            field="prices",
            fix="pass prices (the CLI's --prices CSV: model, input and output USD per 1M "
            'tokens) or give the records "costs"',
        )
    out = {}
    for m in models:
        costs = [r.costs[m] for r in records if m in r.costs]
        mean = sum(costs) / len(costs)
        out[m] = Prices(input=Decimal(0), output=Decimal(str(round(mean * 1e6 / OUTPUT_TOKENS, 6))))
    return out


def deployments_for(models: Sequence[str], prices: Mapping[str, Prices]) -> list[Deployment]:
    """A deployment per model, named like it, at ``prices``, tiered by price (the cheapest third
    tier 1, the priciest third tier 3)."""
    ranked = sorted(models, key=lambda m: prices[m].output + prices[m].input)
    auto = {m: 1 + (3 * i) // max(1, len(ranked)) for i, m in enumerate(ranked)}
    return [
        Deployment(
            name=m,
            model=f"other/{m}",
            prices=prices[m],
            tier=auto[m],
            api_key="-",
            capabilities={"context_window": 1_000_000, "max_output": 32_768},
        )
        for m in models
    ]
