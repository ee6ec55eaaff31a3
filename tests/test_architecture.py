"""The layout rules of the package, checked on its source (CONTRIBUTING.md, "Architecture").

1. No import cycles between modules, counting imports inside functions (not those under
   ``if TYPE_CHECKING:``).
2. Plotting (``spatialcoupling.plotting``) and GIS layers (``spatialcoupling.layers``) import
   only shared private modules, never an analysis module: results call plotting, not the reverse.
3. No module reads another module's private names (``from .x import _name``) or private
   attributes of objects that are not ``self``/``cls``, except within one subpackage or from the
   shared private modules (``spatialcoupling._*``), whose public names are meant for every module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "spatialcoupling"
ROOT = "spatialcoupling"
#: modules that exist only to keep 0.1 import paths working (they re-export, nothing else)
ALIASES = {
    "spatialcoupling.maps",
    "spatialcoupling.weighting",
    "spatialcoupling.spatial",
    "spatialcoupling.clubs",
    "spatialcoupling._spatial_linalg",
}
ANALYSIS = (
    "spatialcoupling.autocorrelation",
    "spatialcoupling.inequality",
    "spatialcoupling.spatial_panel",
    "spatialcoupling.convergence",
    "spatialcoupling.study",
    "spatialcoupling.scores",
    "spatialcoupling.coupling",
    "spatialcoupling.cli",
    "spatialcoupling.dynamics",
    "spatialcoupling.drivers",
)


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, ast.Module]:
    return {
        _module_name(p): ast.parse(p.read_text(encoding="utf-8"), filename=str(p))
        for p in sorted(PACKAGE.rglob("*.py"))
    }


MODULES = _modules()


def _package_of(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def _is_package(module: str) -> bool:
    return (PACKAGE.parent / module.replace(".", "/") / "__init__.py").exists()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = _package_of(module, _is_package(module)).split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skip.update(id(n) for n in ast.walk(inner))
    return skip


def _imports(module: str, tree: ast.Module, *, typing: bool = False) -> list[tuple[str, list[str]]]:
    """(imported module, names) for every runtime import of the package's own modules (and the
    ``TYPE_CHECKING`` ones too with ``typing=True``)."""
    skip = set() if typing else _type_checking_nodes(tree)
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if not target.startswith(ROOT):
                continue
            names = [a.name for a in node.names]
            # "from . import x" imports the submodule x
            subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            if subs:
                out += [(s, []) for s in subs]
                names = [n for n in names if f"{target}.{n}" not in MODULES]
            if names:
                out.append((target, names))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.startswith(ROOT)]
    return out


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, tree in MODULES.items():
        for imported, _ in _imports(module, tree):
            target = imported
            while target not in MODULES and "." in target:
                target = target.rpartition(".")[0]
            if target != module and target in MODULES:
                graph[module].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def _without_package_inits(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """A subpackage's ``__init__`` re-exports its modules; a module importing a sibling through
    the package is the same dependency, so edges module -> own package are dropped."""
    out = {}
    for m, targets in graph.items():
        out[m] = {t for t in targets if not (m.startswith(t + ".") and _is_package(t))}
    return out


def test_no_import_cycles():
    cycles = _cycles(_without_package_inits(_graph()))
    assert cycles == [], f"import cycles: {cycles}"


@pytest.mark.parametrize("area", ["spatialcoupling.plotting", "spatialcoupling.layers", "spatialcoupling.tables"])
def test_plotting_takes_plain_data(area):
    """Plotting and layer modules never import an analysis module (no result classes in)."""
    bad = []
    for module, tree in MODULES.items():
        if not (module == area or module.startswith(area + ".")):
            continue
        for target, _ in _imports(module, tree, typing=True):
            if target.startswith(ANALYSIS):
                bad.append((module, target))
    assert bad == []


def _shared_private(module: str) -> bool:
    last = module.rpartition(".")[2]
    return module.count(".") == 1 and last.startswith("_")


def _same_package(a: str, b: str) -> bool:
    pa = _package_of(a, _is_package(a))
    pb = _package_of(b, _is_package(b))
    return (pa == pb and pa != ROOT) or (a.startswith(pb + ".") and pb != ROOT)


def test_no_cross_module_private_names():
    bad = []
    for module, tree in MODULES.items():
        if module in ALIASES:
            continue
        for target, names in _imports(module, tree):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and not _shared_private(target) and not _same_package(module, target):
                bad.append(f"{module} imports {private} from {target}")
    assert bad == []


def _defined_private(tree: ast.Module) -> set[str]:
    """Private names a module defines: methods, class attributes and ``self._x`` attributes."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name.startswith("_"):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Attribute) and t.attr.startswith("_"):
                    names.add(t.attr)
                elif isinstance(t, ast.Name) and t.id.startswith("_"):
                    names.add(t.id)
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("__setattr__") and node.args[1:]:
            key = node.args[1]
            if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.startswith("_"):
                names.add(key.value)
    return names


def _home(module: str) -> str:
    """The subpackage a module belongs to (the module itself at the top level)."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_no_private_attributes_of_other_modules():
    """``obj._attr`` only when ``_attr`` is defined in the same module or subpackage (a class's
    own private members), or on ``self``/``cls``."""
    defined: dict[str, set[str]] = {}
    for module, tree in MODULES.items():
        defined.setdefault(_home(module), set()).update(_defined_private(tree))
    bad = []
    for module, tree in MODULES.items():
        if module in ALIASES:
            continue
        own = defined[_home(module)]
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                root = node.value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name) and root.id in ("self", "cls"):
                    continue
                if node.attr in own:
                    continue
                bad.append(f"{module}:{node.lineno} {ast.unparse(node)}")
    assert bad == []
