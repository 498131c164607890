"""A local simulator of the OpenAI, Anthropic and DeepSeek chat HTTP APIs.

It listens on 127.0.0.1 only, uses the standard library only, and serves realistic
latency, token usage (with prompt-cache hits), tool calls, JSON output, SSE streams and
injected faults, so that ``costroute demo``, the examples and the tests run the real HTTP
path without a network. Its answers are right or wrong by a documented, seeded model of
request hardness and model skill, and it grades them: ``sim.check`` (for a
``costroute.Checker``) and judge requests in the shape of ``costroute``'s judge prompt::

    from costroute.sim import Fault, Simulator

    with Simulator(latency_scale=0) as sim:
        sim.inject(Fault.status(429, retry_after=1))
        api_base = sim.api_base("deepseek")   # give this to litellm as api_base

See docs/simulator.md.
"""

from ._faults import Fault
from ._profiles import DEFAULT_PROFILES, ModelProfile
from ._quality import hardness
from ._server import RecordedRequest, Simulator

__all__ = ["DEFAULT_PROFILES", "Fault", "ModelProfile", "RecordedRequest", "Simulator", "hardness"]
