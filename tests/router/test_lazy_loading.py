"""A plain routed call loads only what it runs.

The default router (in-process store, no budget, no cache, the default SQLite ledger, the
``balanced`` preset) answers one call and one stream in a fresh interpreter, against DeepSeek
mocked with respx. Every optional part (labelling, rollouts, Redis, PostgreSQL, reports,
policy files, the cascade, other estimators, observers, budgets, the response cache, error
translation, the tooling, the migrations of older ledger files) must stay out of
``sys.modules``: a module that does not run for a plain call is imported where its feature is
used (docs/api.md, "What a routed call loads").
``benchmarks/routed_lines.py`` measures the lines that are loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

CHILD = textwrap.dedent(
    """
    import json, sys
    import httpx, respx
    import costroute
    from costroute.testing import DEEPSEEK_URL, deepseek_body, openai_sse, sse_response

    def loaded():
        return sorted(m for m in sys.modules if m.startswith("costroute"))

    messages = [{"role": "user", "content": "hi"}]
    with respx.mock(assert_all_mocked=True) as mock:
        route = mock.post(DEEPSEEK_URL)
        router = costroute.Router()
        route.mock(return_value=httpx.Response(200, json=deepseek_body("Hello!", hit=0)))
        answer = router.chat(messages=messages).choices[0].message.content
        after_sync = loaded()
        route.mock(return_value=sse_response(openai_sse(["Hel", "lo!"], hit=0)))
        text = "".join(c.choices[0].delta.content or "" for c in
                       router.chat(messages=messages, stream=True) if c.choices)
    print(json.dumps({"answers": [answer, text], "sync": after_sync, "stream": loaded(),
                      "records": len(router.usage.records())}))
    """
)

# Modules a plain call must not load, by the feature that loads them.
OPTIONAL = {
    "labelling": [
        "costroute.router._labeler",
        "costroute.router._labeling",
        "costroute.router._labeling_calls",
    ],
    "rollouts": ["costroute.router._rollout", "costroute.router._rollout_eval"],
    "typed options (costroute.OpenAI)": ["costroute.router._options", "costroute._openai"],
    "Redis": [
        "costroute._redis_clients",
        "costroute._redis_pool",
        "costroute.breaker._lua",
        "costroute.breaker._redis",
        "costroute.budget._lua",
        "costroute.budget._redis",
        "costroute.cache._redis",
        "costroute.latency._redis",
        "costroute.store._budget",
        "costroute.store._health",
        "costroute.store._redis",
        "costroute.store._twins",
    ],
    "budgets": ["costroute.budget", "costroute.router._cover"],
    "the response cache": [
        "costroute.cache._entry",
        "costroute.cache._key",
        "costroute.cache._store",
        "costroute.providers._rebuild",
        "costroute.router._replay",
    ],
    "PostgreSQL": [
        "costroute.ledger._pg_conn",
        "costroute.ledger._pg_query",
        "costroute.ledger._pg_schema",
        "costroute.ledger._postgres",
    ],
    "migrations of older ledgers": ["costroute.ledger._migrate"],
    "the group commit of async appends": ["costroute.ledger._writer"],
    "ledger reads": [
        "costroute.ledger._format",
        "costroute.ledger._html",
        "costroute.ledger._outcomes",
        "costroute.ledger._periods",
        "costroute.ledger._query",
        "costroute.ledger._report",
    ],
    "policy files and other policies": [
        "costroute.policy._cascade",
        "costroute.policy._escalation",
        "costroute.policy._loader",
        "costroute.policy._pair",
        "costroute.policy._params",
        "costroute.policy._table",
        "costroute.policy.acceptance",
        "costroute.router._cascade",
    ],
    "other estimators": [
        "costroute.difficulty._callable",
        "costroute.difficulty._embedding",
        "costroute.difficulty._learned",
        "costroute.difficulty._load",
    ],
    "online mode": [
        "costroute.policy._live",
        "costroute.policy._online",
        "costroute.policy._online_file",
        "costroute.policy._thompson",
        "costroute.router._online",
    ],
    "kept embeddings": ["costroute.ledger._embedding"],
    "observers": ["costroute.observe._callbacks", "costroute.observe._observer"],
    "failures and checked parameters": [
        "costroute.providers._errors",
        "costroute.providers._params",
        "costroute.providers._tokens",
    ],
    "module-level chat, info": ["costroute._default", "costroute._info"],
    "tooling": ["costroute.cli", "costroute.eval", "costroute.sim", "costroute.train"],
}
STREAM_ONLY = ["costroute.executor._stream", "costroute.executor._stream_base"]


def _run(tmp_path: Path) -> dict[str, object]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DEEPSEEK_API_KEY": "sk-ds-test",
        "OPENAI_API_KEY": "sk-oa-test",
        "ANTHROPIC_API_KEY": "sk-an-test",
        "COSTROUTE_LEDGER_URL": f"sqlite:///{tmp_path}/ledger.sqlite",
        "DISABLE_AIOHTTP_TRANSPORT": "True",  # respx sees httpx only (this process alone)
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_OFFLINE_MODE": "true",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return out


def test_a_plain_call_loads_no_optional_machinery(tmp_path: Path) -> None:
    out = _run(tmp_path)
    assert out["answers"] == ["Hello!", "Hello!"]
    assert out["records"] == 2  # both calls went through the ledger
    sync, stream = set(out["sync"]), set(out["stream"])  # type: ignore[call-overload]
    for feature, modules in OPTIONAL.items():
        for where, loaded in (("sync", sync), ("stream", stream)):
            found = [m for m in loaded for opt in modules if m == opt or m.startswith(opt + ".")]
            assert found == [], f"a plain {where} call loaded {feature}: {found}"
    assert not sync & set(STREAM_ONLY), "a sync call loaded the stream runner"
    assert set(STREAM_ONLY) <= stream  # the streamed call did run through it
    assert {"costroute.ledger._sqlite", "costroute.executor._run"} <= sync


FACES = [
    "costroute",
    "costroute.breaker",
    "costroute.budget",
    "costroute.cache",
    "costroute.difficulty",
    "costroute.executor",
    "costroute.latency",
    "costroute.ledger",
    "costroute.observe",
    "costroute.policy",
    "costroute.policy.rules",
    "costroute.providers",
    "costroute.router",
    "costroute.store",
]


def test_every_lazy_name_resolves_and_is_listed() -> None:
    """Each face's names load on first use (``from face import name`` too) and ``dir(face)``
    lists them before they are loaded; an unknown name is an AttributeError."""
    code = textwrap.dedent(
        f"""
        import importlib, json
        faces = {FACES!r}
        out = {{}}
        for face in faces:
            module = importlib.import_module(face)
            listed = sorted(set(module.__all__) - set(dir(module)))
            missing = [n for n in module.__all__ if getattr(module, n, None) is None]
            try:
                module.no_such_name
                unknown = "no error"
            except AttributeError as exc:
                unknown = str(exc)
            out[face] = [listed, missing, unknown]
        from costroute.budget import RedisBudgetBackend
        from costroute.store import redis_store
        out["from-import"] = [RedisBudgetBackend.__module__, redis_store.__module__]
        print(json.dumps(out))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    for face in FACES:
        listed, missing, unknown = out[face]
        assert listed == [], f"{face}: dir() lacks {listed}"
        assert missing == [], f"{face}: {missing} do not resolve"
        assert unknown == f"module {face!r} has no attribute 'no_such_name'"
    assert out["from-import"] == ["costroute.budget._redis", "costroute.store._redis"]
