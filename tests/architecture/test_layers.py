"""The house as the users fixed it: ``domain`` is pure, ``api -> projections -> domain``, and
no module imports itself back through another (a cycle hides which side owns what)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "projections", "api")
# What each layer may import from the project (its own package included).
ALLOWED = {"domain": {"domain"}, "projections": {"projections", "domain"},
           "api": {"api", "projections", "domain"}}  # fmt: skip
# Pure: the domain does no I/O of its own (the store is the application's, given to it).
IO_MODULES = {"psycopg", "psycopg_pool", "fastapi", "starlette", "uvicorn", "httpx", "socket"}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(path: Path) -> set[str]:
    """Modules imported at module level or in functions (not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for n in ast.walk(node))
    names = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def project_imports(known: dict[str, Path]) -> dict[str, set[str]]:
    return {name: {m for m in imports(path) if m in known} - {name} for name, path in known.items()}


def test_each_layer_imports_only_the_layers_below_it() -> None:
    known = modules()
    wrong = [
        f"{name} imports {target}"
        for name, targets in project_imports(known).items()
        for target in targets
        if target.split(".")[0] not in ALLOWED[name.split(".")[0]]
    ]
    assert wrong == []


def test_the_domain_does_no_io() -> None:
    wrong = [
        f"{name} imports {m}"
        for name, path in modules().items()
        if name.startswith("domain")
        for m in imports(path)
        if m.split(".")[0] in IO_MODULES
    ]
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = project_imports(modules())
    # A package's __init__ re-exporting its modules is not a cycle of meaning: leave it out.
    graph = {n: {t for t in ts if not n.startswith(t + ".")} for n, ts in graph.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_no_production_function_is_over_60_lines() -> None:
    """House style: functions short enough to read at once (about 40 lines; never over 60)."""
    long = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60:
                    long.append(f"{name}.{node.name}: {length} lines")
    assert long == []
