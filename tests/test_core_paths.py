"""DAG-to-paths conversion, path counting and execution on the real DAG."""

from __future__ import annotations

import pytest

from offloadsched import DagProblem, SizeLimitError, check, evaluate
from offloadsched.paths import count_paths, dag_paths, execute_path_order, path_problem, path_times


def diamond(remote_model: str = "negligible") -> DagProblem:
    """x -> a, b -> c (local x, a, b; remote c)."""
    return DagProblem(f=[1, 2, 3, 0], u=[9, 4, 5, 0], r=[0, 0, 0, 6], local=[1, 1, 1, 0],
                      preds=[[], [0], [0], [1, 2]], remote_model=remote_model, names=["x", "a", "b", "c"])


def test_paths_and_times():
    p = diamond("serial")
    paths = dag_paths(p)
    assert paths == [(0, 1, 3), (0, 2, 3)]
    assert path_times(p, paths).tolist() == [[3, 4, 6], [4, 5, 6]]  # replicas x and c counted twice
    fm = path_problem(p, paths)
    assert fm.machines == ("local", "uplink", "remote")


def test_path_order_runs_replicas_once():
    p = diamond("serial")
    paths = dag_paths(p)
    sched = execute_path_order(p, paths, [1, 0])
    assert list(sched["local"]) == [0, 2, 1]
    assert list(sched["uplink"]) == [2, 1]
    t = evaluate(p, sched)
    check(p, t)
    # local x 0-1, b 1-4, a 4-6; uplink b 4-9, a 9-13; remote c 13-19 (c once)
    assert t.makespan == 19
    assert evaluate(path_problem(p, paths), [1, 0]).makespan > t.makespan


def test_exponential_path_count_is_refused():
    # nine diamonds of width 4 in series: 4^9 paths
    preds, n = [[]], 1
    for _ in range(9):
        branch = list(range(n, n + 4))
        preds += [[n - 1]] * 4
        preds.append(branch)
        n += 5
    p = DagProblem(f=[1] * n, u=[1] * n, r=[0] * n, local=[1] * n, preds=preds)
    assert count_paths(p) == [4**9]
    with pytest.raises(SizeLimitError, match="262144 source-to-sink paths.*limit 1000"):
        dag_paths(p, limit=1000)


def test_count_paths_per_job():
    p = DagProblem(f=[1] * 6, u=[0] * 6, r=[0] * 6, local=[1] * 6, preds=[[], [0], [0], [1, 2], [], [4]],
                   job=[0, 0, 0, 0, 1, 1])
    assert count_paths(p) == [2, 1]
