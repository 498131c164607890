"""Service URLs (Redis, PostgreSQL): their scheme, a check, and how to show one without secrets.

:func:`mask_url` is the one redaction of the package: the store, the response cache and the
ledger show URLs through it in errors, logs and reprs.
"""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit

from costroute.errors import ConfigError

__all__ = ["MASK", "check_url", "mask_url", "scheme_of", "url_secrets"]

MASK = "***"
# A query parameter whose name contains one of these holds a secret (password=, sslpassword=,
# passfile=, token=, api_key=, client_secret=, ...); its value is masked.
_SECRET_PARTS = ("pass", "secret", "token", "key")


def mask_url(url: str) -> str:
    """``url`` with its password and secret query values shown as ``***``; never raises.

    The user name, host (IPv6 brackets included), port, path and other parameters are kept as
    written. The user part ends at the last ``@``, as a password may hold an unencoded ``/``,
    ``?`` or ``#``: a URL with an ``@`` after its host may be masked beyond its password, never
    less.

    >>> mask_url("redis://:pw@[::1]:6379/0?password=pw&db=1")
    'redis://:***@[::1]:6379/0?password=***&db=1'
    """
    start, password, rest = _split_password(url)
    if password is not None:
        start += f":{MASK}@"
    head, qmark, query = rest.partition("?")
    if not qmark:
        return start + rest
    query, hashmark, fragment = query.partition("#")
    params = [f"{name}={MASK}" if secret else param for param, name, secret in _params(query)]
    return f"{start}{head}?{'&'.join(params)}{hashmark}{fragment}"


def url_secrets(url: str) -> list[str]:
    """The values :func:`mask_url` hides, as written and percent-decoded (to scrub from text
    that may echo them, such as a driver's error message)."""
    _, password, rest = _split_password(url)
    found = [] if password is None else [password]
    query = rest.partition("?")[2].partition("#")[0]
    found += [param.partition("=")[2] for param, _, secret in _params(query) if secret]
    found += [unquote_plus(value) for value in found]
    return sorted({value for value in found if value}, key=len, reverse=True)


def _split_password(url: str) -> tuple[str, str | None, str]:
    """``(scheme://user, password or None, the rest after the @)``; the user part ends at the
    last ``@``. Without a password: ``(scheme:// or '', None, the rest)``."""
    scheme, sep, rest = url.partition("://")
    if not sep:  # no authority (a path, unix:/socket?...): only the query can hold a secret
        return "", None, url
    user_part, at, after = rest.rpartition("@")
    if not at or ":" not in user_part:
        return scheme + sep, None, rest
    user, _, password = user_part.partition(":")
    return f"{scheme}{sep}{user}", password, after


def _params(query: str) -> list[tuple[str, str, bool]]:
    """``(param as written, its name, whether its value is a secret)`` for each ``a=b``."""
    params = []
    for param in query.split("&"):
        name, eq, _ = param.partition("=")
        secret = bool(eq) and any(part in unquote_plus(name).lower() for part in _SECRET_PARTS)
        params.append((param, name, secret))
    return params


def check_url(url: str, field: str) -> None:
    """Raise :class:`ConfigError` (password masked) when ``url``'s host or port is malformed.

    Client libraries raise a bare ``ValueError`` for these, whose traceback would show the URL.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        problem = "is not a valid URL (an IPv6 address goes in brackets: [::1])"
    else:
        try:
            _ = parts.port  # the property parses, hence checks, the port
            return
        except ValueError:
            problem = "has a port that is not a number from 0 to 65535"
    raise ConfigError(
        f"The URL {mask_url(url)} {problem}.",
        field=field,
        fix="write scheme://user:password@host:port/..., e.g. redis://:secret@[::1]:6379/0, with"
        " @ : / ? # in the user name or password percent-encoded (%40 %3A %2F %3F %23)",
    )


def scheme_of(url: str) -> str:
    """The lower-cased scheme of ``url`` ('' when it has none)."""
    scheme, sep, _ = url.partition("://")
    if sep:
        return scheme.lower()
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""
