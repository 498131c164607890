"""Fixtures shared by the router tests."""

from __future__ import annotations

import httpx
import pytest
import respx

from costroute.testing import ANTHROPIC_URL, DEEPSEEK_URL, anthropic_body, deepseek_body


@pytest.fixture
def wrong_and_right(mock: respx.MockRouter) -> dict[str, respx.Route]:
    """To "What is 2 + 2?": deepseek answers "5" (wrong), claude "4." (right)."""
    return {
        "deepseek": mock.post(DEEPSEEK_URL).mock(
            return_value=httpx.Response(200, json=deepseek_body("5"))
        ),
        "claude": mock.post(ANTHROPIC_URL).mock(
            return_value=httpx.Response(200, json=anthropic_body("4."))
        ),
    }
