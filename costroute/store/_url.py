"""Store URLs: which backend a URL selects, and how to show one without its password."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["mask_url", "scheme_of"]


def mask_url(url: str) -> str:
    """``url`` with the password replaced by ``***`` (for errors and logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{user}:***@{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def scheme_of(url: str) -> str:
    """The lower-cased scheme of ``url`` ('' when it has none)."""
    return urlsplit(url).scheme.lower()
