"""Router's options are shown, not hidden: one explicit, typed signature that help(), IDEs and
mypy read; the same names and types in RouterOptions (for code that forwards them); each one
described in the constructor's docstring and in docs/api.md's constructor table."""

from __future__ import annotations

import inspect
import pathlib
import re
from typing import Any, ForwardRef

import pytest

import costroute
from costroute.router import ClientOptions, RouterOptions

ROOT = pathlib.Path(__file__).resolve().parents[2]
PARAMS = inspect.signature(costroute.Router).parameters


def _text(annotation: Any) -> str:
    """An annotation as written (``from __future__ import annotations`` keeps them strings)."""
    return annotation.__forward_arg__ if isinstance(annotation, ForwardRef) else annotation


def test_every_option_is_explicit_typed_and_keyword_only() -> None:
    assert len(PARAMS) == 29
    names = list(PARAMS)
    assert names[0] == "deployments"
    assert PARAMS["deployments"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    for name in names[1:]:
        assert PARAMS[name].kind is inspect.Parameter.KEYWORD_ONLY, name
    for name, param in PARAMS.items():
        assert param.annotation is not inspect.Parameter.empty, name
        assert "Any" not in param.annotation, (name, param.annotation)
        assert param.default is not inspect.Parameter.empty, name  # every option is optional


def test_router_options_are_the_signature() -> None:
    """RouterOptions (a TypedDict for forwarders) names every option with the same type."""
    options = {k: _text(v) for k, v in RouterOptions.__annotations__.items()}
    assert options == {name: p.annotation for name, p in PARAMS.items()}
    assert not RouterOptions.__required_keys__
    # costroute.OpenAI forwards every option but timeout (its own timeout= is the SDK's)
    assert set(ClientOptions.__annotations__) == set(PARAMS) - {"timeout"}


def test_the_facade_shows_the_options_it_forwards() -> None:
    for client in (costroute.OpenAI, costroute.AsyncOpenAI):
        forwarded = inspect.signature(client).parameters["router_kwargs"]
        assert forwarded.kind is inspect.Parameter.VAR_KEYWORD
        assert forwarded.annotation == "Unpack[ClientOptions]"


def test_the_constructor_docstring_describes_every_option_in_one_line() -> None:
    doc = inspect.getdoc(costroute.Router.__init__) or ""
    described = re.findall(r"^    (\w+): \S", doc, re.M)
    assert described == list(PARAMS)


def test_docs_api_lists_every_option_with_its_default() -> None:
    api = (ROOT / "docs" / "api.md").read_text()
    table = api.split("| option | default | what it is |", 1)[1].split("\n\n", 1)[0]
    rows = dict(re.findall(r"^ *\| `(\w+)` \| `([^`]*)` \|", table, re.M))
    assert list(rows) == list(PARAMS)
    for name, param in PARAMS.items():
        default = param.default
        if callable(default):  # time.monotonic, time.time, time.sleep
            assert rows[name] == f"{default.__module__}.{default.__name__}", name
        else:
            assert rows[name] == repr(default).replace("'", '"'), name


def test_an_unknown_option_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'polcy'"):
        costroute.Router(polcy="balanced", ledger=False)
    with pytest.raises(TypeError, match="unexpected keyword argument 'polcy'"):
        costroute.OpenAI(polcy="balanced", ledger=False)
