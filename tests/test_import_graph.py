"""The import rules of the package, over every import statement (lazy imports inside functions
included), read from the source:

- no cycle between the package's parts;
- no part imports another part's private module (``costroute.<part>._x`` from outside
  ``<part>``): parts meet through their public faces;
- a part imports only parts of a lower layer (``LAYERS``), so the runtime never imports the
  tooling (simulator, evaluation, command line).

The layers are documented in docs/api.md ("Parts and layers"); a change to them is a change
to this table, made on purpose.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "costroute"

LAYERS = {
    # the catalog of deployments and prices
    "catalog": 0,
    # state backends, estimators, the ledger, the provider layer, observers
    "breaker": 1,
    "budget": 1,
    "cache": 1,
    "difficulty": 1,
    "latency": 1,
    "ledger": 1,
    "observe": 1,
    "providers": 1,
    # what assembles them: policies, the store, the executor
    "executor": 2,
    "policy": 2,
    "store": 2,
    # the router; the tooling beside it: the simulator, training (labelled data and fits)
    "router": 3,
    "sim": 3,
    "train": 3,
    # evaluation (metrics, cross-validation, calibration sweeps, plots) uses training's data
    "eval": 4,
    # the command line, on top
    "cli": 5,
}
TOOLING = {"eval", "sim", "train", "cli"}


def _part(module: str) -> str | None:
    """The part (subpackage) a ``costroute.*`` module belongs to, or None for a top-level one."""
    parts = module.split(".")
    if len(parts) >= 2 and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return None


def _imports() -> Iterator[tuple[Path, str | None, str]]:
    """(file, its part, imported costroute module) for every import in the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        here = _part(".".join(rel.parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module == "costroute":  # from costroute import providers, ...
                    for alias in node.names:
                        yield path, here, f"costroute.{alias.name}"
                elif node.module.startswith("costroute."):
                    yield path, here, node.module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("costroute."):
                        yield path, here, alias.name


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {part: set() for part in LAYERS}
    for _, here, module in _imports():
        there = _part(module)
        if here is not None and there is not None and there != here:
            edges[here].add(there)
    return edges


def test_every_part_has_a_layer() -> None:
    parts = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert parts == set(LAYERS)


def test_no_cycle_between_parts() -> None:
    edges = _edges()
    cycles = []

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(edges[node]):
            if nxt in path:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif len(path) < len(LAYERS):
                walk(nxt, [*path, nxt])

    for start in sorted(edges):
        walk(start, [start])
    assert cycles == []


def test_no_part_imports_another_parts_private_module() -> None:
    offenders = []
    for path, here, module in _imports():
        there = _part(module)
        names = module.split(".")
        if there is not None and there != here and any(n.startswith("_") for n in names[2:]):
            offenders.append(f"{path.relative_to(PACKAGE.parent)}: {module}")
    assert offenders == []


def test_parts_import_only_lower_layers_and_the_runtime_never_the_tooling() -> None:
    upward = [
        f"{here} (layer {LAYERS[here]}) -> {there} (layer {LAYERS[there]})"
        for here, theres in sorted(_edges().items())
        for there in sorted(theres)
        if LAYERS[there] >= LAYERS[here]
    ]
    assert upward == []
    runtime_to_tooling = [
        f"{path.relative_to(PACKAGE.parent)}: {module}"
        for path, here, module in _imports()
        if _part(module) in TOOLING and here not in TOOLING and path.name != "testing.py"
    ]
    assert runtime_to_tooling == []


def test_the_rules_see_lazy_imports() -> None:
    # A check of the reader itself: imports inside functions count (the cycle this test found
    # first, difficulty -> eval, was one).
    lazy = [
        (path.name, module)
        for path, _, module in _imports()
        if path.name == "_report.py" and module == "costroute.ledger"
    ]
    assert lazy, "cli/_report.py imports the ledger inside a function"
