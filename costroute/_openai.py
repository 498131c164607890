"""``costroute.OpenAI`` / ``costroute.AsyncOpenAI``: the openai SDK's clients over a Router.

They are ``openai.OpenAI`` / ``openai.AsyncOpenAI`` subclasses whose HTTP layer is costroute (an
httpx transport, :mod:`costroute._transport`, that answers through the router). So the types,
exceptions, streams, ``with_raw_response``, ``with_streaming_response``, ``parse()``,
``with_options``, ``close()`` and the context managers are the SDK's own::

    # client = openai.OpenAI()
    client = costroute.OpenAI()
    resp = client.chat.completions.create(model="auto", messages=[...])

Constructor arguments and what they mean here:

- ``router``: the Router to answer with; without it the client builds one from
  ``**router_kwargs``: every ``Router`` argument but ``timeout`` (typed by
  :class:`~costroute.router.ClientOptions`).
- ``api_key``, ``base_url``, ``organization``, ``project``: applied to the router's
  OpenAI-provider deployments (their key, ``api_base``, and the ``OpenAI-Organization`` /
  ``OpenAI-Project`` headers) when the client builds its router; a ConfigError with a ready
  ``router=``, or when the router has no OpenAI deployment. They never reach the SDK: its own
  key and base URL are fixed placeholders (``https://costroute.invalid/v1``), sent only to the
  in-process transport, never to the network.
- ``timeout``: the deadline of each call, retries and fallbacks included (the router's
  per-call ``timeout=``); the SDK's read timeout is used. Default: the router's timeout.
- ``max_retries``: retries per deployment before falling back, ``RetryConfig(attempts=
  max_retries + 1)`` of the router the client builds (a ConfigError with ``router=`` or
  ``retry=``). The SDK's own retries are always off: retrying a routed call would re-route it.
  ``with_options(max_retries=N)`` for N > 0 is refused: retries belong to the router.
- ``default_headers``: headers of the SDK's requests to the transport (not sent to providers).
- ``http_client``: only the client's own (``copy()``, ``with_options``); any other is refused.

costroute's own: ``client.router``, and ``client.feedback(response, score, ...)`` (``await``
it on AsyncOpenAI): :meth:`costroute.Router.feedback` by the response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack, cast

import httpx
import openai
import pydantic
from openai import NOT_GIVEN, NotGiven

from costroute import _info, _wire
from costroute._openai_router import BASE_URL, SDK_KEY, build_router, copied_router
from costroute._transport import AsyncCostrouteTransport, CostrouteTransport
from costroute.errors import ConfigError
from costroute.router import ClientOptions, Router

__all__ = ["BASE_URL", "AsyncOpenAI", "OpenAI"]


# Arguments of the SDK's constructor that copy() passes back: handed to it unchanged.
_SDK_ARGS = frozenset(
    {
        "admin_api_key",
        "webhook_secret",
        "websocket_base_url",
        "default_query",
        "_enforce_credentials",
    }
)
# Arguments that would send requests elsewhere than the router.
_ELSEWHERE = frozenset({"workload_identity", "provider", "data_residency"})


class _FacadeHTTP(httpx.Client):
    """The facade's httpx client: its transport is the router's."""

    costroute_transport: CostrouteTransport


class _AsyncFacadeHTTP(httpx.AsyncClient):
    costroute_transport: AsyncCostrouteTransport  # the async twin


def _split(kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(SDK arguments, arguments that would route elsewhere, Router arguments)."""
    sdk = {k: v for k, v in kwargs.items() if k in _SDK_ARGS}
    elsewhere = {k: v for k, v in kwargs.items() if k in _ELSEWHERE}
    if any(v is not None for v in elsewhere.values()):
        names = ", ".join(k for k, v in elsewhere.items() if v is not None)
        raise ConfigError(
            f"costroute.OpenAI takes no {names}: its requests are answered by the router.",
            field=names,
            fix="configure the router's deployments instead",
        )
    return sdk, elsewhere, {k: v for k, v in kwargs.items() if k not in sdk and k not in elsewhere}


