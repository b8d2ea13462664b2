"""The command line: solve and evaluate on the seed 002 example; user mistakes exit 2 with one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from offloadsched import FmProblem, save
from offloadsched.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "offloadsched", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def fig4_file(tmp_path):
    path = tmp_path / "fig4.json"
    save(FmProblem([[3, 2, 5], [3, 2, 2], [4, 3, 3], [4, 2, 3]], machines=("local", "uplink", "remote")), path)
    return path


def test_solve_prints_makespan_and_writes_gantt(fig4_file, tmp_path):
    png, out = tmp_path / "g.png", tmp_path / "r.json"
    proc = run("solve", str(fig4_file), "--method", "bruteforce", "--plot", str(png), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "makespan 18" in proc.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(out.read_text())["makespan"] == 18


def test_gantt_has_three_lanes(fig4_file):
    from offloadsched import load, solve

    ax = solve(load(fig4_file), "bruteforce").plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["local", "uplink", "remote"]


def test_evaluate_command(fig4_file, capsys):
    assert main(["evaluate", str(fig4_file), "--order", "0,2,3,1"]) == 0
    assert "makespan 18" in capsys.readouterr().out


@pytest.mark.parametrize("args,match", [
    (["solve", "{f}", "--method", "nosuch"], "unknown method 'nosuch'"),
    (["solve", "missing.json", "--method", "fifo"], "no such file"),
    (["evaluate", "{f}", "--order", "0", "1"], "has 2 entries, expected 4"),
    (["evaluate", "{f}", "--order", "a"], "not an integer"),
    (["solve", "{f}", "--method", "fifo", "--option", "speed=3"], "has no option 'speed'"),
    (["solve", "{f}"], "required: --method"),
    (["nosuchcommand"], "invalid choice"),
])
def test_user_mistakes_exit_2_with_one_line(fig4_file, args, match):
    proc = run(*[a.format(f=fig4_file) for a in args])
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert match in lines[0]
    assert "Traceback" not in proc.stderr


def test_truncated_file_exit_2(fig4_file):
    fig4_file.write_text(fig4_file.read_text()[:30])
    proc = run("solve", str(fig4_file), "--method", "fifo")
    assert proc.returncode == 2 and "not valid JSON" in proc.stderr


def test_methods_lists_registry():
    proc = run("methods")
    assert proc.returncode == 0
    assert "bruteforce" in proc.stdout and "fifo" in proc.stdout


def test_version(capsys):
    from importlib.metadata import version

    import offloadsched

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"offloadsched {offloadsched.__version__}"
    assert offloadsched.__version__ == version("offloadsched")  # the package and its installed metadata agree


def test_help_on_every_command():
    for cmd in ("evaluate", "solve", "methods"):
        proc = run(cmd, "--help")
        assert proc.returncode == 0 and "usage" in proc.stdout
