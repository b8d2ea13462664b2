"""Release times in the core (issue 25 part 1): problems, evaluator, checker, Result, files, bruteforce.

The evaluator is compared with an independent timing (a least fixed point over the problem's flat
operation list, its arcs, the resource sequences and the release times); brute force with a direct
enumeration of every sequence on every resource, timed the same independent way.
"""

from __future__ import annotations

import itertools
import json
import sqlite3

import numpy as np
import pytest

from offloadsched import (
    DagProblem,
    FmProblem,
    J2Problem,
    JointProblem,
    Layer,
    Partition,
    Platform,
    ScheduleError,
    ValidationError,
    build_fm,
    build_j2,
    chain,
    check,
    evaluate,
    solve,
)
from offloadsched.bench.db import ADDED_COLUMNS, ResultsDB
from offloadsched.cli import main
from offloadsched.instances.generators import random_dag_problem, random_fm, random_j2
from offloadsched.io import from_dict, load, save, to_dict
from offloadsched.paths import dag_paths, path_problem
from offloadsched.problems import release_order
from offloadsched.registry import _REGISTRY, SolverOutput, all_of, no_release, register
from offloadsched.schedule import Schedule, fifo_schedule


# -- an independent timing -------------------------------------------------------------------------------
def _op_job(problem, ops) -> np.ndarray:
    return ops.item if problem.type != "dag" else problem.job[ops.item]


def independent_starts(problem, sequences: dict[str, list[int]]) -> dict[tuple[str, int], int]:
    """Earliest start of every operation (by (kind, item)) under the problem's arcs, the given per-resource
    sequences and the release times: a least fixed point by repeated relaxation (Bellman-Ford)."""
    ops = problem.operations()
    index = {(str(k), int(i)): x for x, (k, i) in enumerate(zip(ops.kind, ops.item))}
    edges = [(int(a), int(b)) for a, b in ops.arcs]
    kind_of = {"local": "compute", "uplink": "upload", "remote": "remote"}
    for res, seq in sequences.items():
        kind = res if problem.type != "dag" else kind_of[res]
        chain_ops = [index[(kind, int(v))] for v in seq]
        edges += list(zip(chain_ops, chain_ops[1:]))
    dur = ops.duration.tolist()
    start = [int(problem.release[j]) for j in _op_job(problem, ops)]
    for _ in range(len(dur) + 1):
        changed = False
        for a, b in edges:
            if start[a] + dur[a] > start[b]:
                start[b] = start[a] + dur[a]
                changed = True
        if not changed:
            return {key: start[x] for key, x in index.items()}
    raise AssertionError("sequences contradict the precedences")


def independent_makespan(problem, sequences) -> int:
    starts = independent_starts(problem, sequences)
    ops = problem.operations()
    out = 0
    for k, i, d in zip(ops.kind, ops.item, ops.duration):
        end = starts[(str(k), int(i))] + int(d)
        if problem.type == "dag":
            network = k != "compute"
        else:
            network = k != problem.machines[0] and bool(problem.offloading[i])
        out = max(out, end + (problem.w_rtt if network else 0))
    return out


def _timed_starts(timing) -> dict[tuple[str, int], int]:
    return {(str(k), int(i)): int(s) for k, i, s in zip(timing.kind, timing.item, timing.start)}


def _sequences(timing) -> dict[str, list[int]]:
    return {k: v.tolist() for k, v in timing.schedule.sequences.items()}


def _releases(rng, n: int, high: int = 150) -> list[int]:
    return [int(x) for x in rng.integers(0, high, size=n)]


def _two_job_dag(seed: int, remote_model: str, w_rtt: int = 0) -> DagProblem:
    """Two random DAG jobs side by side (problem D of two jobs), with random release times."""
    a = random_dag_problem(4, seed=seed, remote_model=remote_model)
    b = random_dag_problem(3, seed=seed + 100, remote_model=remote_model)
    off = len(a)
    rng = np.random.default_rng(seed)
    return DagProblem(f=[*a.f, *b.f], u=[*a.u, *b.u], r=[*a.r, *b.r], local=[*a.local, *b.local],
                      preds=[*a.preds, *[[p + off for p in ps] for ps in b.preds]], remote_model=remote_model,
                      job=[0] * off + [1] * len(b), w_rtt=w_rtt, release=_releases(rng, 2))


# -- problems ----------------------------------------------------------------------------------------
UNIT = Platform(r_loc=1e6, r_rem=1e7, bandwidth=8e6, w_msg=1e-6, w_rtt=5e-6, name="unit")


