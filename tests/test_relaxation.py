"""relaxation (seed 001 P2): envelopes, a valid lower bound, and seed 001 Thm. 1 checked by scipy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offloadsched import ValidationError, solve
from offloadsched.formulations.relaxation import chain_jobs, lower_envelope, relax

from .test_mip_joint_chain import brute_force_joint, joint, random_chain


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 100)), min_size=1, max_size=12))
def test_lower_envelope_is_convex_and_below_the_points(points):
    x, y = (np.array(v) for v in zip(*points))
    hx, hy = lower_envelope(x, y)
    assert np.all(np.diff(hx) > 0)
    assert hx[0] == x.min() and hx[-1] == x.max()
    assert np.all(np.interp(x, hx, hy) <= y + 1e-9)
    assert set(zip(hx.tolist(), hy.tolist())) <= set(zip(x.tolist(), y.tolist()))  # vertices are points
    slopes = np.diff(hy) / np.diff(hx)
    assert np.all(np.diff(slopes) > 0)


@pytest.mark.parametrize(("seed", "n"), [(s, n) for n in (1, 2, 3, 5) for s in range(3)])
def test_bound_below_the_proven_optimum(seed, n):
    problem = joint(random_chain(100 + seed), n)
    optimum = brute_force_joint(problem)
    assert solve(problem, "mip-joint-chain").makespan == optimum
    chains = chain_jobs(problem, "test")
    bounds = {}
    for abscissa in ("compute", "layer"):
        r = solve(problem, "relaxation", abscissa=abscissa)
        assert r.status == "bound"
        assert r.bound <= optimum <= r.makespan
        rel = relax(chains, abscissa)
        assert rel.lower_bound <= optimum
        # seed 001 Thm. 1 on this instance: the uniform cut at x* reaches the LP optimum
        assert rel.uniform_optimal and r.info["uniform_optimal"]
        bounds[abscissa] = rel.lower_bound
    # f = identity over compute time is the tightest envelope: never weaker than the layer axis
    assert bounds["compute"] >= bounds["layer"] - 1e-6 * max(1.0, bounds["layer"])


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 12))
def test_bound_below_the_mip_optimum(seed, n):
    problem = joint(random_chain(seed), n)
    r = solve(problem, "mip-joint-chain", solver="highs")
    assert r.status == "optimal"
    for abscissa in ("compute", "layer"):
        assert solve(problem, "relaxation", abscissa=abscissa).bound <= r.makespan


def test_compute_relaxation_equals_the_best_mixture_of_cuts():
    """With x = F(l) the relaxation is min over mixtures of cuts of max(E F, E g) (an LP over weights)."""
    from scipy.optimize import linprog

    chains = chain_jobs(joint(random_chain(9), 4), "test")
    size = chains.layers
    # variables: weights w_l >= 0, t; min t, sum w = 1, sum w F <= t, sum w g <= t
    a_ub = np.vstack([np.append(chains.F, -1.0), np.append(chains.g, -1.0)])
    res = linprog(np.append(np.zeros(size), 1.0), A_ub=a_ub, b_ub=[0, 0], A_eq=[np.append(np.ones(size), 0.0)],
                  b_eq=[1], bounds=[(0, None)] * size + [(None, None)], method="highs")
    assert relax(chains, "compute").optimum == pytest.approx(res.fun, rel=1e-7)


def test_info_and_schedule():
    problem = joint(random_chain(4), 3)
    r = solve(problem, "relaxation")
    for key in ("per_job_optimum", "x_star", "uniform_value", "solver_uniform", "uniform_optimal",
                "relaxed_lower_bound", "cut"):
        assert key in r.info
    assert len(r.info["solver_x"]) == 3
    assert r.bound == int(np.ceil(r.info["relaxed_lower_bound"] - 1e-6))
    assert len(r.partitions) == 3 and len({int(p.local.sum()) for p in r.partitions}) == 1  # uniform


def test_bad_abscissa():
    with pytest.raises(ValidationError, match="compute, layer"):
        solve(joint(random_chain(1), 2), "relaxation", abscissa="flops")
