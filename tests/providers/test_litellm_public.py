"""costroute reaches litellm through its public face only, so any supported release works.

No private name (a ``litellm._x`` module or a ``_x`` attribute of litellm) is imported or read;
litellm's callbacks see costroute's calls like any other (nothing is muted); errors are told
apart from litellm's public exception classes, their ``status_code`` and their causes.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import subprocess
import sys
import threading
import types
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import costroute
from costroute import errors, providers
from costroute.catalog import known
from costroute.providers import _call, _loader, _params
from costroute.testing import DEEPSEEK_URL, deepseek_body, openai_sse, sse_response

MESSAGES = [{"role": "user", "content": "hi"}]
P = costroute.Prices(input=1, output=1)
PACKAGE = Path(__file__).resolve().parents[2] / "costroute"


class Recording(types.ModuleType):
    """The litellm module, recording every attribute costroute reads from it."""

    def __init__(self, real: types.ModuleType) -> None:
        super().__init__(real.__name__)
        self.__dict__["real"] = real
        self.__dict__["names"] = set()

    def __getattr__(self, name: str) -> Any:
        self.__dict__["names"].add(name)
        return getattr(self.__dict__["real"], name)


def test_every_litellm_attribute_costroute_reads_is_public(
    mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = Recording(providers.litellm())
    monkeypatch.setattr(_loader, "_module", recording)
    _params._rules.cache_clear()
    _call._takes_user.cache_clear()
    dep = known("deepseek-v4-flash", api_key="sk-x")
    route = mock.post(DEEPSEEK_URL)
    route.mock(return_value=httpx.Response(200, json=deepseek_body("ok")))
    providers.complete(dep, MESSAGES, {"user": "u1"}, timeout=10)
    route.mock(return_value=sse_response(openai_sse(["o", "k"])))
    assert list(providers.stream(dep, MESSAGES, {}, timeout=10))
    route.mock(return_value=httpx.Response(429, json={"error": {"message": "slow down"}}))
    with pytest.raises(errors.RateLimitError):
        providers.complete(dep, MESSAGES, {}, timeout=10)
    providers.param_rules(known("claude-opus-4-7"))
    providers.param_rules(known("gpt-5.4"))
    # a model the catalog does not pin: its facts come from litellm's map
    providers.param_rules(costroute.Deployment(name="own", model="openai/my-own-model", prices=P))
    assert providers.count_prompt_tokens(dep, MESSAGES) is not None
    _loader._after_fork_in_child()
    names = recording.__dict__["names"]
    assert {"completion", "get_supported_openai_params", "model_cost", "token_counter"} <= names
    assert sorted(n for n in names if n.startswith("_")) == []


def _litellm_imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "litellm"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "litellm":
            found += [f"{node.module}.{a.name}" for a in node.names]
    return found


def test_no_private_litellm_module_or_name_is_imported() -> None:
    imported: list[str] = []
    # CPython 3.11 keeps ast.parse's recursion count per interpreter: a finalizer that parses
    # (a traceback formatted with carets, e.g. an abandoned asyncio task's) run by a garbage
    # collection inside ast.parse makes it raise SystemError ("AST constructor recursion depth
    # mismatch"). Collect first, and keep the collector off while parsing.
    gc.collect()
    gc.disable()
    try:
        for path in sorted(PACKAGE.rglob("*.py")):
            imported += _litellm_imports(ast.parse(path.read_text(), str(path)))
    finally:
        gc.enable()
    assert "litellm" in imported  # the loader's import: the scan sees lazy imports
    private = [name for name in imported if any(p.startswith("_") for p in name.split("."))]
    assert private == []


def test_a_users_litellm_callback_sees_costroute_calls(
    mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing mutes litellm's logging for costroute's calls: a callback the host registered
    (Langfuse, OpenTelemetry, its own function) receives them."""
    lite = providers.litellm()
    seen: list[str] = []
    logged = threading.Event()

    def on_success(kwargs: Any, response: Any, start: Any, end: Any) -> None:
        seen.append(kwargs.get("model"))
        logged.set()

    monkeypatch.setattr(lite, "success_callback", [on_success])
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("ok")))
    providers.complete(known("deepseek-v4-flash", api_key="sk-x"), MESSAGES, {}, timeout=10)
    assert logged.wait(30)  # litellm runs success callbacks in its logging thread
    assert seen == ["deepseek-v4-flash"]


