"""Shared fixtures: fake keys, a fixed clock, and provider responses in each wire format."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import types
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import respx

from costroute._url import MASK, mask_url, url_secrets
from costroute.cli._env import LITELLM_OFFLINE
from costroute.testing import FakeClock

for _key, _value in LITELLM_OFFLINE.items():  # litellm offline, as the executable keeps it
    os.environ.setdefault(_key, _value)
os.environ.setdefault("DISABLE_AIOHTTP_TRANSPORT", "True")
# benchmark scripts loaded by tests import their siblings (``_offline``) as a script run would
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

KEYS = {
    "DEEPSEEK_API_KEY": "sk-ds-test",
    "OPENAI_API_KEY": "sk-oa-test",
    "ANTHROPIC_API_KEY": "sk-an-test",
}

# A Wednesday at 08:00 UTC: outside DeepSeek's off-peak windows, so peak prices apply.
PEAK = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
# A Saturday: off-peak all day.
OFF_PEAK = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def _ledger_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("default-ledger")


@pytest.fixture(autouse=True)
def _default_ledger_in_tmp(_ledger_dir: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Routers that open the default ledger write to a temp file of their test, never under
    $HOME (one file per test: budgets restore their spend from it)."""
    monkeypatch.setenv("COSTROUTE_LEDGER_URL", f"sqlite://{_ledger_dir}/ledger.sqlite")
    monkeypatch.setenv("XDG_DATA_HOME", str(_ledger_dir / "xdg"))


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    return KEYS


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    """respx at the HTTP layer; any request without a route fails the test."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def router_factory(keys: dict[str, str], slept: list[float]) -> Any:
    """Build Routers with injected sleep (recorded in ``slept``) and a fixed peak-time clock."""
    import costroute

    async def asleep(seconds: float) -> None:
        slept.append(seconds)

    def make(**kwargs: Any) -> costroute.Router:
        kwargs.setdefault("sleep", slept.append)
        kwargs.setdefault("asleep", asleep)
        kwargs.setdefault("now", lambda: PEAK)
        return costroute.Router(**kwargs)

    return make


# ---- the Redis and PostgreSQL the backend tests use
#
# The one place that decides whether the backend tests run:
# - COSTROUTE_TEST_REDIS_URL / COSTROUTE_TEST_POSTGRES_URL set to a URL (as in CI): that server
#   must answer, or every test that needs it FAILS (with the URL, password masked, and the
#   reason), so that such a run cannot pass without testing the backends;
# - unset: the server at the default local address (DEFAULT_URLS) is used when it answers, so the
#   README's plain test command tests the backends on a machine that runs them; when nothing
#   answers there, those tests skip, saying so;
# - set to "off": they skip.
# The tests use Redis database 15 under random key prefixes and PostgreSQL schemas of their
# own, and delete what they made.

REDIS_ENV = "COSTROUTE_TEST_REDIS_URL"
POSTGRES_ENV = "COSTROUTE_TEST_POSTGRES_URL"
DEFAULT_URLS = {
    REDIS_ENV: "redis://127.0.0.1:6379/15",
    POSTGRES_ENV: "postgresql://postgres@127.0.0.1:5432/test",
}


def _ping_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def _ping_postgres(url: str) -> None:
    import psycopg

    psycopg.connect(url, connect_timeout=3).close()


def _reason(exc: Exception, url: str) -> str:
    reason = (str(exc).strip().splitlines() or [""])[0]
    for secret in url_secrets(url):
        reason = reason.replace(secret, MASK)
    return f"{type(exc).__name__}: {reason}"


def service_url(env: str, ping: Callable[[str], None]) -> str:
    """The server URL for ``$env``: see above (fail when set and down, skip when off or when
    unset and nothing answers at the default address)."""
    url = os.environ.get(env, "").strip()
    if url.lower() == "off":
        pytest.skip(f"{env}=off: the tests that need this server skip")
    if not url:
        default = DEFAULT_URLS[env]
        try:
            ping(default)
        except Exception as exc:  # nothing there: skip, and say how to run them
            pytest.skip(
                f"{env} is not set and no server answers at {mask_url(default)}"
                f" ({_reason(exc, default)}): start one there or set {env} to its URL"
            )
        return default
    try:
        ping(url)
    except Exception as exc:  # anything (refused, auth, missing driver): the server is unusable
        pytest.fail(
            f"{env}={mask_url(url)} is set but the server does not answer"
            f" ({_reason(exc, url)}). Start it, fix the URL, or set {env}=off to skip"
            " the tests that need it.",
            pytrace=False,
        )
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Redis for the backend tests (see above)."""
    return service_url(REDIS_ENV, _ping_redis)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """PostgreSQL for the backend tests (see above)."""
    return service_url(POSTGRES_ENV, _ping_postgres)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A router's ledger, once on each backend: a SQLite file, or a PostgreSQL schema of its
    own (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        return
    from costroute.ledger import PostgresLedger

    url: str = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{url}?schema={schema}"
    with PostgresLedger(url, schema=schema) as ledger:
        ledger.drop_schema()


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[tuple[Any, str]]:
    """A sync client and a unique key prefix; deletes every key under the prefix afterwards."""
    import redis

    client = redis.Redis.from_url(redis_url)
    prefix = f"costroute-test:{uuid.uuid4().hex[:12]}:"
    yield client, prefix
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


class _OffPeakNow(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _OffPeakNow:
        return cls.fromtimestamp(OFF_PEAK.timestamp(), tz)


@pytest.fixture(scope="session")
def off_peak_hour() -> Callable[[], contextlib.AbstractContextManager[None]]:
    """``with off_peak_hour(): ...``: the router's own clocks (the defaults of
    ``Router(now=)`` and of the executor) read an off-peak hour inside the block, whatever
    the hour the tests run at; for code that must price its calls at an instant it pins."""

    @contextlib.contextmanager
    def inside() -> Iterator[None]:
        off_peak = types.SimpleNamespace(**{**vars(dt), "datetime": _OffPeakNow})
        with pytest.MonkeyPatch.context() as mp:
            for module in ("costroute.router._base", "costroute.executor._core"):
                mp.setattr(f"{module}.dt", off_peak)
            yield

    return inside


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class RoundTrips:
    """A Redis client whose connections count what they send: one send is one round trip."""

    def __init__(self, url: str) -> None:
        import redis

        counter = self

        class Counting(redis.Connection):
            def send_packed_command(self, command: Any, check_health: bool = True) -> None:
                counter.count += 1
                super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]

        self.count = 0
        pool = redis.ConnectionPool.from_url(url, connection_class=Counting)
        self.client = redis.Redis(connection_pool=pool)
        self.client.ping()  # connect (HELLO, CLIENT SETINFO) before counting
        self.count = 0


@pytest.fixture
def round_trips(redis_url: str) -> Iterator[RoundTrips]:
    counted = RoundTrips(redis_url)
    yield counted
    counted.client.close()


# ---- a redis-server of the test's own, to kill and restart (failover tests) --------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnRedis:
    """A redis-server on a free port; ``kill()`` and ``start()`` again on the same port.

    No persistence (a restart comes back empty), unless ``persist`` is set: then every write
    goes to an append-only file first, and a killed server comes back with its data."""

    def __init__(self, tmp: Any) -> None:
        self.port = free_port()
        self.dir = tmp
        self.proc: subprocess.Popen[str] | None = None
        self.persist = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes" if self.persist else "no",
                "--appendfsync",
                "always",
                "--dir",
                str(self.dir),
                "--logfile",
                "",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:  # blocks until the server says it is ready; no sleeping
            if "Ready to accept connections" in line:
                return
        raise RuntimeError("redis-server exited before it was ready")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            if self.proc.stdout:
                self.proc.stdout.close()
            self.proc = None


@pytest.fixture
def own_redis(tmp_path: Any) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    return free_port()