def _dnn(name: str) -> object:
    return chain(name, [Layer("in", "input", 0, 40), Layer("l1", "conv", 20, 30), Layer("l2", "conv", 10, 8)])


def test_release_defaults_to_zero_and_is_read_only():
    p = J2Problem([3, 1], [2, 5])
    assert p.release.tolist() == [0, 0] and p.release.dtype == np.int64 and not p.has_release
    q = p.with_release([0, 4])
    assert type(q) is J2Problem and q.has_release and q.release.tolist() == [0, 4] and not p.has_release
    with pytest.raises(ValueError):
        q.release[0] = 1
    assert not q.with_release(None).has_release
    f = FmProblem([[1, 2, 3]], release=[7], w_rtt=2)
    assert type(f.with_release([1])) is FmProblem and f.without_rtt().release.tolist() == [7]


def test_release_flows_through_every_conversion():
    jp = JointProblem([_dnn("a"), _dnn("b"), _dnn("a")], UNIT, release=[0, 30, 5])
    parts = [Partition(d, [0, 1]) for d in jp.jobs]
    d = jp.dag(parts)
    assert d.release.tolist() == [0, 30, 5] and d.n_jobs == 3
    assert d.without_rtt().release.tolist() == [0, 30, 5]
    assert d.with_remote_model("serial", r=np.ones(len(d), dtype=int)).release.tolist() == [0, 30, 5]
    assert d.with_release([1, 2, 3]).release.tolist() == [1, 2, 3] and d.with_release(None).release.sum() == 0
    assert build_j2(jp.jobs, UNIT, parts, release=jp.release).release.tolist() == [0, 30, 5]
    assert build_fm(jp.jobs, UNIT, parts, release=jp.release).release.tolist() == [0, 30, 5]
    assert jp.with_release([1, 1, 1]).dag(parts).release.tolist() == [1, 1, 1]
    paths = dag_paths(d)
    assert path_problem(d, paths).release.tolist() == [int(d.release[d.job[p[0]]]) for p in paths]
    assert save is not None and to_dict(jp)["release"] == [0, 30, 5]


@pytest.mark.parametrize("bad, words", [
    ([0, -1, 2], ["release[1]", "'J1'", ">= 0", "-1"]),
    ([0, float("nan"), 2], ["release[1]", "'J1'", "finite"]),
    ([0, 1.5, 2], ["release[1]", "'J1'", "integer microseconds", "1.5"]),
    ([0, 1], ["release has 2 entries for 3 jobs"]),
    ([0, True, 2], ["release"]),
    ([0, "3", 2], ["release"]),
    ([0, 2**53, 0], ["release[1]", "ceiling"]),
])
def test_bad_release_is_one_clear_validation_error(bad, words):
    makers = [lambda r: J2Problem([1, 2, 3], [1, 1, 1], release=r),
              lambda r: FmProblem([[1, 2, 3]] * 3, release=r),
              lambda r: DagProblem(f=[1, 1, 1], u=[1, 1, 1], r=[0, 0, 0], local=[True] * 3, preds=[[], [], []],
                                   job=[0, 1, 2], job_names=["J0", "J1", "J2"], release=r),
              lambda r: JointProblem([_dnn("J0"), _dnn("J1"), _dnn("J2")], UNIT, release=r)]
    for make in makers:
        with pytest.raises(ValidationError) as err:
            make(bad)
        for w in words:
            assert w in str(err.value), (str(err.value), w)


# -- the evaluator -----------------------------------------------------------------------------------
def test_flow_hand_case():
    # machine 1: J0 [0,3) J1 waits for r=10: [10,11) J2 [11,15); machine 2: J0 [3,5) J1 [11,16) J2 [16,17)
    p = J2Problem([3, 1, 4], [2, 5, 1], release=[0, 10, 2])
    t = evaluate(p, [0, 1, 2])
    assert t.start.tolist() == [0, 3, 10, 11, 11, 16] and t.makespan == 17
    assert t.completion.tolist() == [5, 16, 17] and t.response.tolist() == [5, 6, 15]
    # overlap=False: J0 [0,5), J1 from its release 10 to 16, J2 16..21
    s = evaluate(p, [0, 1, 2], overlap=False)
    assert s.start.tolist() == [0, 3, 10, 11, 16, 20] and s.makespan == 21
    check(p, t)


