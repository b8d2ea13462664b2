"""Shared fixtures and hypothesis strategies for the core tests."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from offloadsched import DagProblem, FmProblem

settings.register_profile("ci", deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.register_profile("dev", deadline=None, max_examples=25,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def fig4() -> FmProblem:
    """Seed 002 Fig. 4: four paths (p1, p2, p3) as a three-machine flow shop."""
    return FmProblem([[3, 2, 5], [3, 2, 2], [4, 3, 3], [4, 2, 3]], machines=("local", "uplink", "remote"),
                     jobs=("p1", "p2", "p3", "p4"), name="seed002-fig4")


@pytest.fixture
def fig14() -> DagProblem:
    """Seed 001 Fig. 14: a five-node tree, (f, g) per node; a node with g > 0 uploads its output
    to a remote child of zero time.  The paper gives only the group v1+v2 = (2, 3); we split it
    as v1 = (1, 0), v2 = (1, 3)."""
    return DagProblem(f=[1, 1, 1, 2, 3, 0, 0, 0], u=[0, 0, 3, 1, 2, 0, 0, 0], r=[0] * 8,
                      local=[1, 1, 1, 1, 1, 0, 0, 0], preds=[[], [0], [1], [0], [1], [2], [3], [4]],
                      names=["v0", "v1", "v2", "v3", "v4", "r2", "r3", "r4"], name="seed001-fig14")
