"""One URL redaction for the store, the cache and the ledger: passwords never shown."""

from __future__ import annotations

import pytest

from costroute._url import check_url, mask_url, scheme_of, url_secrets
from costroute.cache import RedisResponseCache
from costroute.errors import ConfigError
from costroute.ledger import open_ledger
from costroute.store import mask_url as store_mask_url
from costroute.store import open_store


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://me:pw@db:5432/x", "postgresql://me:***@db:5432/x"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("postgresql://postgres@127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/test"),
        # redis-py and libpq both accept the password as a query parameter
        ("redis://localhost:6379/0?password=secret", "redis://localhost:6379/0?password=***"),
        (
            "redis://localhost:6379/0?db=1&password=secret",
            "redis://localhost:6379/0?db=1&password=***",
        ),
        # any parameter whose name says pass, secret, token or key
        (
            "postgresql://h/db?sslpassword=s1&passfile=s2&client_secret=s3&token=s4&api_key=s5&a=b",
            "postgresql://h/db?sslpassword=***&passfile=***&client_secret=***&token=***"
            "&api_key=***&a=b",
        ),
        ("redis://h/0?PassWord=secret", "redis://h/0?PassWord=***"),
        ("unix:///tmp/redis.sock?db=0&password=secret", "unix:///tmp/redis.sock?db=0&password=***"),
        # IPv6 hosts keep their brackets
        ("redis://:pw@[::1]:6379", "redis://:***@[::1]:6379"),
        ("redis://u:pw@[2001:db8::1]:6379/0", "redis://u:***@[2001:db8::1]:6379/0"),
        # a port that is not a number is shown as written, the password still masked
        ("redis://u:pw@h:bad/0", "redis://u:***@h:bad/0"),
        # unencoded # / ? or @ in a password: masked up to the last @, never shown in part
        ("redis://:ab#cd@h:6379/0", "redis://:***@h:6379/0"),
        ("redis://u:p/w?x@h/0", "redis://u:***@h/0"),
        ("redis://:p@ss@h/0", "redis://:***@h/0"),
        ("redis://:p%40ss@h/0", "redis://:***@h/0"),
        ("/var/lib/costroute/ledger.sqlite", "/var/lib/costroute/ledger.sqlite"),
    ],
)
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_the_store_exports_the_one_redaction() -> None:
    assert store_mask_url is mask_url


@pytest.mark.parametrize(
    "url",
    ["redis://u:s3cret-pw@h:bad/0", "redis://:s3cret-pw@h:99999/0", "redis://:s3cret-pw@[::1/0"],
)
def test_a_malformed_store_url_is_a_config_error_without_the_password(url: str) -> None:
    with pytest.raises(ConfigError) as err:
        open_store(url)
    assert err.value.field == "store" and err.value.fix
    assert "s3cret-pw" not in str(err.value) and "***" in str(err.value)
    assert err.value.__context__ is None  # no chained ValueError in the traceback


def test_a_malformed_url_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COSTROUTE_STORE_URL", "redis://:s3cret-pw@localhost:port/0")
    with pytest.raises(ConfigError) as err:
        open_store()
    assert err.value.field == "COSTROUTE_STORE_URL" and "s3cret-pw" not in str(err.value)


def test_a_malformed_cache_url_is_a_config_error_without_the_password() -> None:
    with pytest.raises(ConfigError) as err:
        RedisResponseCache.from_url("redis://:s3cret-pw@h:bad/0")
    assert err.value.field == "cache" and "s3cret-pw" not in str(err.value)


def test_the_ledger_masks_query_passwords_too() -> None:
    with pytest.raises(ConfigError) as err:
        open_ledger("mysql://u:s3cret-pw@h/db?password=other-secret")
    message = str(err.value)
    assert "s3cret-pw" not in message and "other-secret" not in message
    assert "mysql://u:***@h/db?password=***" in message


def test_check_url_accepts_well_formed_urls() -> None:
    for url in ("redis://:pw@[::1]:6379/0", "rediss://h/0", "unix:///tmp/r.sock", "redis://h:0"):
        assert check_url(url, "store") is None  # no ConfigError


def test_scheme_of() -> None:
    assert scheme_of("REDIS://h") == "redis"
    assert scheme_of("unix:///tmp/r.sock") == "unix"
    assert scheme_of("redis://[::1:6379") == "redis"  # malformed: check_url will say so
    assert scheme_of("memory") == ""


def test_url_secrets_lists_what_mask_url_hides_written_and_decoded() -> None:
    url = "redis://u:p%40w@h/0?password=x&db=1&token=t%21"
    assert set(url_secrets(url)) == {"p%40w", "p@w", "x", "t%21", "t!"}
    assert url_secrets("redis://u@h:6379/0?db=1") == []