def test_fifo_is_release_order_ties_by_index():
    assert release_order([5, 0, 5, 2]).tolist() == [1, 3, 0, 2]
    assert fifo_schedule(FmProblem([[1, 2]] * 4, release=[5, 0, 5, 2])).order.tolist() == [1, 3, 0, 2]
    d = DagProblem(f=[2, 0, 3, 1], u=[4, 0, 1, 0], r=[0, 5, 0, 0], local=[True, False, True, True],
                   preds=[[], [0], [], [2]], job=[0, 0, 1, 1], release=[6, 0])
    assert fifo_schedule(d).sequences["local"].tolist() == [2, 3, 0]  # job 1's layers first, in node order
    assert fifo_schedule(d.with_release(None)).sequences["local"].tolist() == [0, 2, 3]


def test_dag_hand_case():
    # job 0: a (local) -> b (remote); job 1: c (local) -> d (remote), released at 6; serial remote
    d = DagProblem(f=[2, 0, 3, 0], u=[4, 0, 1, 0], r=[0, 5, 0, 2], local=[True, False, True, False],
                   preds=[[], [0], [], [2]], remote_model="serial", job=[0, 0, 1, 1], release=[0, 6], w_rtt=3)
    t = evaluate(d, Schedule({"local": [0, 2]}))
    starts = _timed_starts(t)
    assert starts[("compute", 0)] == 0 and starts[("compute", 2)] == 6  # c waits for its release
    assert starts[("upload", 0)] == 2 and starts[("upload", 2)] == 9  # u(a) = [2, 6), u(c) = [9, 10)
    assert starts[("remote", 1)] == 6 and starts[("remote", 3)] == 11  # server: b [6, 11), d [11, 13)
    assert t.makespan == 16 and t.completion.tolist() == [14, 16] and t.response.tolist() == [14, 10]
    check(d, t)


@pytest.mark.parametrize("seed", range(12))
def test_flow_evaluator_matches_independent_timing(seed):
    rng = np.random.default_rng(seed)
    p = random_fm(6, m=2 + seed % 3, seed=seed, low=0, high=20) if seed % 2 else random_j2(6, seed=seed, high=20)
    p = p.with_release(_releases(rng, p.n, 60))
    if seed % 3 == 0:
        p = FmProblem(p.times, release=p.release, w_rtt=7)
    order = rng.permutation(p.n).tolist()
    t = evaluate(p, order)
    assert _timed_starts(t) == independent_starts(p, _sequences(t))
    assert t.makespan == independent_makespan(p, _sequences(t))
    check(p, t)
    assert (t.start >= p.release[t.item]).all()


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("remote_model", ["negligible", "serial", "parallel"])
def test_dag_evaluator_matches_independent_timing(seed, remote_model):
    d = _two_job_dag(seed, remote_model, w_rtt=4 * (seed % 2))
    rng = np.random.default_rng(seed)
    local = [v for v in rng.permutation(len(d)).tolist() if d.local[v]]
    order: list[int] = []
    while local:  # a random linear extension of the local nodes
        v = next(v for v in local if all(p in order for p in d.preds[v]))
        order.append(v)
        local.remove(v)
    t = evaluate(d, Schedule({"local": order}))
    assert _timed_starts(t) == independent_starts(d, _sequences(t))
    assert t.makespan == independent_makespan(d, _sequences(t))
    check(d, t)
    without = evaluate(d, Schedule({"local": order}), overlap=False)
    check_sequential(d, without)


def check_sequential(problem, timing) -> None:
    """overlap=False: no two operations at once anywhere, every job one block from its release on."""
    by_start = np.lexsort((timing.end, timing.start))
    assert (timing.start[by_start][1:] >= timing.end[by_start][:-1]).all()
    job = timing.jobs_of_operations
    assert (timing.start >= problem.release[job]).all()
    assert (timing.end - timing.start).sum() == (evaluate(problem, timing.schedule).end
                                                 - evaluate(problem, timing.schedule).start).sum()
    first = {}
    for k in by_start.tolist():
        first.setdefault(int(job[k]), int(timing.start[k]))
    prev_end = 0
    for j in sorted(first, key=first.get):
        mine = job == j
        assert first[j] == max(prev_end, int(problem.release[j]))
        assert timing.end[mine].max() - first[j] == (timing.end - timing.start)[mine].sum()
        prev_end = int(timing.end[mine].max())


def test_checker_rejects_a_start_before_release():
    p = J2Problem([3, 1, 4], [2, 5, 1])
    t = evaluate(p, [0, 1, 2])
    check(p, t)
    with pytest.raises(ScheduleError, match=r"local of J1 starts at 3, before job 'J1' is released at 4"):
        check(p.with_release([0, 4, 0]), t)
    d = _two_job_dag(3, "serial")
    td = evaluate(d.with_release(None), Schedule({"local": d.local_nodes.tolist()}))
    late = d.with_release([0, int(td.end.max()) + 1])
    with pytest.raises(ScheduleError, match=r"before job 'J1' is released at"):
        check(late, td)


