"""The provider layer: the only part of costroute that imports litellm (lazily).

It calls one deployment once, translates litellm's errors into costroute's, answers in the
openai SDK's types and normalises the usage block. Retries, fallbacks and accounting are the
executor's business.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costroute._lazy import lazy_names
from costroute.providers._call import (
    acomplete,
    astream,
    build_kwargs,
    complete,
    stream,
    wants_usage,
)
from costroute.providers._convert import chunk_from, completion_from
from costroute.providers._loader import litellm, loaded
from costroute.providers._usage import usage_from

if TYPE_CHECKING:
    from costroute.providers._errors import retry_after_seconds, translate
    from costroute.providers._params import param_rules
    from costroute.providers._rebuild import chunks_from_entry, response_from_entry
    from costroute.providers._tokens import EXACT_PROVIDERS, count_prompt_tokens

__all__ = [
    "EXACT_PROVIDERS",
    "acomplete",
    "astream",
    "build_kwargs",
    "chunk_from",
    "chunks_from_entry",
    "complete",
    "completion_from",
    "count_prompt_tokens",
    "litellm",
    "loaded",
    "param_rules",
    "response_from_entry",
    "retry_after_seconds",
    "stream",
    "translate",
    "usage_from",
    "wants_usage",
]

# Loaded on first use: error translation (a failed call), cache-hit rebuilding, exact prompt
# token counts (a budget) and litellm's parameter rules (a request that sets a checked one).
__getattr__ = lazy_names(
    __name__,
    {
        "EXACT_PROVIDERS": "costroute.providers._tokens",
        "chunks_from_entry": "costroute.providers._rebuild",
        "count_prompt_tokens": "costroute.providers._tokens",
        "param_rules": "costroute.providers._params",
        "response_from_entry": "costroute.providers._rebuild",
        "retry_after_seconds": "costroute.providers._errors",
        "translate": "costroute.providers._errors",
    },
)
