"""Error bodies in each provider's real format.

* OpenAI: ``{"error": {"message", "type", "param", "code"}}``
* DeepSeek: the same envelope, with DeepSeek's own messages and types.
* Anthropic: ``{"type": "error", "error": {"type", "message"}, "request_id"}``;
  529 is ``overloaded_error``.

A 400 is the context-length error of each provider, because that is the 400 a router
must recognise (litellm maps it to ``ContextWindowExceededError``).
"""

from __future__ import annotations

from typing import Any

from ._profiles import Provider

__all__ = ["context_message", "error_body"]

_OPENAI: dict[int, tuple[str, str | None, str]] = {
    401: ("invalid_request_error", "invalid_api_key",
          "Incorrect API key provided: sk-***. You can find your API key at "
          "https://platform.openai.com/account/api-keys."),
    403: ("invalid_request_error", "unsupported_country_region_territory",
          "Country, region, or territory not supported."),
    404: ("invalid_request_error", "model_not_found",
          "The model `{model}` does not exist or you do not have access to it."),
    429: ("requests", "rate_limit_exceeded",
          "Rate limit reached for {model} in organization org-sim on requests per min (RPM): "
          "Limit 500, Used 500, Requested 1. Please try again in 1s."),
    500: ("server_error", None,
          "The server had an error while processing your request. Sorry about that!"),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}  # fmt: skip

_DEEPSEEK: dict[int, tuple[str, str | None, str]] = {
    401: ("authentication_error", "invalid_request_error",
          "Authentication Fails, Your api key: ****-sim is invalid"),
    402: ("unknown_error", "invalid_request_error", "Insufficient Balance"),
    404: ("invalid_request_error", "invalid_request_error", "Model Not Exist"),
    422: ("invalid_request_error", "invalid_request_error", "Invalid Parameters"),
    429: ("rate_limit_error", "rate_limit_error", "Rate Limit Reached"),
    500: ("server_error", "server_error", "Server Error"),
    503: ("server_error", "server_error", "Server Overloaded"),
}  # fmt: skip

_ANTHROPIC: dict[int, tuple[str, str]] = {
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "model: {model}"),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error",
          "This request would exceed the rate limit for your organization of 50 requests per minute. "
          "For details, refer to: https://docs.claude.com/en/api/rate-limits."),
    500: ("api_error", "Internal server error"),
    503: ("api_error", "Service unavailable"),
    529: ("overloaded_error", "Overloaded"),
}  # fmt: skip


def context_message(provider: Provider, window: int, prompt: int, output: int) -> str:
    """The provider's context-length error message for these token counts."""
    if provider == "anthropic" and prompt > window:
        return f"prompt is too long: {prompt} tokens > {window} maximum"
    if provider == "anthropic":
        return (
            f"input length and `max_tokens` exceed context limit: {prompt} + {output} > "
            f"{window}, decrease input length or `max_tokens` and try again"
        )
    return (
        f"This model's maximum context length is {window} tokens. However, you requested "
        f"{prompt + output} tokens ({prompt} in the messages, {output} in the completion). "
        "Please reduce the length of the messages or completion."
    )


def error_body(
    provider: Provider, status: int, model: str, message: str | None = None, request_id: str = ""
) -> dict[str, Any]:
    """The body ``provider`` answers with on HTTP ``status`` (``message`` overrides the text)."""
    if status == 400 and message is None:
        message = context_message(provider, 128_000, 130_000, 1_000)  # a canned overflow
    if provider == "anthropic":
        kind, text = _ANTHROPIC.get(status, _anthropic_default(status))
        detail = {"type": kind, "message": message or text.format(model=model)}
        return {"type": "error", "error": detail, "request_id": request_id}
    table = _DEEPSEEK if provider == "deepseek" else _OPENAI
    kind, code, text = table.get(status, _openai_default(status))
    if status == 400:
        kind = "invalid_request_error"
        code = "invalid_request_error" if provider == "deepseek" else "context_length_exceeded"
    param = "messages" if status == 400 and provider == "openai" else None
    error: dict[str, str | None] = {
        "message": message or text.format(model=model),
        "type": kind,
        "param": param,
        "code": code,
    }
    return {"error": error}


def _anthropic_default(status: int) -> tuple[str, str]:
    if status >= 500:
        return "api_error", f"Simulated server error {status}"
    return "invalid_request_error", f"Simulated client error {status}"


def _openai_default(status: int) -> tuple[str, str | None, str]:
    if status >= 500:
        return "server_error", None, f"Simulated server error {status}"
    return "invalid_request_error", None, f"Simulated client error {status}"