async def test_a_users_litellm_logger_sees_costroute_async_calls(
    mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The async path too: a CustomLogger the host registered (run by litellm's logging worker
    on the loop) receives the call; no per-call argument costroute passes mutes it."""
    from litellm.integrations.custom_logger import CustomLogger

    lite = providers.litellm()
    seen: list[str] = []
    logged = asyncio.Event()

    class HostLogger(CustomLogger):  # type: ignore[misc]
        async def async_log_success_event(
            self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any
        ) -> None:
            seen.append(kwargs.get("model"))
            logged.set()

    monkeypatch.setattr(lite, "callbacks", [HostLogger()])
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("ok")))
    dep = known("deepseek-v4-flash", api_key="sk-x")
    assert "no-log" not in _call.build_kwargs(dep, MESSAGES, {}, api_key="sk-x", timeout=10)
    await providers.acomplete(dep, MESSAGES, {}, timeout=10)
    await asyncio.wait_for(logged.wait(), 30)
    assert seen == ["deepseek-v4-flash"]


# -- errors built the public way ---------------------------------------------------------------

DEP = known("deepseek-v4-flash")


def _translate(exc: BaseException, *, streaming: bool = False) -> errors.CostrouteError:
    return providers.translate(exc, DEP, "sk-secret", streaming=streaming)


def _http_error(status: int) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", DEEPSEEK_URL)
    response = httpx.Response(status, request=request, json={"error": {"message": "x"}})
    return httpx.HTTPStatusError(f"{status}", request=request, response=response)


def test_the_class_follows_the_status_code_not_litellms_class_name() -> None:
    lite = providers.litellm()
    auth = lite.AuthenticationError(message="bad key sk-secret", llm_provider="deepseek", model="m")
    out = _translate(auth)
    assert isinstance(out, errors.AuthenticationError) and out.status_code == 401
    assert "sk-secret" not in str(out)
    # Some releases call a provider's 401 a BadRequestError; its status_code still says 401.
    misnamed = lite.BadRequestError(
        message="Authentication Fails", llm_provider="deepseek", model="m"
    )
    misnamed.status_code = 401
    assert isinstance(_translate(misnamed), errors.AuthenticationError)
    limited = lite.RateLimitError(
        message="slow down",
        llm_provider="deepseek",
        model="m",
        response=httpx.Response(
            429, headers={"retry-after": "3"}, request=httpx.Request("POST", DEEPSEEK_URL)
        ),
    )
    out = _translate(limited)
    assert isinstance(out, errors.RateLimitError) and out.retry_after == 3.0


def test_the_status_the_provider_sent_wins_over_litellms() -> None:
    lite = providers.litellm()
    try:
        try:
            raise _http_error(529)  # Anthropic's "overloaded"
        except httpx.HTTPStatusError as cause:
            raise lite.InternalServerError(
                message="Overloaded", llm_provider="anthropic", model="m"
            ) from cause
    except Exception as exc:
        out = _translate(exc)
    assert isinstance(out, errors.ProviderUnavailableError) and out.status_code == 529


def test_timeouts_windows_and_broken_streams_by_type() -> None:
    lite = providers.litellm()
    timeout = _translate(lite.Timeout(message="late", model="m", llm_provider="deepseek"))
    assert isinstance(timeout, errors.ProviderTimeout) and timeout.status_code == 408
    window = lite.ContextWindowExceededError(message="long", model="m", llm_provider="deepseek")
    assert isinstance(_translate(window), errors.ContextWindowExceeded)
    broken = lite.InternalServerError(message="cut", llm_provider="deepseek", model="m")
    out = _translate(broken, streaming=True)  # raised while reading an opened stream
    assert isinstance(out, errors.ProviderConnectionError) and out.status_code == 200
    assert isinstance(_translate(broken), errors.ProviderUnavailableError)


def test_a_reset_and_an_unreadable_200_by_their_causes() -> None:
    lite = providers.litellm()
    request = httpx.Request("POST", DEEPSEEK_URL)
    for cause, expected, status in (
        (httpx.ReadError("reset", request=request), errors.ProviderConnectionError, None),
        (ValueError("no json"), errors.ProviderUnavailableError, 500),
    ):
        try:
            try:
                raise cause
            except Exception as inner:
                raise lite.InternalServerError(
                    message="x", llm_provider="deepseek", model="m"
                ) from inner
        except Exception as exc:
            out = _translate(exc)
        assert type(out) is expected and out.status_code == status
    import json

    try:
        try:
            json.loads("<html>")
        except json.JSONDecodeError as inner:
            raise lite.APIConnectionError(
                message="x", llm_provider="deepseek", model="m"
            ) from inner
    except Exception as exc:
        out = _translate(exc)
    assert isinstance(out, errors.InvalidResponseError) and out.status_code == 200


def test_loading_litellm_leaves_its_settings_to_the_host() -> None:
    code = (
        "import litellm; before = litellm.suppress_debug_info\n"
        "from costroute.providers import litellm as load\n"
        "from costroute.cli._commands import quiet_litellm\n"
        "module = load()\n"
        "loaded = module.suppress_debug_info\n"
        "with quiet_litellm():\n"
        "    inside = module.suppress_debug_info\n"
        "print(before, loaded, inside, module.suppress_debug_info)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # costroute's loader changes nothing; the demo (an application) sets it while it runs
    assert out.stdout.split() == ["False", "False", "True", "False"]