def test_result_response_metrics():
    rel = list(range(0, 200, 10))
    p = J2Problem([5] * 20, [3] * 20, release=rel)
    res = solve(p, "fifo")
    resp = res.timing.completion - np.array(rel)
    assert res.timing.response.tolist() == resp.tolist()
    assert res.response_mean == pytest.approx(resp.mean()) and res.response_max == int(resp.max())
    ranked = sorted(resp.tolist())
    assert res.response_p95 == ranked[int(np.ceil(0.95 * 20)) - 1]  # nearest rank: the 19th of 20
    doc = res.to_dict()
    assert (doc["response_mean"], doc["response_p95"], doc["response_max"]) == (
        res.response_mean, res.response_p95, res.response_max)


# -- brute force against a direct enumeration --------------------------------------------------------------
def _linear_extensions(nodes, preds):
    inside = set(nodes)
    for perm in itertools.permutations(nodes):
        seen: set[int] = set()
        ok = True
        for v in perm:
            if any(p in inside and p not in seen for p in preds[v]):
                ok = False
                break
            seen.add(v)
        if ok:
            yield list(perm)


def enumerate_optimum(problem) -> int:
    """The least makespan over every sequence of every resource, timed independently."""
    if problem.type != "dag":
        return min(independent_makespan(problem, {m: list(o) for m in problem.machines})
                   for o in itertools.permutations(range(problem.n)))
    remote = problem.remote_nodes.tolist()
    rem_orders = list(_linear_extensions(remote, problem.preds)) if problem.remote_model == "serial" else [None]
    best = None
    for lo in _linear_extensions(problem.local_nodes.tolist(), problem.preds):
        for uo in itertools.permutations(problem.cut_nodes.tolist()):
            for ro in rem_orders:
                seqs = {"local": lo, "uplink": list(uo), **({"remote": ro} if ro is not None else {})}
                ms = independent_makespan(problem, seqs)
                best = ms if best is None else min(best, ms)
    return best


@pytest.mark.parametrize("seed", range(10))
def test_bruteforce_flow_with_release(seed):
    rng = np.random.default_rng(seed)
    p = random_fm(5, m=3, seed=seed, high=30) if seed % 2 else random_j2(5, seed=seed, high=30)
    p = p.with_release(_releases(rng, 5, 80))
    res = solve(p, "bruteforce")
    assert res.status == "optimal" and res.makespan == enumerate_optimum(p)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("remote_model", ["negligible", "serial", "parallel"])
def test_bruteforce_dag_with_release(seed, remote_model):
    d = _two_job_dag(seed, remote_model, w_rtt=3 * (seed % 2))
    if len(d.cut_nodes) > 4 or len(d.local_nodes) > 6:
        d = _two_job_dag(seed + 50, remote_model)
    res = solve(d, "bruteforce")
    assert res.status == "optimal" and res.makespan == enumerate_optimum(d)


@pytest.mark.parametrize("seed", range(3))
def test_joint_optimum_with_release_by_enumeration(seed):
    rng = np.random.default_rng(seed)
    jp = JointProblem([_dnn("a"), _dnn("b")], UNIT, remote_model="serial", release=_releases(rng, 2, 60))
    best_bf = best_direct = None
    for ks in itertools.product(range(1, 4), repeat=2):
        parts = [Partition(dnn, list(range(k))) for dnn, k in zip(jp.jobs, ks)]
        d = jp.dag(parts)
        assert d.release.tolist() == jp.release.tolist()
        bf = solve(d, "bruteforce").makespan
        direct = enumerate_optimum(d)
        assert bf == direct
        best_bf = bf if best_bf is None else min(best_bf, bf)
        best_direct = direct if best_direct is None else min(best_direct, direct)
    assert best_bf == best_direct
    assert best_bf >= int(jp.release.max())


# -- methods that do not support release times --------------------------------------------------------------
def test_no_release_applies_check():
    def order_only(problem, *, time_limit=None):
        return SolverOutput(Schedule.from_order(range(problem.n)))

    register("test-no-release", order_only, problems=("j2",), applies=all_of(no_release, lambda p: None))
    try:
        p = J2Problem([1, 2], [2, 1])
        assert solve(p, "test-no-release").makespan == 4
        with pytest.raises(ValidationError, match=r"does not support release times \(r_j > 0\)"):
            solve(p.with_release([0, 5]), "test-no-release")
    finally:
        _REGISTRY.pop("test-no-release", None)
    assert no_release(JointProblem([_dnn("a")], UNIT, release=[1])) is not None
    assert no_release(JointProblem([_dnn("a")], UNIT)) is None
    assert all_of(lambda p: None, lambda p: "second")(None) == "second"


