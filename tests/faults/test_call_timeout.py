"""A call's own ``timeout=`` bounds the whole call (every attempt and wait), in every mode,
instead of the router's; a bad value is refused before the network."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx
from faultkit import call

from costroute.errors import AllDeploymentsFailed, InvalidRequestError
from costroute.testing import DEEPSEEK_URL, OPENAI_URL

MODES = ["sync", "async", "stream", "astream"]


@pytest.mark.parametrize("mode", MODES)
def test_a_per_call_timeout_bounds_the_whole_call(
    harness_factory: Any, mock: respx.MockRouter, mode: str
) -> None:
    h = harness_factory(["deepseek-v4-flash", "gpt-5.4-mini"], timeout=120)
    sent: list[float] = []

    def slow(request: httpx.Request) -> httpx.Response:
        sent.append(request.extensions["timeout"]["read"])
        h.clock.advance(6)  # the provider takes 6 s, then the read times out
        raise httpx.ReadTimeout("timed out", request=request)

    mock.post(DEEPSEEK_URL).mock(side_effect=slow)
    gpt = mock.post(OPENAI_URL).mock(side_effect=slow)
    with pytest.raises(AllDeploymentsFailed) as err:
        call(h.router, mode, timeout=10)
    # t=0: 10 s left (not the router's 120); fails at 6; waits 0.5; 3.5 s left; deadline passed
    assert sent == [10.0, 3.5] and h.slept == [0.5]
    assert len(err.value.attempts) == 2 and not gpt.called


@pytest.mark.parametrize("bad", [0, -1, "10", True, float("nan")])
def test_a_bad_per_call_timeout_is_refused_before_the_network(
    harness_factory: Any, mock: respx.MockRouter, bad: Any
) -> None:
    h = harness_factory(["deepseek-v4-flash"])
    with pytest.raises(InvalidRequestError) as err:
        h.router.chat(messages=[{"role": "user", "content": "hi"}], timeout=bad)
    assert err.value.field == "timeout" and "seconds" in str(err.value)
    assert not mock.calls
