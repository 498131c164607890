"""The ``costroute`` executable's environment default (:func:`costroute.cli.script`).

litellm reads two variables once, at its import: its price map source
(``LITELLM_LOCAL_MODEL_COST_MAP``, else a download at import) and offline mode. No per-call
argument replaces them. The ``costroute`` executable owns its process, so when the user has not
set them it starts that process again with them in its initial environment (DESIGN.md: the one
environment default allowed); an interpreter without ``sys.executable`` (embedded) runs the
command as it is. No costroute code writes ``os.environ``, ``costroute.cli.main()`` included:
costroute is a guest in the user's process, and a host decides for litellm itself.
"""

from __future__ import annotations

__all__ = ["LITELLM_OFFLINE"]

LITELLM_OFFLINE = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}
"""litellm's bundled price map instead of a download at its import, and no fetches of its own."""
