"""The package's layers, read from the code's imports (module-level and function-level).

Layers, bottom to top (``offloadsched.X`` is the installed name of the top-level folder ``X/``):

* **kernel** - every module of ``offloadsched/`` outside ``bench/``, ``report/``, ``claims/`` and
  the command line (``cli``, ``commands``, ``__main__``): the data model, the evaluator, the
  registry and :func:`offloadsched.solve`, the path searches.  It imports no solver library
  (ortools, pulp, highspy, numba) and nothing from any other layer.
* **instances** (the zoo) - imports only the kernel (and itself).
* **methods** - ``formulations`` and ``heuristics``: import the kernel and the zoo, never each
  other (a method that needs another goes through :func:`offloadsched.solve`).
* **application** - ``bench``, ``report``, ``claims``: may import the kernel and the zoo, and
  reach methods only through the registry and :func:`offloadsched.solve` (never by importing
  ``formulations`` or ``heuristics``).
* **command line** - ``cli``, ``commands``, ``__main__`` and every subcommand module (``*.cli``,
  e.g. ``offloadsched.instances.cli``): anything but the methods' packages (subcommand modules
  are found by name, see ``offloadsched.cli.COMMAND_MODULES``, so nothing imports them).

And no import cycle anywhere (strongly connected components by Tarjan's algorithm), counting
imports inside functions as well as module-level ones: a deferred import still ties two modules
together (``io -> solve -> plotting -> io`` was one, through function-level imports).  A
submodule's import of its own package (``offloadsched.bench.runner`` reading
``offloadsched.__version__``) is not counted: Python runs the package before its submodules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"offloadsched": "offloadsched", "formulations": "offloadsched.formulations",
           "heuristics": "offloadsched.heuristics", "instances": "offloadsched.instances"}
SOLVERS = ("ortools", "pulp", "highspy", "numba")
APPLICATION = ("offloadsched.bench", "offloadsched.report", "offloadsched.claims")
COMMAND_LINE = ("offloadsched.cli", "offloadsched.commands", "offloadsched.__main__")


def _modules() -> dict[str, Path]:
    mods = {}
    for folder, pkg in FOLDERS.items():
        for f in sorted((ROOT / folder).rglob("*.py")):
            parts = list(f.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            mods[".".join([pkg, *parts])] = f
    return mods


MODULES = _modules()


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _resolve(name: str) -> str:
    """The longest known module that ``name`` (``a.b.c``, maybe ``module.attribute``) is in."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _imports(module: str, path: Path) -> list[tuple[str, int, bool]]:
    """``(imported name, line, at module level)`` of every import of ``module``."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = top and not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                out.extend((a.name, child.lineno, top) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - child.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                for a in child.names:
                    full = f"{base}.{a.name}"
                    out.append((full if _resolve(full) == full else base, child.lineno, top))
            visit(child, nested)

    visit(tree, True)
    return out


IMPORTS = {m: _imports(m, p) for m, p in MODULES.items()}


def _layer(module: str) -> str:
    if module in COMMAND_LINE or module.endswith(".cli"):
        return "command line"
    for name in ("formulations", "heuristics", "instances"):
        if _under(module, f"offloadsched.{name}"):
            return name
    if any(_under(module, p) for p in APPLICATION):
        return "application"
    return "kernel"


ALLOWED = {
    "kernel": {"kernel"},
    "instances": {"kernel", "instances"},
    "formulations": {"kernel", "instances", "formulations"},
    "heuristics": {"kernel", "instances", "heuristics"},
    "application": {"kernel", "instances", "application"},
    "command line": {"kernel", "instances", "application", "command line"},
}


def test_modules_found():
    assert {"offloadsched.solve", "offloadsched.instances.zoo", "offloadsched.formulations.sidney",
            "offloadsched.heuristics.jps", "offloadsched.bench.runner"} <= set(MODULES)


def test_kernel_imports_no_solver():
    bad = [f"{m}:{line} imports {name}" for m, imps in IMPORTS.items() if _layer(m) == "kernel"
           for name, line, _ in imps if name.split(".")[0] in SOLVERS]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_below(layer):
    bad = []
    for m, imps in IMPORTS.items():
        if _layer(m) != layer:
            continue
        for name, line, _ in imps:
            target = _resolve(name)
            if target in MODULES and _layer(target) not in ALLOWED[layer]:
                bad.append(f"{m}:{line} ({layer}) imports {target} ({_layer(target)})")
    assert not bad, "\n".join(bad)


def _sccs(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
    return out


def test_sccs_find_a_cycle():
    assert sorted(map(sorted, _sccs({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}))) == [["a", "b", "c"], ["d"]]


def test_no_import_cycle():
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for m, imps in IMPORTS.items():
        for name, _, _ in imps:
            target = _resolve(name)
            if target in MODULES and target != m and not _under(m, target):
                graph[m].add(target)
    cycles = [sorted(c) for c in _sccs(graph) if len(c) > 1]
    assert not cycles, cycles
