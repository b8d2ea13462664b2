"""The compiled kernels see the arrays their warm-up compiled: a problem's read-only times are copied
first, so no method compiles a second (read-only) signature inside its time limit (seconds from a cold
numba cache, which once cost `cpsat-flowshop` its proof of a 6-job F3 in a fresh clone's `make bench`)."""

import importlib

import numpy as np
import pytest

from offloadsched import FmProblem, solve

numba = pytest.importorskip("numba")


def _readonly_signatures(module) -> list[str]:
    out = []
    for name in dir(module):
        fn = getattr(module, name)
        for sig in getattr(fn, "signatures", ()):
            if any(isinstance(arg, numba.types.Array) and not arg.mutable for arg in sig):
                out.append(f"{name}{sig}")
    return out


@pytest.mark.parametrize("method, module", [("ig", "offloadsched.heuristics.ig"),
                                            ("bb-flowshop", "offloadsched.formulations._bb_kernel")])
def test_no_read_only_signature(method, module):
    problem = FmProblem(np.random.default_rng(1).integers(1, 50, (8, 4)))
    assert not problem.times.flags.writeable  # the problem's arrays are read-only
    solve(problem, method, time_limit=10)
    assert _readonly_signatures(importlib.import_module(module)) == []