def _wire_up(
    client: OpenAI | AsyncOpenAI,
    http_client: Any,
    router: Router | None,
    timeout: Any,
    max_retries: int | NotGiven,
    default_headers: Mapping[str, str] | None,
    settings: dict[str, Any],
    router_kwargs: Mapping[str, Any],
) -> None:
    """Initialise ``client`` (the SDK's constructor, then ``client.router``) over the router,
    transport and HTTP client that ``http_client`` carries (``copy()``, ``with_options()``),
    else new ones over ``router`` or one built from the arguments."""
    sync = isinstance(client, OpenAI)
    name = "OpenAI" if sync else "AsyncOpenAI"
    sdk, _, options = _split(router_kwargs)
    transport = getattr(http_client, "costroute_transport", None)
    if transport is not None:  # copy() / with_options(): the same router
        rest = {**options}
        for key in ("organization", "project"):
            if settings[key] != getattr(transport, key):
                rest[key] = settings[key]
        routed = copied_router(
            transport, router, settings["api_key"], settings["base_url"], max_retries, rest
        )
    elif http_client is not None:
        raise ConfigError(
            f"costroute.{name} takes no http_client: its HTTP layer is the router.",
            field="http_client",
            fix="configure provider HTTP on the router's deployments (api_base, params)",
        )
    else:
        base_url = settings["base_url"]
        settings = {**settings, "base_url": None if base_url is None else str(base_url)}
        routed = build_router(router, max_retries, settings, options)
        if sync:
            transport = CostrouteTransport(routed)
            http_client = _FacadeHTTP(transport=transport)
        else:
            transport = AsyncCostrouteTransport(routed)
            http_client = _AsyncFacadeHTTP(transport=transport)
        http_client.costroute_transport = transport
    sdk_init: Any = super(OpenAI, client) if sync else super(AsyncOpenAI, client)
    sdk_init.__init__(
        api_key=SDK_KEY,
        base_url=BASE_URL,
        organization=settings["organization"],
        project=settings["project"],
        timeout=routed.timeout if isinstance(timeout, NotGiven) else timeout,
        max_retries=0,
        default_headers=default_headers,
        http_client=http_client,
        **sdk,
    )
    transport.organization = client.organization
    transport.project = client.project
    client.router = routed


class OpenAI(openai.OpenAI):
    """``openai.OpenAI`` answered by a :class:`~costroute.Router` (see the module docstring)."""

    router: Router

    def __init__(
        self,
        router: Router | None = None,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        **router_kwargs: Unpack[ClientOptions],
    ) -> None:
        _wire_up(
            self, http_client, router, timeout, max_retries, default_headers,
            {"api_key": api_key, "base_url": base_url, "organization": organization,
             "project": project},
            router_kwargs,
        )  # fmt: skip

    def feedback(
        self,
        response: Any,
        score: float,
        *,
        source: str = "user",
        note: str | None = None,
        deployment: str | None = None,
    ) -> None:
        """Record how a call turned out, ``score`` from 0 (bad) to 1 (good): ``response`` is
        the ChatCompletion, its ``id``, or its request id (``x-costroute-request-id``). See
        :meth:`costroute.Router.feedback`."""
        rid = _info.feedback_id(response)
        self.router.feedback(rid, score, source=source, note=note, deployment=deployment)

    def _process_response(self, **kwargs: Any) -> Any:
        return _with_info(super()._process_response(**kwargs), kwargs.get("response"))

    def _make_status_error(
        self, err_msg: str, *, body: object, response: Any
    ) -> openai.APIStatusError:
        return _raised(response) or super()._make_status_error(
            err_msg, body=body, response=response
        )

    def __repr__(self) -> str:
        return f"<costroute.OpenAI {self.router!r}>"


class AsyncOpenAI(openai.AsyncOpenAI):
    """Async twin of :class:`OpenAI`: ``await client.chat.completions.create(...)``."""

    router: Router

    def __init__(
        self,
        router: Router | None = None,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        **router_kwargs: Unpack[ClientOptions],
    ) -> None:
        _wire_up(
            self, http_client, router, timeout, max_retries, default_headers,
            {"api_key": api_key, "base_url": base_url, "organization": organization,
             "project": project},
            router_kwargs,
        )  # fmt: skip

    async def feedback(
        self,
        response: Any,
        score: float,
        *,
        source: str = "user",
        note: str | None = None,
        deployment: str | None = None,
    ) -> None:
        """Async twin of :meth:`OpenAI.feedback`."""
        rid = _info.feedback_id(response)
        await self.router.afeedback(rid, score, source=source, note=note, deployment=deployment)

    async def _process_response(self, **kwargs: Any) -> Any:
        return _with_info(await super()._process_response(**kwargs), kwargs.get("response"))

    def _make_status_error(
        self, err_msg: str, *, body: object, response: Any
    ) -> openai.APIStatusError:
        return _raised(response) or super()._make_status_error(
            err_msg, body=body, response=response
        )

    def __repr__(self) -> str:
        return f"<costroute.AsyncOpenAI {self.router!r}>"


def _with_info(result: Any, response: Any) -> Any:
    """``resp.costroute`` on a parsed answer, as on the router's (never a serialised field)."""
    call = getattr(response, "extensions", {}).get("costroute")
    if call is not None and isinstance(result, pydantic.BaseModel):
        object.__setattr__(result, "costroute", call)
    return result


def _raised(response: Any) -> openai.APIStatusError | None:
    """The costroute error an error response stands for, when it is an openai error too
    (provider errors, AllDeploymentsFailed): the client raises it, with ``.attempts``,
    ``.deployment`` and the rest; other errors (a bad argument, a budget refusal) come out as
    the SDK's own class for their status."""
    error = getattr(response, "extensions", {}).get(_wire.ERROR_KEY)
    if isinstance(error, openai.OpenAIError):
        return cast(openai.APIStatusError, error)
    return None
