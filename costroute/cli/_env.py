"""The command line's environment defaults, for the length of a command.

litellm reads two variables once, at its import: its price map source
(``LITELLM_LOCAL_MODEL_COST_MAP``, else a download at import) and offline mode. The ``costroute``
command is an application, so it keeps litellm offline while a command runs, when the user has
not set them, and removes them afterwards. The library never writes the environment: costroute
is a guest in the user's process (DESIGN.md), and a host that imports costroute decides for
litellm itself.
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
