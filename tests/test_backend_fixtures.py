"""The ``redis_url`` and ``postgres_url`` fixtures (tests/conftest.py).

A run with COSTROUTE_TEST_REDIS_URL / COSTROUTE_TEST_POSTGRES_URL set (as in CI) must not pass
with the backends untested: when the server does not answer, the tests that need it fail, naming
the URL without its password. Unset, the servers at the default local addresses are used when
they answer (the README's plain test command then tests the backends), and the tests skip,
saying so, when nothing answers there; ``off`` skips. Checked in a child pytest that loads
tests/conftest.py as a plugin (and a plugin that points the defaults where the test wants) and
runs two tests that take the fixtures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
PROBE = """
def test_redis(redis_url):
    assert redis_url

def test_postgres(postgres_url):
    assert postgres_url
"""


def _run(
    tmp_path: Path, defaults: dict[str, str] | None = None, **env: str | None
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_probe.py").write_text(PROBE)
    (tmp_path / "probe_defaults.py").write_text(
        f"import conftest\nconftest.DEFAULT_URLS.update({defaults or {}!r})\n"
    )
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("COSTROUTE_TEST_")}
    child_env.update({k: v for k, v in env.items() if v is not None})
    child_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(TESTS), str(tmp_path), os.environ.get("PYTHONPATH")])
    )
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "conftest", "-p", "probe_defaults", "-p", "no:cacheprovider",
         str(tmp_path)],
        cwd=tmp_path, env=child_env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_unset_variables_with_nothing_at_the_defaults_skip_saying_so(
    tmp_path: Path, unused_port: int
) -> None:
    out = _run(
        tmp_path,
        defaults={
            "COSTROUTE_TEST_REDIS_URL": f"redis://127.0.0.1:{unused_port}/15",
            "COSTROUTE_TEST_POSTGRES_URL": f"postgresql://postgres@127.0.0.1:{unused_port}/test",
        },
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 skipped" in out.stdout
    assert (
        f"COSTROUTE_TEST_REDIS_URL is not set and no server answers at redis://127.0.0.1:{unused_port}/15"
        in out.stdout
    )
    assert "COSTROUTE_TEST_POSTGRES_URL is not set and no server answers" in out.stdout


def test_unset_variables_use_the_servers_at_the_defaults(
    tmp_path: Path, redis_url: str, postgres_url: str
) -> None:
    # Here the defaults are the servers the suite itself uses (this test needs them running).
    out = _run(
        tmp_path,
        defaults={
            "COSTROUTE_TEST_REDIS_URL": redis_url,
            "COSTROUTE_TEST_POSTGRES_URL": postgres_url,
        },
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 passed" in out.stdout and "skipped" not in out.stdout


def test_off_skips(tmp_path: Path) -> None:
    out = _run(tmp_path, COSTROUTE_TEST_REDIS_URL="off", COSTROUTE_TEST_POSTGRES_URL="OFF")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 skipped" in out.stdout and "=off: the tests that need this server skip" in out.stdout


def test_set_variables_with_the_server_down_fail_without_the_password(
    tmp_path: Path, unused_port: int
) -> None:
    out = _run(
        tmp_path,
        COSTROUTE_TEST_REDIS_URL=f"redis://:pw-s3cret@127.0.0.1:{unused_port}/0",
        COSTROUTE_TEST_POSTGRES_URL=f"postgresql://u:pw-s3cret@127.0.0.1:{unused_port}/db",
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert "2 errors" in out.stdout and "skipped" not in out.stdout
    assert f"COSTROUTE_TEST_REDIS_URL=redis://:***@127.0.0.1:{unused_port}/0 is set" in out.stdout
    assert (
        f"COSTROUTE_TEST_POSTGRES_URL=postgresql://u:***@127.0.0.1:{unused_port}/db is set"
        in out.stdout
    )
    assert "does not answer" in out.stdout
    assert "pw-s3cret" not in out.stdout + out.stderr
