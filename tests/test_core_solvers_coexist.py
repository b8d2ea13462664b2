"""ortools and highspy must load and solve in one process (highspy >= 1.15 ships a clashing libhighs)."""

from __future__ import annotations


def test_cpsat_and_highs_in_one_process():
    import highspy
    import numpy as np
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    x = m.new_int_var(0, 10, "x")
    m.add(x >= 3)
    m.minimize(x)
    s = cp_model.CpSolver()
    assert s.solve(m) == cp_model.OPTIMAL and s.value(x) == 3

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 1, 1
    lp.col_cost_ = np.array([1.0])
    lp.col_lower_, lp.col_upper_ = np.array([0.0]), np.array([10.0])
    lp.row_lower_, lp.row_upper_ = np.array([2.5]), np.array([np.inf])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array([0, 1])
    lp.a_matrix_.index_ = np.array([0])
    lp.a_matrix_.value_ = np.array([1.0])
    h.passModel(lp)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert abs(h.getInfo().objective_function_value - 2.5) < 1e-9
