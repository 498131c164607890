"""The router behind ``costroute.OpenAI`` / ``AsyncOpenAI``: built from the client's settings
(``api_key``, ``base_url``, ``organization``, ``project``, ``max_retries`` applied to the
router's OpenAI deployments), or the client's own router again for ``copy()`` /
``with_options()`` with the settings that changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from openai import NotGiven
from pydantic import SecretStr

from costroute.catalog import Deployment, default_deployments
from costroute.errors import ConfigError
from costroute.executor import RetryConfig
from costroute.router import Router

__all__ = ["BASE_URL", "SDK_KEY", "build_router", "copied_router", "openai_deployments"]

BASE_URL = "https://costroute.invalid/v1"
"""The SDK's base URL: ``.invalid`` never resolves, and the transport never sends anything."""
SDK_KEY = "costroute-transport"  # the SDK's api_key: sent to the in-process transport only


def openai_deployments(
    deployments: Any,
    *,
    api_key: str | None,
    base_url: str | None,
    organization: str | None,
    project: str | None,
) -> list[Deployment]:
    """The deployments with the OpenAI settings applied to the OpenAI-provider ones."""
    deps = list(default_deployments() if deployments is None else deployments)
    targets = [d for d in deps if isinstance(d, Deployment) and d.provider == "openai"]
    if not targets:
        raise ConfigError(
            "api_key/base_url/organization/project apply to OpenAI deployments, and the router "
            "has none.",
            field="OpenAI(api_key=...)",
            fix="add an OpenAI Deployment, or set the key on your deployments",
        )
    out: list[Deployment] = []
    for dep in deps:
        if dep not in targets:
            out.append(dep)
            continue
        update: dict[str, Any] = {}
        if api_key is not None:
            update["api_key"] = SecretStr(api_key)
        if base_url is not None:
            update["api_base"] = str(base_url).rstrip("/")
        params = dict(dep.params)
        headers = dict(params.get("extra_headers") or {})
        if organization is not None:
            headers["OpenAI-Organization"] = organization
        if project is not None:
            headers["OpenAI-Project"] = project
        if headers:
            params["extra_headers"] = headers
            update["params"] = params
        out.append(dep.model_copy(update=update))
    return out


def build_router(
    router: Router | None,
    max_retries: int | NotGiven,
    openai_settings: dict[str, Any],
    router_kwargs: dict[str, Any],
) -> Router:
    given = sorted(k for k, v in openai_settings.items() if v is not None)
    if not isinstance(max_retries, NotGiven):
        given.append("max_retries")
    if router is not None:
        if given or router_kwargs:
            names = ", ".join([*given, *sorted(router_kwargs)])
            raise ConfigError(
                f"costroute.OpenAI(router=...) takes no {names}: the router is built already.",
                field=names,
                fix="configure the router (its deployments, retry=RetryConfig(...)), "
                "or drop router= and let the client build one",
            )
        return router
    if not isinstance(max_retries, NotGiven):
        if "retry" in router_kwargs:
            raise ConfigError(
                "max_retries= and retry= both set the retries.",
                field="max_retries",
                fix="give one of them",
            )
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigError(
                f"max_retries={max_retries!r} is invalid.",
                field="max_retries",
                fix="use 0 or more",
            )
        router_kwargs["retry"] = RetryConfig(attempts=max_retries + 1)
    if any(v is not None for v in openai_settings.values()):
        router_kwargs["deployments"] = openai_deployments(
            router_kwargs.get("deployments"), **openai_settings
        )
    return Router(**router_kwargs)


def copied_router(
    transport: Any,
    router: Router | None,
    api_key: Any,
    base_url: Any,
    max_retries: int | NotGiven,
    rest: Mapping[str, Any],
) -> Router:
    """The router of a ``copy()`` / ``with_options()`` of a facade client: the same one.

    Settings that would re-key or re-route it are refused rather than ignored."""
    changed = [name for name, value in rest.items() if value is not None]
    if router is not None and router is not transport.router:
        changed.append("router")
    if api_key is not None and api_key != SDK_KEY:
        changed.append("api_key")
    if base_url is not None and str(base_url).rstrip("/") != BASE_URL:
        changed.append("base_url")
    if isinstance(max_retries, int) and max_retries != 0:
        changed.append("max_retries")
    if changed:
        raise ConfigError(
            f"with_options()/copy() cannot change {', '.join(changed)} of a costroute client.",
            field=", ".join(changed),
            fix="build another costroute.OpenAI(...) for other keys, endpoints or retries",
        )
    return cast(Router, transport.router)
