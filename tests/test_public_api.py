"""The package face: light import, sorted and documented __all__, the import graph."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import costroute

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "costroute"


def test_all_is_sorted_and_every_name_exists() -> None:
    assert costroute.__all__ == sorted(costroute.__all__)
    for name in costroute.__all__:
        assert hasattr(costroute, name), name


def test_every_public_name_is_documented() -> None:
    api = (ROOT / "docs" / "api.md").read_text()
    missing = [name for name in costroute.__all__ if f"`{name}" not in api]
    assert not missing, f"not in docs/api.md: {missing}"


def test_import_costroute_does_not_import_litellm() -> None:
    code = "import sys, costroute; print('litellm' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_provider_layer_imports_litellm() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if "providers" not in p.parts and any(m.split(".")[0] == "litellm" for m in _imports(p))
    ]
    assert offenders == []


def test_nothing_imports_the_router_but_the_face_cli_and_examples() -> None:
    allowed = {"__init__.py", "_default.py", "_openai.py", "_openai_router.py"}  # the face
    offenders = [
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if "router" not in p.parts
        and "cli" not in p.parts
        and p.name not in allowed | {"testing.py"}
        and any(m.startswith("costroute.router") for m in _imports(p))
    ]
    assert offenders == []
    # ... and no lower layer imports the top one
    for lower in ("types.py", "errors.py", "pricing.py"):
        assert not any(
            m.startswith(("costroute.router", "costroute.executor"))
            for m in _imports(PACKAGE / lower)
        )


def test_the_executor_imports_no_budget_code() -> None:
    """It keeps a call's reservation ahead of its attempts through the router's cover hook."""
    for path in (PACKAGE / "executor").rglob("*.py"):
        imported = _imports(path)
        assert not any(
            m.startswith(("costroute.budget", "costroute.store", "costroute.router"))
            for m in imported
        ), path


def test_reprs_are_helpful() -> None:
    plan_repr = repr(
        costroute.Router(environ={"DEEPSEEK_API_KEY": "k"}).explain(
            [{"role": "user", "content": "hi"}]
        )
    )
    assert plan_repr.startswith("<Plan policy='balanced'")
