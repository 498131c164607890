"""Environment defaults that only last while a third-party package loads.

Some packages read a variable once, while they are imported or load a model: litellm its price
map source (``LITELLM_LOCAL_MODEL_COST_MAP``, else a download at import) and offline mode;
sentence-transformers' hub client ``HF_HUB_OFFLINE``. costroute is a guest in the user's process
(DESIGN.md), so it sets such a variable only when the user has not, and only for that load:
afterwards the process environment is as the user left it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

__all__ = ["LITELLM_OFFLINE", "env_defaults"]

LITELLM_OFFLINE = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}
"""litellm's bundled price map instead of a download at its import, and no fetches of its own."""


@contextmanager
def env_defaults(defaults: Mapping[str, str]) -> Iterator[None]:
    """Within the block, each variable of ``defaults`` the environment lacks is set; on exit
    the ones set here are removed again (a variable the user set is never touched)."""
    added = [key for key in defaults if key not in os.environ]
    for key in added:
        os.environ[key] = defaults[key]
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)
