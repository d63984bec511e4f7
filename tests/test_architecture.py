"""The package's shape: layers import one way, public surfaces are explicit and sorted."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mineaction"

# What each layer may import from mineaction (DESIGN.md section 2); the top-level modules errors and settings
# are available to every layer, settings only at the edges and in pure code that receives it. The front ends
# (report, cli, demo) reach the computing packages only through workflows, and the store only through its
# public package (open_store, init_store), never its modules.
COMPUTING = {"analysis", "risk", "plan", "patterns"}
FRONT_ENDS = ("report", "cli", "demo")
ALLOWED = {
    "domain": {"domain", "errors"},
    "store": {"domain", "errors", "store"},
    "io": {"domain", "errors", "io", "store"},
    "simulate": {"domain", "errors", "simulate", "settings"},
    "analysis": {"domain", "errors", "analysis", "settings"},
    "risk": {"domain", "errors", "risk", "settings"},
    "plan": {"domain", "errors", "plan", "settings"},
    "patterns": {"analysis", "domain", "errors", "patterns", "settings"},
    "access": {"access", "domain", "errors", "settings", "store"},
    "workflows": {"access", "domain", "errors", "forms", "settings", "store", "io", *COMPUTING, "workflows"},
    "report": {"domain", "errors", "settings", "workflows", "report"},
    "cli": {
        *("access", "api", "cli", "demo", "domain", "errors", "io", "report", "settings", "simulate"),
        *("forms", "store", "workflows"),
    },
    "demo": {"domain", "errors", "settings", "store", "io", "simulate", "workflows", "report"},
    "api": {"access", "api", "domain", "errors", "forms", "io", "report", "settings", "store", "workflows"},
    "forms": {"domain", "errors", "forms", "io"},
}
PURE = ("analysis", "risk", "plan", "patterns")
FORBIDDEN_IN_PURE = {"sqlite3", "psycopg", "pyogrio", "fiona", "rasterio", "requests", "urllib", "socket"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(layer: str) -> list[Path]:
    single = PACKAGE / f"{layer}.py"
    return [single] if single.exists() else sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layers_import_one_way(layer: str) -> None:
    wrong = []
    for path in _modules(layer):
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "mineaction" and len(parts) > 1 and parts[1] not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not wrong, "layering broken:\n" + "\n".join(wrong)


def test_every_layer_has_import_rules() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "errors", "settings"}
    missing = sorted((packages | modules) - set(ALLOWED))
    assert not missing, f"add import rules to ALLOWED for: {missing}"


@pytest.mark.parametrize("layer", FRONT_ENDS)
def test_front_ends_use_only_the_stores_public_package(layer: str) -> None:
    wrong = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(layer)
        for name in _imports(path)
        if name.startswith("mineaction.store.")
    ]
    assert not wrong, "front ends must not reach into store internals:\n" + "\n".join(wrong)


def test_nothing_imports_the_command_line() -> None:
    wrong = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "cli" not in path.relative_to(PACKAGE).parts
        for name in _imports(path)
        if name == "mineaction.cli" or name.startswith("mineaction.cli.")
    ]
    assert not wrong, "only the command line itself may import mineaction.cli:\n" + "\n".join(wrong)


@pytest.mark.parametrize("layer", PURE)
def test_pure_layers_open_no_files_or_connections(layer: str) -> None:
    wrong = []
    for path in _modules(layer):
        source = path.read_text()
        for name in _imports(path):
            if name.split(".")[0] in FORBIDDEN_IN_PURE:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
        if "open(" in source.replace("_open(", "").replace(".open(", ""):
            wrong.append(f"{path.relative_to(PACKAGE)} calls open()")
    assert not wrong, "pure computation must not do I/O:\n" + "\n".join(wrong)


SUBPACKAGES = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists() and p.name != "cli")


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_public_surface_is_explicit_and_sorted(name: str) -> None:
    module = importlib.import_module(f"mineaction.{name}")
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"mineaction.{name} has no __all__"
    assert list(exported) == sorted(exported), f"mineaction.{name}.__all__ is not sorted"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"mineaction.{name}.__all__ names what it does not define: {missing}"


def test_every_module_says_its_job_in_a_docstring() -> None:
    silent = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if ast.get_docstring(ast.parse(p.read_text())) is None
    ]
    assert not silent, f"modules without a first docstring line: {silent}"
