"""The notebooks are committed clean: no outputs, no execution counts, the ``python3`` kernel.

They are executed by ``pytest --nbmake notebooks`` (``make test``); this file only checks what
is committed, so a notebook saved after a run in Jupyter fails here until its outputs are
cleared (``jupyter nbconvert --clear-output --inplace notebooks/*.ipynb``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXPECTED = [
    "01_quickstart.ipynb",
    "02_heuristics_vs_exact.ipynb",
    "03_paper_claims.ipynb",
    "04_bring_your_own_dnn.ipynb",
    "05_scaling.ipynb",
    "06_streams.ipynb",
]
#: Cell metadata that only an execution writes (nbclient / JupyterLab timings, collapsed outputs).
RUN_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")


def _load(name: str) -> dict:
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))


def test_exactly_these_notebooks():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED
    assert not list(NOTEBOOKS.glob("**/.ipynb_checkpoints")), "remove the .ipynb_checkpoints folder"


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_is_valid(name):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.cells and nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), \
        f"{name}: the first cell should be a markdown title"


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_has_no_outputs(name):
    nb = _load(name)
    dirty = []
    for k, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        if cell.get("outputs"):
            dirty.append(f"cell {k}: {len(cell['outputs'])} outputs")
        if cell.get("execution_count") is not None:
            dirty.append(f"cell {k}: execution_count {cell['execution_count']}")
        found = [key for key in RUN_METADATA if key in cell.get("metadata", {})]
        if found:
            dirty.append(f"cell {k}: run metadata {found}")
    assert not dirty, f"{name} is committed with outputs; clear them: " + "; ".join(dirty)


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_kernel(name):
    meta = _load(name)["metadata"]
    assert meta.get("kernelspec", {}).get("name") == "python3", f"{name}: kernelspec name must be 'python3'"
    assert "widgets" not in meta, f"{name}: remove the saved widget state"
