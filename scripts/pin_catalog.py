"""Regenerate costroute/catalog/pinned.json from litellm's bundled price map (offline).

    python scripts/pin_catalog.py > costroute/catalog/pinned.json

The catalog reads the pinned file (through costroute/catalog/_pinned.py), never litellm, so
`import costroute` stays light and prices do not move under a running app.
tests/catalog/test_catalog.py checks the file against the installed litellm's map.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
from decimal import Decimal

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")

import litellm

# litellm model id we send -> key in litellm.model_cost
MODELS = {
    "deepseek/deepseek-v4-flash": "deepseek/deepseek-v4-flash",
    "deepseek/deepseek-v4-pro": "deepseek/deepseek-v4-pro",
    "deepseek/deepseek-reasoner": "deepseek/deepseek-reasoner",
    "deepseek/deepseek-chat": "deepseek/deepseek-chat",
    "deepseek/deepseek-r1": "deepseek/deepseek-r1",
    "anthropic/claude-sonnet-5-5": "claude-sonnet-5-5",
    "anthropic/claude-haiku-4-5": "claude-haiku-4-5",
    "anthropic/claude-opus-4-7": "claude-opus-4-7",
    "anthropic/claude-sonnet-4-5": "claude-sonnet-4-5",
    "anthropic/claude-opus-4-5": "claude-opus-4-5",
    "openai/gpt-5.4": "gpt-5.4",
    "openai/gpt-5.4-mini": "gpt-5.4-mini",
    "openai/gpt-5": "gpt-5",
    "openai/gpt-5-mini": "gpt-5-mini",
    "openai/gpt-4o": "gpt-4o",
    "openai/gpt-4o-mini": "gpt-4o-mini",
}

# The map's fields that costroute's parameter rules read.
PARAM_FACTS = (
    "supports_reasoning",
    "supports_sampling_params",
    "supports_none_reasoning_effort",
    "default_reasoning_effort",
)


def per_million(value: object) -> str | None:
    if value is None:
        return None
    return format((Decimal(repr(float(value))) * 1_000_000).normalize(), "f")


def off_peak(raw: dict[str, object] | None) -> dict[str, object] | None:
    """Off-peak prices (per 1M tokens) and their UTC windows, as litellm's map gives them."""
    if not raw:
        return None
    windows = []
    for window in raw["windows"]:  # type: ignore[attr-defined]
        hours = window["hours_utc"]
        windows.append(
            {
                "weekdays": list(window["weekdays"]),
                "hours_utc": [hours] if isinstance(hours, str) else list(hours),
            }
        )
    return {
        "input": per_million(raw.get("input_cost_per_token")),
        "output": per_million(raw.get("output_cost_per_token")),
        "cache_read": per_million(raw.get("cache_read_input_token_cost")),
        "windows": windows,
    }


def main() -> None:
    models = {}
    for model, key in MODELS.items():
        info = litellm.model_cost[key]
        models[model] = {
            "map_key": key,
            "provider": info["litellm_provider"],
            "input": per_million(info.get("input_cost_per_token")),
            "output": per_million(info.get("output_cost_per_token")),
            "cache_read": per_million(info.get("cache_read_input_token_cost")),
            "cache_write": per_million(info.get("cache_creation_input_token_cost")),
            "context_window": info.get("max_input_tokens"),
            "max_output": info.get("max_output_tokens"),
            "tools": bool(info.get("supports_function_calling")),
            "vision": bool(info.get("supports_vision")),
            "json_schema": bool(info.get("supports_response_schema")),
            "reasoning": bool(info.get("supports_reasoning")),
            "deprecation_date": info.get("deprecation_date"),
            "successor": info.get("successor_model"),
            "off_peak": off_peak(info.get("off_peak_pricing")),
            # What costroute's parameter rules read (costroute/providers/_params.py), as the map
            # says it: pinned so that they hold whatever map the installed litellm bundles.
            "param_facts": {name: info.get(name) for name in PARAM_FACTS},
        }
    pinned = {"litellm": importlib.metadata.version("litellm"), "models": models}
    print(json.dumps(pinned, indent=2))


if __name__ == "__main__":
    main()
