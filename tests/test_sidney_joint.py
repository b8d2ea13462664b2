"""jps+sidney and hps+sidney: the heuristics' partitions, scheduled optimally by Sidney-Monma."""

from __future__ import annotations

import pytest

from offloadsched import JointProblem, solve

from .sp_helpers import available


def joint_problems() -> list[JointProblem]:
    from offloadsched.instances.generators import random_joint

    out = [random_joint(4, 0, 10, "tree"), random_joint(3, 5, 12, "tree")]
    try:
        from offloadsched.instances.platforms import make_platform
        from offloadsched.instances.zoo import get_model
    except ImportError:
        return out
    platform = make_platform("rpi4", "gtx1080", "4g")
    out.append(JointProblem([get_model("googlenet")] * 3, platform))
    out.append(JointProblem([get_model("resnet18"), get_model("alexnet"), get_model("mobilenet_v2")], platform))
    return out


@pytest.mark.parametrize("method", ["jps", "hps"])
def test_same_partitions_never_a_longer_schedule(method):
    if not available(method):
        pytest.skip(f"{method} not registered")
    for joint in joint_problems():
        first = solve(joint, method)
        res = solve(joint, f"{method}+sidney")  # solve() evaluates and checks the returned DAG problem
        assert res.status == "heuristic"
        assert [p.local.tolist() for p in res.partitions] == [p.local.tolist() for p in first.partitions]
        assert res.info["schedule_exact"] and res.info["sidney_status"] == "optimal"
        assert res.makespan == res.info["negligible_optimum"] <= first.makespan
        assert res.info[f"{method}_makespan"] == first.makespan


def test_other_remote_models_keep_the_partitions():
    if not available("jps"):
        pytest.skip("jps not registered")
    from offloadsched.instances.generators import random_joint

    joint = random_joint(3, 1, 10, "tree", remote_model="parallel")
    res = solve(joint, "jps+sidney")
    assert res.status == "heuristic" and not res.info["schedule_exact"]
    assert res.problem.remote_model == "parallel"
