"""The installed distribution has one top-level name, ``offloadsched``.

The folders ``formulations/``, ``heuristics/`` and ``instances/`` sit at the top of the repository
but install as ``offloadsched.formulations``, ``offloadsched.heuristics`` and
``offloadsched.instances`` (setuptools ``package-dir`` in pyproject.toml).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = {"formulations": "offloadsched/formulations", "heuristics": "offloadsched/heuristics",
               "instances": "offloadsched/instances", "offloadsched": "offloadsched"}


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    """The file names in a wheel built from a copy of the sources (the worktree stays clean)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in SUBPACKAGES:
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(out)],
                         capture_output=True, text=True)
    if run.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {run.stderr.strip()[-300:]}")
    (wheel,) = out.glob("offloadsched-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_wheel_has_one_top_level_name(wheel_names):
    top = {n.split("/")[0] for n in wheel_names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"offloadsched"}


def test_wheel_holds_every_module_and_data_file(wheel_names):
    missing = []
    for folder, installed in SUBPACKAGES.items():
        for f in (ROOT / folder).rglob("*"):
            if f.suffix in (".py", ".toml", ".json", ".md") and "__pycache__" not in f.parts:
                name = f"{installed}/{f.relative_to(ROOT / folder).as_posix()}"
                if name not in wheel_names:
                    missing.append(name)
    assert not missing, f"not in the wheel: {missing}"


def test_installed_namespace_from_another_directory(tmp_path):
    code = ("import importlib.util, offloadsched.instances, offloadsched.formulations, offloadsched.heuristics\n"
            "assert all(importlib.util.find_spec(n) is None for n in ('instances', 'formulations', 'heuristics'))\n"
            "import offloadsched\n"
            "assert {'cpsat-flowshop', 'jps', 'bruteforce'} <= {m.name for m in offloadsched.methods()}\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
