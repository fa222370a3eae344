"""The shape of the code, checked: who may import whom, no cycles, modules that fit.

docs/architecture.md says what each package owns and what it may import. These tests
hold the code to it, so a contributor who adds a shortcut across packages (the action
server loading the desk, a table module importing the migration runner) is told at
once, with the offending import named, rather than by a cycle at start-up months later.
Function-level imports count: they are the usual way a cycle hides.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("comptoir", "actions")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 120
# Generated or data modules the size limits do not apply to.
SIZE_EXEMPT = {"comptoir.shop.demo"}

# The ground floor: imported by everyone, importing only itself.
GROUND = (
    "comptoir",
    "comptoir.settings",
    "comptoir.calendar",
    "comptoir.i18n",
    "comptoir.language",
    "comptoir.message_kinds",
    "comptoir.alembic_env",
    "comptoir.secret_keys",
    "comptoir.redaction",
)
# What each part may import, besides the ground floor and itself.
ALLOWED: dict[str, tuple[str, ...]] = {
    "comptoir.kb": (),
    "comptoir.shop": (),
    "comptoir.desk": ("comptoir.kb", "comptoir.shop"),
    "comptoir.rasa_endpoints": (),
    "comptoir.stack": ("comptoir.rasa_endpoints", "comptoir.shop"),
    "comptoir.cli": ("comptoir.",),  # the command line drives every subsystem
    "actions": ("comptoir.kb", "comptoir.shop"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def imported_modules(source: str, name: str, is_package: bool, known: set[str]) -> set[str]:
    """Every project module the module ``name`` imports, at any depth of its code."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # "from pkg import module" imports pkg.module when that is a module.
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    paths = list(source_files())
    known = {module_name(p) for p in paths}
    return {
        module_name(p): imported_modules(
            p.read_text(encoding="utf-8"), module_name(p), p.name == "__init__.py", known
        )
        for p in paths
    }


def _part_of(module: str) -> str | None:
    for part in sorted(ALLOWED, key=len, reverse=True):
        if module == part or module.startswith(part + "."):
            return part
    return None


def _is_allowed(module: str, imported: str) -> bool:
    if imported in GROUND:
        return True
    if module in GROUND:
        return False
    part = _part_of(module)
    if part is None or imported == part or imported.startswith(part + "."):
        return part is not None
    return any(imported == a or imported.startswith(a.rstrip(".") + ".") for a in ALLOWED[part])


def test_every_import_respects_the_documented_layers(graph):
    wrong = sorted(
        f"{module} imports {imported}"
        for module, imports in graph.items()
        for imported in imports
        if not _is_allowed(module, imported)
    )
    assert not wrong, "imports that docs/architecture.md does not allow:\n" + "\n".join(wrong)


def test_no_import_cycles(graph):
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_checker_sees_function_level_and_relative_imports():
    """A guard for the guard: an import inside a function is an import."""
    known = {"comptoir.desk", "comptoir.desk.schema", "comptoir.desk.store", "comptoir.kb"}
    source = "def f():\n    from comptoir.desk import schema\n    from . import store\n"
    found = imported_modules(source, "comptoir.desk.tickets", False, known)
    assert found == {"comptoir.desk", "comptoir.desk.schema", "comptoir.desk.store"}
    assert _is_allowed("actions.orders", "comptoir.desk.store") is False
    assert _is_allowed("comptoir.shop.models", "comptoir.kb.index") is False
    assert _is_allowed("comptoir.desk.routing", "comptoir.kb.service") is True


def _long_functions(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield f"{module_name(path)}.{node.name}: {length} lines"


def test_modules_and_functions_fit_on_a_screen_or_two():
    too_long = [
        f"{module_name(p)}: {n} lines"
        for p in source_files()
        if module_name(p) not in SIZE_EXEMPT
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    too_long += [
        f for p in source_files() if module_name(p) not in SIZE_EXEMPT for f in _long_functions(p)
    ]
    assert not too_long, (
        f"over {MAX_MODULE_LINES} lines a module or {MAX_FUNCTION_LINES} a function:\n"
        + "\n".join(too_long)
    )
