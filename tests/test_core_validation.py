"""Bad input through the API: each mistake is a ValidationError naming the offending item."""

from __future__ import annotations

import math

import numpy as np
import pytest

from offloadsched import (
    DNN,
    DagProblem,
    FmProblem,
    J2Problem,
    JointProblem,
    Layer,
    Partition,
    Platform,
    ValidationError,
    chain,
    solve,
)


def dnn3() -> DNN:
    return chain("c3", [Layer("x", "input", 0, 10), Layer("a", "conv", 10, 5), Layer("b", "fc", 10, 1)])


def test_cyclic_graph():
    layers = [Layer("x", "input", 0, 1), Layer("a", flops=1), Layer("b", flops=1), Layer("y", flops=1)]
    with pytest.raises(ValidationError, match="cycle: .*a -> b -> a|cycle: .*b -> a -> b"):
        DNN("cyc", layers, [("x", "a"), ("a", "b"), ("b", "a"), ("b", "y")])


def test_graph_shape_errors():
    with pytest.raises(ValidationError, match="exactly one input"):
        DNN("two-inputs", [Layer("x", flops=0), Layer("z", flops=0), Layer("y", flops=1)], [("x", "y"), ("z", "y")])
    with pytest.raises(ValidationError, match="exactly one output"):
        DNN("two-outputs", [Layer("x", flops=0), Layer("y", flops=1), Layer("z", flops=1)], [("x", "y"), ("x", "z")])
    with pytest.raises(ValidationError, match="unknown layer 'q'"):
        DNN("bad-edge", [Layer("x", flops=0)], [("x", "q")])
    with pytest.raises(ValidationError, match="duplicate layer name 'x'"):
        DNN("dup", [Layer("x", flops=0), Layer("x", flops=0)], [])


@pytest.mark.parametrize("value,match", [(-5, "flops must be >= 0, got -5"), (math.nan, "flops must be finite"),
                                         (math.inf, "flops must be finite"), ("ten", "flops must be a number")])
def test_bad_layer_values(value, match):
    with pytest.raises(ValidationError, match=f"layer 'conv3': {match}"):
        Layer("conv3", "conv", value, 4)


@pytest.mark.parametrize("bad,match", [(-1, ">= 0, got -1"), (math.nan, "finite"), (1.5, "integer")])
def test_bad_problem_times(bad, match):
    with pytest.raises(ValidationError, match=match):
        J2Problem([1, bad], [1, 1])
    with pytest.raises(ValidationError, match=match):
        FmProblem([[1, 2], [bad, 1]])
    with pytest.raises(ValidationError, match=match):
        DagProblem(f=[1, bad], u=[0, 0], r=[0, 0], local=[1, 1], preds=[[], [0]])


@pytest.mark.parametrize("bad", [True, False, np.True_, "3", None])
def test_booleans_and_strings_mixed_with_numbers_name_the_entry(bad):
    """numpy reads [True, 2] as the integer array [1, 2]: the raw entries are checked first."""
    with pytest.raises(ValidationError, match=r"j2 problem: a\[0\]: times must be numbers, got "):
        J2Problem([bad, 2], [1, 1])
    with pytest.raises(ValidationError, match=r"j2 problem: b\[1\]: times must be numbers"):
        J2Problem([1, 2], (1, bad))
    with pytest.raises(ValidationError, match=r"fm problem: times\[1\]\[0\]: times must be numbers"):
        FmProblem([[1, 2], [bad, 1]])
    with pytest.raises(ValidationError, match=r"dag problem: u\[1\]: times must be numbers"):
        DagProblem(f=[1, 2], u=[0, bad], r=[0, 0], local=[1, 1], preds=[[], [0]])
    assert FmProblem(np.array([[1, 2], [3, 4]])).times.sum() == 10  # integer arrays pass untouched


