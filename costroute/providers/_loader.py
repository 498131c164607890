"""Lazy import of litellm: the one door through which costroute reaches it.

``import costroute`` never imports litellm (about 4-6 s and 190 MB). The first call that needs
a provider imports it once, as the host's environment has it: costroute writes no environment
variable (litellm downloads its price map at import unless the host set
``LITELLM_LOCAL_MODEL_COST_MAP``; the ``costroute`` command and the tests set it for themselves).
Nothing of the host's is changed, ``suppress_debug_info`` included: async calls keep
litellm's own transport (aiohttp, its fast path; the tests alone set
``DISABLE_AIOHTTP_TRANSPORT`` so respx sees them), and settings such as ``drop_params`` go with
each call (:func:`costroute.providers.build_kwargs`), never into litellm's module globals.

Fork: litellm keeps its HTTP clients (and their keep-alive connections) in a cache. A child of
``os.fork()`` (gunicorn ``--preload``, celery prefork) would send on its parent's sockets, where
writes from several processes interleave and one process can read another's answer; so in the
child that cache is emptied and the child opens connections of its own. litellm has no public
call for this: costroute uses ``litellm.in_memory_llm_clients_cache.flush_cache()`` when the
running litellm has it, and does nothing (never raises) when it has not (docs/api.md, "litellm
internals costroute touches").
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
from types import ModuleType

__all__ = ["litellm", "loaded", "loaded_module"]

# What litellm 1.110 imports lazily inside its first completion call (about 0.4-0.7 s here):
# loaded with litellm itself, so that the first call neither records that time as its latency
# nor, in async code, runs it on the event loop. Best effort: a litellm without one of these
# loads it in its first call, as it would have anyway.
_LAZY_MODULES = ("litellm.proxy.openai_files_endpoints.common_utils",)
_LAZY_ATTRIBUTES = ("encoding",)  # the default tokenizer (tiktoken), read on first completion

_lock = threading.Lock()
_module: ModuleType | None = None


def litellm() -> ModuleType:
    """The litellm module, imported on first use (thread-safe; none of its settings changed)."""
    global _module
    if _module is not None:
        return _module
    with _lock:
        if _module is None:
            import litellm as module

            _warm(module)
            _module = module
    return _module


def _warm(module: ModuleType) -> None:
    for name in _LAZY_MODULES:  # another litellm: it imports what it needs on first use
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    for attribute in _LAZY_ATTRIBUTES:
        with contextlib.suppress(Exception):
            getattr(module, attribute)


def loaded() -> bool:
    """Whether litellm is imported already (then :func:`litellm` returns at once)."""
    return _module is not None


def loaded_module() -> ModuleType | None:
    """The litellm module when costroute has imported it, else None (never imports it)."""
    return _module


def _after_fork_in_child() -> None:
    """Drop the HTTP clients inherited from the parent (see the module's docstring)."""
    if _module is None:
        return
    cache = getattr(_module, "in_memory_llm_clients_cache", None)
    flush = getattr(cache, "flush_cache", None)
    if callable(flush):
        with contextlib.suppress(Exception):  # never break the child over a cache
            flush()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
