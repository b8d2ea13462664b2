"""Sphinx configuration of the offloadsched documentation (``make docs``).

The site is built from the repository: the API reference from the docstrings (autodoc,
autosummary, numpydoc sections through napoleon), the Markdown pages with MyST, the notebooks
with MyST-NB (the two quick ones executed, the others as committed, without outputs), and the
methods table from the registry at build time (``_ext/offloadsched_docs.py``).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

import offloadsched  # noqa: E402  (installed with `pip install -e '.[docs]'`)

project = "offloadsched"
author = "the offloadsched developers"
copyright = "the offloadsched developers"  # noqa: A001  (Sphinx's name)
release = version = offloadsched.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_nb",
    "offloadsched_docs",
]

exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path: list[str] = []

# -- the notebooks: copied from ../notebooks at each build, rendered as committed ----------------------
NOTEBOOKS = DOCS / "notebooks"
NOTEBOOKS.mkdir(exist_ok=True)
for _nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
    _dst = NOTEBOOKS / _nb.name
    if not _dst.exists() or _dst.read_bytes() != _nb.read_bytes():
        shutil.copyfile(_nb, _dst)
# The notebooks are committed without outputs.  The two quick ones (about 10 s each) run during the
# build so that their tables and plots show; the three long ones (a slice of the quick suite, the
# bandwidth sweep, the scaling timings: minutes together, already executed by `make test`) are
# shown as committed, code and text without outputs.
EXECUTED = ("01_quickstart", "03_paper_claims")
nb_execution_mode = "force"
nb_execution_excludepatterns = [f"notebooks/{nb.stem}.ipynb" for nb in sorted((ROOT / "notebooks").glob("*.ipynb"))
                                if nb.stem not in EXECUTED]
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True

# -- MyST ------------------------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- API reference -----------------------------------------------------------------------------------
autosummary_generate = False
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
nitpicky = False

# -- HTML ------------------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"offloadsched {release}"
html_static_path: list[str] = []