def test_partition_errors():
    d = dnn3()
    with pytest.raises(ValidationError, match="not predecessor-closed: local layer 'b' has remote predecessor 'a'"):
        Partition(d, ["x", "b"])
    with pytest.raises(ValidationError, match="must contain the input layer 'x'"):
        Partition(d, ["a"])
    with pytest.raises(ValidationError, match="unknown layer 'q'"):
        Partition(d, ["x", "q"])
    assert Partition.chain_cut(d, 1).cut_points == [1]
    assert Partition.cloud_only(d).cut_points == [0]
    assert Partition.local_only(d).cut_points == []
    with pytest.raises(ValidationError, match="remote predecessor"):
        DagProblem(f=[1, 1], u=[0, 0], r=[0, 0], local=[0, 1], preds=[[], [0]])


def test_platform_and_problem_errors():
    with pytest.raises(ValidationError, match="bandwidth must be > 0"):
        Platform(1e9, 1e10, 0)
    with pytest.raises(ValidationError, match="w_msg"):
        Platform(1e9, 1e10, 1e6, w_msg=-1)
    with pytest.raises(ValidationError, match="unknown remote model 'gpu'"):
        JointProblem([dnn3()], Platform(1e9, 1e10, 1e6), remote_model="gpu")
    with pytest.raises(ValidationError, match="topological order"):
        DagProblem(f=[1, 1], u=[0, 0], r=[0, 0], local=[1, 1], preds=[[1], []])


def test_unknown_method_and_options():
    p = J2Problem([1, 2], [2, 1])
    with pytest.raises(ValidationError, match="unknown method 'johnsn'; known: .*bruteforce"):
        solve(p, "johnsn")
    with pytest.raises(ValidationError, match="has no option 'speed'"):
        solve(p, "bruteforce", speed=3)
    with pytest.raises(ValidationError, match="time_limit"):
        solve(p, "bruteforce", time_limit=-1)
    with pytest.raises(ValidationError, match="does not accept joint"):
        solve(JointProblem([dnn3()], Platform(1e9, 1e10, 1e6)), "fifo")


def test_register_needs_a_path_or_a_callable():
    from offloadsched.registry import _REGISTRY, register

    before = dict(_REGISTRY)
    with pytest.raises(TypeError):  # no decorator form: the target is required
        register("t-no-target", problems=("j2",))
    with pytest.raises(ValueError, match="'module:function' path or a callable, not 'offloadsched.builtin.fifo'"):
        register("t-bad-path", "offloadsched.builtin.fifo", problems=("j2",))
    with pytest.raises(ValueError, match="unknown problem types"):
        register("t-bad-type", "offloadsched.builtin:fifo", problems=("jobshop",))
    assert _REGISTRY == before


def test_bruteforce_size_limit():
    from offloadsched import SizeLimitError

    p = J2Problem(np.ones(12, dtype=int), np.ones(12, dtype=int))
    with pytest.raises(SizeLimitError, match="12! = 479001600 orders exceed max_candidates"):
        solve(p, "bruteforce")


def test_applies_check_refuses_with_the_reason():
    from offloadsched import FmProblem
    from offloadsched.registry import get_method

    f3 = FmProblem([[1, 2, 3], [3, 2, 1]])
    with pytest.raises(ValidationError, match="'johnson' does not apply to this problem: it needs 2 machines"):
        solve(f3, "johnson")
    assert get_method("eja").not_applicable(f3) is None
    assert "takes fm problems" in get_method("eja").not_applicable(J2Problem([1], [1]))
    assert solve(f3, "eja").makespan == 7  # order (0, 1): M3 runs [3, 6) and [6, 7)


def test_tree_merge_applies_only_to_out_forests():
    diamond = DagProblem(f=[1, 1, 1, 1], u=[0, 0, 0, 2], r=[0] * 4, local=[1, 1, 1, 1], preds=[[], [0], [0], [1, 2]],
                         names=["a", "b", "c", "d"])
    with pytest.raises(ValidationError, match="node 'd' has 2 parents"):
        solve(diamond, "tree-merge")