# -- files and command line -------------------------------------------------------------------------------
def _problems():
    d = _two_job_dag(1, "serial")
    return [J2Problem([3, 1], [2, 5], release=[0, 4]), FmProblem([[1, 2, 3], [3, 2, 1]], release=[5, 0], w_rtt=2),
            d, JointProblem([_dnn("a"), _dnn("b")], UNIT, release=[9, 0])]


@pytest.mark.parametrize("k", range(4))
def test_json_round_trip(tmp_path, k):
    p = _problems()[k]
    save(p, tmp_path / "p.json")
    doc = json.loads((tmp_path / "p.json").read_text())
    assert doc["schema_version"] == 3 and doc["release"] == p.release.tolist()
    q = load(tmp_path / "p.json")
    assert type(q) is type(p) and q.release.tolist() == p.release.tolist()
    assert to_dict(q) == doc
    # version 2 (and 1) documents load with zeros and refuse the key
    old = {key: v for key, v in doc.items() if key != "release"}
    if k < 3:
        assert from_dict({**old, "schema_version": 2}).release.tolist() == [0] * len(p.release)
    with pytest.raises(ValidationError, match="unknown field 'release'"):
        from_dict({**doc, "schema_version": 2})
    plain = to_dict(p.with_release(None))  # without release times: version 2, as before (same problem hash)
    assert "release" not in plain and plain["schema_version"] == 2


def test_json_release_messages_name_the_job():
    doc = {"type": "j2", "jobs": ["x", "y"], "a": [1, 2], "b": [2, 1], "release": [0, -3]}
    with pytest.raises(ValidationError, match=r"release\[1\]: must be >= 0, got -3 \(job 1: 'y'\)"):
        from_dict(doc)
    with pytest.raises(ValidationError, match=r"release\[0\]: expected an integer, got 0.5"):
        from_dict({**doc, "release": [0.5, 1]})


def test_cli_release(tmp_path, capsys):
    f = tmp_path / "p.json"
    f.write_text(json.dumps({"type": "j2", "a": [3, 1, 4], "b": [2, 5, 1], "release": [0, 10, 2]}))
    assert main(["solve", str(f), "-m", "bruteforce", "--json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert "makespan 16" in out and "response mean 5.7  p95 6  max 6" in out
    assert json.loads((tmp_path / "r.json").read_text())["response_max"] == 6
    assert main(["evaluate", str(f), "--order", "0", "1", "2"]) == 0
    assert "makespan 17" in capsys.readouterr().out
    for bad, fragment in [([0, -1, 2], "must be >= 0"), ([0, 1.5, 2], "expected an integer"),
                          ([0, 1], "release has 2 entries for 3 jobs")]:
        f.write_text(json.dumps({"type": "j2", "a": [3, 1, 4], "b": [2, 5, 1], "release": bad}))
        assert main(["solve", str(f), "-m", "bruteforce"]) == 2
        err = capsys.readouterr().err
        assert fragment in err and err.count("\n") == 1 and "Traceback" not in err


# -- the results database -----------------------------------------------------------------------------------
def test_results_db_migrates_response_columns(tmp_path):
    path = tmp_path / "r.sqlite"
    ResultsDB(path).close()
    con = sqlite3.connect(path)
    for c in ADDED_COLUMNS:  # an older database: without the response columns
        con.execute(f"ALTER TABLE runs DROP COLUMN {c}")
    con.commit()
    con.close()
    with ResultsDB(path, create=False) as db:
        assert all(db.frame("none")[c].isna().all() for c in ADDED_COLUMNS)
    from offloadsched.bench.runner import result_fields

    res = solve(J2Problem([3, 1, 4], [2, 5, 1], release=[0, 10, 2]), "bruteforce")
    rec = {"group_name": "g", "family": "f", "instance": "i", "method": "bruteforce", "method_name": "bruteforce",
           "kind": "exact", **result_fields(res)}
    with ResultsDB(path) as db:
        db.write_unit("s", "u", [rec])
        row = db.frame("s").iloc[0]
    assert (row["response_mean"], row["response_p95"], row["response_max"]) == (
        pytest.approx(17 / 3), 6, 6)
