"""CP-SAT and HiGHS (highspy, through PuLP and directly) solve in one process, in either import order.

The project pins highspy < 1.15: 1.15's libhighs clashes with the one inside ortools 9.15."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from offloadsched import FmProblem, solve

CPSAT = """
from ortools.sat.python import cp_model
m = cp_model.CpModel()
x = m.new_int_var(0, 10, "x")
m.add(x >= 3)
m.minimize(x)
s = cp_model.CpSolver()
assert s.solve(m) == cp_model.OPTIMAL and s.value(x) == 3
"""

HIGHS = """
import highspy
h = highspy.Highs()
h.setOptionValue("output_flag", False)
x = h.addIntegral(lb=0, ub=10)
h.addConstr(2 * x >= 5)
h.minimize(x)
assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
assert round(h.getInfo().objective_function_value) == 3
"""

MIP = """
from offloadsched import FmProblem, solve
r = solve(FmProblem([[3, 2, 5], [3, 2, 2], [4, 3, 3], [4, 2, 3]]), "mip-path", solver="highs")
assert r.status == "optimal", r
"""


def test_cpsat_then_highs_in_this_process():
    exec(CPSAT, {})
    exec(HIGHS, {})
    r = solve(FmProblem([[3, 2, 5], [3, 2, 2], [4, 3, 3], [4, 2, 3]]), "mip-path", solver="highs")
    assert r.status == "optimal"
    exec(CPSAT, {})


@pytest.mark.parametrize("first", ["highs", "cpsat"])
def test_both_import_orders_in_a_fresh_process(first):
    parts = [HIGHS, MIP, CPSAT] if first == "highs" else [CPSAT, HIGHS, MIP]
    code = "\n".join(textwrap.dedent(p) for p in parts) + "\nprint('ok')\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]
