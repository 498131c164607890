"""The ``costroute`` executable's environment default (:func:`costroute.cli.script`).

litellm reads two variables once, at its import: its price map source
(``LITELLM_LOCAL_MODEL_COST_MAP``, else a download at import) and offline mode. No per-call
argument replaces them. The ``costroute`` executable owns its process, so it sets them there,
before anything imports litellm, when the user has not (DESIGN.md: the one environment default
allowed). The library, ``costroute.cli.main()`` included, never writes the environment:
costroute is a guest in the user's process, and a host decides for litellm itself.
"""

from __future__ import annotations

__all__ = ["LITELLM_OFFLINE"]

LITELLM_OFFLINE = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}
"""litellm's bundled price map instead of a download at its import, and no fetches of its own."""
