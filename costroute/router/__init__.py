"""The router: wires catalog, policy, executor, pricing and ledger into one chat client."""

from __future__ import annotations

from costroute.router._base import ModelDeprecationWarning, RouterBase
from costroute.router._options import ClientOptions, RouterOptions
from costroute.router._router import Router

__all__ = ["ClientOptions", "ModelDeprecationWarning", "Router", "RouterBase", "RouterOptions"]
