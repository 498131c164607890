"""Fixtures of the fault tests; the helpers live in faultkit.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from faultkit import Harness, make_harness_factory


@pytest.fixture
def harness_factory(keys: dict[str, str]) -> Callable[..., Harness]:
    """Build a :class:`Harness` for a fixed plan (provider keys set in the environment)."""
    return make_harness_factory()
