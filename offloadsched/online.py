"""Online simulation: jobs revealed at their release times, decided by a policy (issue 25 part 4).

:func:`simulate` plays a problem with release times (MODEL.md, "Release times") forward in time.
A policy sees job ``j`` only from ``r_j`` on and never preempts an operation; the realised schedule
goes through the same evaluator and checker as every method (:func:`offloadsched.solve`'s result path),
so the :class:`~offloadsched.solve.Result`'s makespan and response times are the evaluator's.

**Decisions.**  The first resource (machine 1 of a flow problem, the device of a DAG or joint problem)
drives the simulation.  Whenever it is free and some released job has not started, the policy picks
the next job among the released, unstarted ones (non-delay: the device never idles while a job waits);
when it is free and none waits, the next arrival starts at once (it is then the only candidate).
Arrivals while the device is busy wait for the next decision, which sees every job released by then.

**What is committed, and when.**

* A flow job (J2, Fm) is committed when its first operation starts: its place in the one job order
  (permutation flow shop) is then fixed on every machine; each later operation starts when its
  machine and its previous operation allow (the evaluator's semi-active rule).
* A DAG or joint job is committed when its first local layer starts: a joint job's partition is
  fixed then, and the device runs the job's local layers one after another (the policy's order
  for that job, a linear extension) before it starts another job: the device's order is committed
  job by job as it goes.  Uploads run first-come first-served in the order their layers finish
  computing (the device order); a ``serial`` server runs its ready remote layers earliest-ready
  first (the evaluator's list rule, which looks only at the past), a ``parallel`` server at once.

**Policies.**

* ``"fifo"``: the released job with the earliest release (ties by index).
* ``"greedy"``: the released job that would complete earliest if started next (ties by release,
  then index), from the current state of every machine.
* any registered method name (``"johnson"``, ``"neh"``, ``"po"``, ``"jps"``, ...): rolling horizon.
  At a decision where a job has arrived since the last plan (and there is a choice to make), the
  sub-problem of the released, unstarted jobs is built - a joint sub-problem of their DNNs, so the
  method chooses their partitions too - and solved with :func:`offloadsched.solve`; its plan (the job
  order, the order of the device's first operations, with each job's partition and local order) is
  then followed, one job committed per decision, until the next arrival triggers a re-plan.  Every
  job of a sub-problem is released (its release time there is 0).  Committed work enters a flow
  re-plan as heads: when a machine is still busy with committed jobs, the sub-problem gets one extra
  job at index 0 whose times are the machines' remaining committed busy spans (``h_1 = 0``,
  ``h_i - h_(i-1)``), which reproduces the availability of every machine when it runs first
  (Johnson's rule always keeps it first: its ``a`` is 0; another method may place it elsewhere, and
  the plan's order of the real jobs is followed either way); it is dropped from the plan.  A DAG or joint
  re-plan sees the waiting jobs alone (the uplink's and server's backlog is not in the sub-problem).
  A sub-problem is solved once: an identical one later (same jobs' times, same heads) reuses the plan.

For ``fifo`` and ``greedy`` a joint job's partition is the one that completes the job earliest if it
starts now, among the prefixes of its layers in index order (a topological order: the first k + 1
layers local, k = 0 cloud-only .. all layers local-only); its local layers run in index order.  The
completion estimate of a DAG or joint job is exact for the device and the uplink; its remote part
assumes the job's remote layers run after its last upload, one after another on a ``serial`` server
(after the server's estimated backlog) or along their longest path on a ``parallel`` one.

Cost: O(n log n) for the arrivals plus, per decision, O(w) for ``fifo`` (w jobs waiting), O(w m) or
O(w L) for ``greedy`` (m machines, L layers of a candidate partition, all candidates of a joint job),
and one :func:`~offloadsched.solve` of the w waiting jobs per re-plan; the final evaluation and check
are O(n + e).  At a load below 100 % few jobs wait, so a stream of 10^4 jobs takes seconds
(``benchmarks/bench_simulate.py``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .errors import ValidationError
from .evaluate import evaluate
from .partition import Partition
from .problems import DagProblem, FmProblem, J2Problem, JointProblem, Problem, problem_type, release_order
from .registry import Option, SolverOutput, get_method, register
from .schedule import Schedule, Timing
from .units import is_real
from .vocab import FLOW_TYPES, PROBLEM_TYPES, ProblemType, Status

if TYPE_CHECKING:
    from .solve import Result

#: The policies that are not registered methods.
BUILTIN_POLICIES = ("fifo", "greedy")


def policy_names(ptype: ProblemType | None = None) -> list[str]:
    """Every policy name: :data:`BUILTIN_POLICIES` and the registered methods (accepting ``ptype``)."""
    from .registry import methods

    return [*BUILTIN_POLICIES, *(m.name for m in methods(ptype) if m.name != "online" and m.name
                                 not in BUILTIN_POLICIES)]


def check_policy(policy: Any, ptype: ProblemType | None = None) -> str:
    """``policy`` if it names a policy (accepting ``ptype`` problems when given), else one
    :class:`ValidationError` naming it and listing the known ones."""
    if not isinstance(policy, str):
        raise ValidationError(f"online policy must be a string (fifo, greedy or a method name), got {policy!r}"[:200])
    names = policy_names()
    if policy not in names:
        raise ValidationError(f"unknown online policy {policy!r}; policies: {', '.join(names)}")
    if ptype is not None and policy not in BUILTIN_POLICIES:
        spec = get_method(policy)
        if ptype not in spec.problems:
            raise ValidationError(f"online policy {policy!r} does not accept {ptype} problems "
                                  f"(it takes {', '.join(spec.problems)})")
    return policy


@dataclass(frozen=True)
class PolicyOption(Option):
    """The declared type of the ``online`` method's ``policy`` option: a string naming a policy
    (:func:`policy_names`; the list depends on the registered methods, so it is read when checked)."""

    def check(self, name: str, value: Any, method: str) -> Any:
        try:
            return check_policy(value)
        except ValidationError as exc:
            raise ValidationError(f"method {method!r}: {name}: {exc}") from None

    def describe(self) -> str:
        return "fifo, greedy or a registered method name"


def simulate(problem: Problem, policy: str, *, time_limit: float | None = None, seed: int | None = None,
             **options: Any) -> Result:
    """Simulate ``problem``'s jobs arriving at their release times under ``policy`` (see the module).

    Parameters
    ----------
    problem : J2Problem, FmProblem, DagProblem or JointProblem
        With release times (all 0 is allowed: one plan of everything, then followed).
    policy : str
        ``"fifo"``, ``"greedy"`` or a registered method name (rolling horizon).
    time_limit : float or None
        Seconds per re-plan, passed to the policy's method.
    seed : int or None
        Passed to the policy's method when it takes a ``seed``.
    **options
        Further options of the policy's method.

    Returns
    -------
    Result
        ``method`` ``"online"``, ``options`` with the policy; the realised schedule scored by the
        evaluator and checked (a joint problem's ``problem`` is problem D of the realised partitions).
        ``info`` holds the number of decisions, re-plans and method calls; status ``heuristic``, or
        ``error`` with ``info["inconsistency"]`` should the evaluator's timing differ from the simulated one.

    Raises
    ------
    ValidationError
        An unknown policy or option, a method that does not accept the problem, a DAG problem whose
        jobs share an arc.

    Examples
    --------
    >>> from offloadsched import J2Problem
    >>> p = J2Problem([3, 1, 4], [2, 5, 1], release=[0, 2, 2])
    >>> r = simulate(p, "fifo")
    >>> r.makespan, r.schedule["local"].tolist()
    (11, [0, 1, 2])
    >>> simulate(p, "johnson").makespan
    11
    """
    from .solve import _score

    t0 = time.perf_counter()
    out, sim = _run(problem, policy, time_limit=time_limit, seed=seed, options=options)
    wall = time.perf_counter() - t0
    opts: dict[str, Any] = {"policy": policy, **options}
    if seed is not None:
        opts["seed"] = seed
    if time_limit is not None:
        opts["time_limit"] = time_limit
    result = _score(problem, problem_type(problem), "heuristic", "online", out, wall, options=opts)
    if result.timing is not None and result.status != Status.ERROR:
        why = sim.mismatch(result.problem, result.timing)
        if why:
            result.info["inconsistency"] = why
            result.status = Status.ERROR
    return result


def online(problem: Problem, *, time_limit: float | None = None, policy: str = "greedy",
           seed: int | None = None) -> SolverOutput:
    """The registered method ``online``: :func:`simulate` under ``policy`` (one benchmark row per policy).

    ``solve(problem, "online", policy="po")`` gives the same schedule as ``simulate(problem, "po")``;
    it refuses a problem without release times (nothing arrives over time: solve it offline)."""
    out, sim = _run(problem, policy, time_limit=time_limit, seed=seed, options={})
    scheduled = cast(JointProblem, problem).dag(cast(list, out.partitions)) if problem.type == "joint" else problem
    why = sim.mismatch(scheduled, evaluate(scheduled, cast(Schedule, out.schedule)))
    if why:
        return SolverOutput(out.schedule, status=Status.ERROR, partitions=out.partitions,
                            info={**out.info, "inconsistency": why})
    return out


def needs_release(problem: Problem) -> str | None:
    """The ``online`` method's ``applies`` check: a problem with release times, and (DAG) independent jobs."""
    if not problem.has_release:
        return ("it simulates jobs arriving over time and the problem has no release times (every r_j = 0): "
                "solve it offline, or use simulate()")
    return independent_jobs(cast(DagProblem, problem)) if problem.type == "dag" else None


def independent_jobs(problem: DagProblem) -> str | None:
    """Why the jobs of a DAG problem are not independent (an arc between two jobs), or None."""
    job = problem.job
    for v, ps in enumerate(problem.preds):
        for p in ps:
            if job[p] != job[v]:
                return (f"node {problem.names[v]!r} of job {problem.job_names[job[v]]!r} has predecessor "
                        f"{problem.names[p]!r} of job {problem.job_names[job[p]]!r}: online jobs must be independent")
    return None


# -- the simulation ------------------------------------------------------------------------------------------

def _run(problem: Problem, policy: str, *, time_limit: float | None, seed: int | None,
         options: dict[str, Any]) -> tuple[SolverOutput, _Machines]:
    """The realised schedule of ``policy`` on ``problem`` and the simulated state that produced it."""
    ptype = problem_type(problem)
    check_policy(policy, ptype)
    if ptype == "dag":
        why = independent_jobs(cast(DagProblem, problem))
        if why:
            raise ValidationError(f"online: {why}")
    if time_limit is not None and (not is_real(time_limit) or not math.isfinite(time_limit) or not time_limit > 0):
        raise ValidationError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    extra = dict(options, **({"seed": seed} if seed is not None else {}))
    if policy in BUILTIN_POLICIES and extra:
        raise ValidationError(f"online policy {policy!r} takes no options, got {', '.join(map(repr, extra))}")
    if policy not in BUILTIN_POLICIES:  # checked now: a method may never be called (one job waiting at a time)
        from .solve import check_options

        spec = get_method(policy)
        check_options(spec.load(), policy, extra)
        extra = spec.check_options(extra)
        why = spec.not_applicable(problem.with_release(None))  # its sub-problems are all released
        if why:
            raise ValidationError(f"online policy {policy!r} does not apply to this problem: {why}")
    release = np.asarray(problem.release, dtype=np.int64)
    n = release.size
    sim: _Machines
    if ptype in FLOW_TYPES:
        sim = _Flow(cast(FmProblem, problem))
    else:
        sim = _Jobs(cast(DagProblem | JointProblem, problem))
    chooser: _Chooser = (_Rule(sim, policy) if policy in BUILTIN_POLICIES
                         else _Replan(sim, problem, policy, time_limit, extra))
    arrivals = release_order(release).tolist()
    rel = release.tolist()
    waiting: dict[int, None] = {}  # released, unstarted jobs in arrival order
    nxt = decisions = 0
    while nxt < n or waiting:
        t = sim.free
        if not waiting and rel[arrivals[nxt]] > t:
            t = rel[arrivals[nxt]]
        fresh = False
        while nxt < n and rel[arrivals[nxt]] <= t:
            waiting[arrivals[nxt]] = None
            nxt += 1
            fresh = True
        j, choice = chooser.choose(t, list(waiting), fresh)
        del waiting[j]
        sim.commit(j, max(t, rel[j]), choice)
        decisions += 1
    info = {"policy": policy, "decisions": decisions, **chooser.stats()}
    return sim.output(info), sim


class _Machines:
    """The simulated state of a problem's machines (flow or DAG / joint)."""

    free: int  # when the first resource (machine 1, the device) is free

    def completion(self, j: int, t: int, choice: Any) -> int:
        raise NotImplementedError

    def candidates(self, j: int) -> Sequence[Any]:
        raise NotImplementedError

    def commit(self, j: int, start: int, choice: Any) -> None:
        raise NotImplementedError

    def output(self, info: dict) -> SolverOutput:
        raise NotImplementedError

    def mismatch(self, scheduled: Any, timing: Timing) -> str | None:
        raise NotImplementedError


class _Flow(_Machines):
    """A permutation flow shop: the end of the last committed operation on every machine."""

    def __init__(self, problem: FmProblem) -> None:
        self.problem = problem
        self.rows = problem.times.tolist()
        self.m = problem.m
        self.c = [0] * self.m
        self.free = 0
        self.offload = problem.offloading.tolist()
        self.rtt = problem.w_rtt
        self.order: list[int] = []
        self.ends = np.zeros(problem.times.shape, dtype=np.int64)
        self.sim_ends: list[list[int]] = []

    def candidates(self, j: int) -> Sequence[Any]:
        return (None,)

    def completion(self, j: int, t: int, choice: Any) -> int:
        e = t
        for ci, p in zip(self.c, self.rows[j]):
            e = (ci if ci > e else e) + p
        return e + self.rtt if self.rtt and self.offload[j] else e

    def commit(self, j: int, start: int, choice: Any) -> None:
        e = start
        c = self.c
        for i, p in enumerate(self.rows[j]):
            e = (c[i] if c[i] > e else e) + p
            c[i] = e
        self.free = c[0]
        self.order.append(j)
        self.sim_ends.append(c.copy())

    def heads(self, t: int) -> list[int]:
        """Each machine's committed busy span after ``t`` (non-decreasing; 0 on machine 1 at a decision)."""
        return [max(ci - t, 0) for ci in self.c]

    def output(self, info: dict) -> SolverOutput:
        self.ends[self.order] = np.array(self.sim_ends, dtype=np.int64).reshape(len(self.order), self.m)
        return SolverOutput(Schedule.from_order(self.order), info=info)

    def mismatch(self, scheduled: Any, timing: Timing) -> str | None:
        got = np.zeros_like(self.ends)
        mach = {name: i for i, name in enumerate(self.problem.machines)}
        got[timing.item, [mach[k] for k in timing.kind.tolist()]] = timing.end
        return _first_difference(got, self.ends, "end of job", self.problem.jobs) or _early(self.problem, timing)


@dataclass(frozen=True)
class _Cand:
    """A DAG / joint job's way to run: its local layers in device order (node ids of the job's DNN or of
    problem D), their cumulative end offsets, its uploads ``(end offset of the layer, u, node)`` in device
    order, its remote work estimate and whether it offloads (pays ``w_rtt``)."""

    local: tuple[int, ...]
    ends: tuple[int, ...]
    uploads: tuple[tuple[int, int, int], ...]
    remote: int
    offloads: bool
    partition: Partition | None = None


def _cand(local: Sequence[int], nodes: Sequence[int], f, u, r, is_local, cut, preds, remote_model: str,
          partition: Partition | None = None) -> _Cand:
    """The :class:`_Cand` of a job of layers ``nodes`` (in index order) whose local layers run in the order
    ``local`` (a linear extension), with the given times and flags."""
    ends, total, uploads = [], 0, []
    for v in local:
        total += int(f[v])
        ends.append(total)
        if cut[v]:
            uploads.append((total, int(u[v]), v))
    remote_nodes = [v for v in nodes if not is_local[v]]
    work = 0
    if remote_model == "serial":
        work = sum(int(r[v]) for v in remote_nodes)
    elif remote_model == "parallel":
        path: dict[int, int] = {}
        for v in remote_nodes:  # index order is topological
            path[v] = int(r[v]) + max((path[p] for p in preds[v] if p in path), default=0)
        work = max(path.values(), default=0)
    return _Cand(tuple(local), tuple(ends), tuple(uploads), work, bool(remote_nodes), partition)


class _Jobs(_Machines):
    """A DAG or joint problem run job by job on the device; uploads first-come first-served."""

    def __init__(self, problem: DagProblem | JointProblem) -> None:
        self.problem = problem
        self.joint = problem.type == "joint"
        self.remote_model = problem.remote_model
        self.free = 0
        self.uplink = 0
        self.server = 0  # estimate (serial remote)
        self.order: list[int] = []
        self.chosen: dict[int, _Cand] = {}
        self.local_start: dict[int, int] = {}  # realised node -> start (simulated)
        self.upload_end: dict[int, int] = {}
        if self.joint:
            jp = cast(JointProblem, problem)
            self.rtt = jp.platform.rtt_us
            sizes = [len(d) for d in jp.jobs]
            self.base = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64).tolist()
            self._prefixes: dict[int, list[_Cand]] = {}
        else:
            d = cast(DagProblem, problem)
            self.rtt = d.w_rtt
            self.base = [0] * d.n_jobs
            order = np.argsort(d.job, kind="stable")
            bounds = np.searchsorted(d.job[order], np.arange(d.n_jobs + 1))
            self.nodes = [order[bounds[k]:bounds[k + 1]].tolist() for k in range(d.n_jobs)]
            self._fixed: dict[int, _Cand] = {}

    # the candidates of the builtin policies
    def candidates(self, j: int) -> Sequence[_Cand]:
        if not self.joint:
            if j not in self._fixed:
                d = cast(DagProblem, self.problem)
                local = [v for v in self.nodes[j] if d.local[v]]
                self._fixed[j] = self.dag_cand(j, local)
            return (self._fixed[j],)
        jp = cast(JointProblem, self.problem)
        dnn = jp.jobs[j]
        if id(dnn) not in self._prefixes:
            f, u, r = jp.times[j]
            out = []
            maxsucc = [max(s, default=-1) for s in dnn.succs]
            for k in range(len(dnn)):
                mask = np.zeros(len(dnn), dtype=bool)
                mask[:k + 1] = True
                cut = [v <= k < maxsucc[v] for v in range(len(dnn))]
                part = Partition(dnn, mask)
                out.append(_cand(range(k + 1), range(len(dnn)), f, u, r, mask, cut, dnn.preds, self.remote_model, part))
            self._prefixes[id(dnn)] = out
        return self._prefixes[id(dnn)]

    def dag_cand(self, j: int, local: Sequence[int]) -> _Cand:
        d = cast(DagProblem, self.problem)
        return _cand(local, self.nodes[j], d.f, d.u, d.r, d.local, d.cut, d.preds, self.remote_model)

    def joint_cand(self, j: int, partition: Partition, local: Sequence[int]) -> _Cand:
        jp = cast(JointProblem, self.problem)
        f, u, r = jp.times[j]
        cut = np.zeros(len(partition.local), dtype=bool)
        cut[partition.cut_points] = True
        return _cand(local, range(len(partition.local)), f, u, r, partition.local, cut, partition.dnn.preds,
                     self.remote_model, partition)

    def completion(self, j: int, t: int, choice: _Cand) -> int:
        e = self.uplink
        for off, dur, _ in choice.uploads:
            e = max(e, t + off) + dur
        done = t + (choice.ends[-1] if choice.ends else 0)
        if not choice.offloads:
            return done
        if self.remote_model == "serial":
            e = max(e, self.server) + choice.remote
        else:
            e += choice.remote
        return max(done, e + self.rtt)

    def commit(self, j: int, start: int, choice: _Cand) -> None:
        base = self.base[j]
        prev = start
        for v, end in zip(choice.local, choice.ends):
            self.local_start[base + v] = prev
            prev = start + end
        e = self.uplink
        for off, dur, v in choice.uploads:
            e = max(e, start + off) + dur
            self.upload_end[base + v] = e
        self.uplink = e
        if choice.offloads and self.remote_model == "serial":
            self.server = max(self.server, e) + choice.remote
        self.free = prev
        self.order.append(j)
        self.chosen[j] = choice

    def output(self, info: dict) -> SolverOutput:
        local: list[int] = []
        uplink: list[int] = []
        for j in self.order:
            c, base = self.chosen[j], self.base[j]
            local.extend(base + v for v in c.local)
            uplink.extend(base + v for _, _, v in c.uploads)
        schedule = Schedule({"local": local, "uplink": uplink})
        if not self.joint:
            return SolverOutput(schedule, info=info)
        jp = cast(JointProblem, self.problem)
        parts = [cast(Partition, self.chosen[j].partition) for j in range(len(jp.jobs))]
        return SolverOutput(schedule, partitions=parts, info=info)  # solve() builds problem D of them

    def mismatch(self, scheduled: Any, timing: Timing) -> str | None:
        names = scheduled.names
        comp = timing.kind == "compute"
        up = timing.kind == "upload"
        for mask, sim, what, field in ((comp, self.local_start, "start of", timing.start),
                                       (up, self.upload_end, "end of upload of", timing.end)):
            items = timing.item[mask]
            got = field[mask]
            want = np.array([sim.get(int(v), -1) for v in items.tolist()], dtype=np.int64)
            bad = np.flatnonzero(got != want)
            if bad.size:
                k = int(bad[0])
                return (f"the evaluator's {what} {names[items[k]]!r} is {got[k]}, "
                        f"the simulation's {want[k]}")
        return _early(scheduled, timing)


def _first_difference(got: np.ndarray, want: np.ndarray, what: str, names) -> str | None:
    bad = np.argwhere(got != want)
    if not bad.size:
        return None
    j, i = (int(x) for x in bad[0])
    return f"the evaluator's {what} {names[j]!r} on machine {i + 1} is {got[j, i]}, the simulation's {want[j, i]}"


def _early(problem: Any, timing: Timing) -> str | None:
    """An operation that starts before its job's release (the evaluator guarantees none), or None."""
    job = timing.item if problem.type in FLOW_TYPES else problem.job[timing.item]
    early = np.flatnonzero(timing.start < problem.release[job])
    if not early.size:
        return None
    k = int(early[0])
    return (f"an operation of job {int(job[k])} starts at {timing.start[k]}, "
            f"before its release {problem.release[job[k]]}")


# -- policies ------------------------------------------------------------------------------------------------

class _Chooser:
    def choose(self, t: int, waiting: list[int], fresh: bool) -> tuple[int, Any]:
        raise NotImplementedError

    def stats(self) -> dict[str, int]:
        return {}


class _Rule(_Chooser):
    """``fifo`` (the earliest released waiting job) and ``greedy`` (the earliest completion); both take
    the candidate (partition) of the chosen job that completes earliest."""

    def __init__(self, sim: _Machines, policy: str) -> None:
        self.sim = sim
        self.greedy = policy == "greedy"

    def choose(self, t: int, waiting: list[int], fresh: bool) -> tuple[int, Any]:
        sim = self.sim
        best: tuple[int, int, Any] | None = None
        for rank, j in enumerate(waiting if self.greedy else waiting[:1]):  # waiting is in arrival order
            for cand in sim.candidates(j):
                key = sim.completion(j, t, cand)
                if best is None or key < best[0]:
                    best = (key, rank, cand)
        assert best is not None
        return waiting[best[1]], best[2]


class _Replan(_Chooser):
    """Rolling horizon with a registered method (see the module docstring)."""

    def __init__(self, sim: _Machines, problem: Problem, method: str, time_limit: float | None,
                 options: dict[str, Any]) -> None:
        self.sim = sim
        self.problem = problem
        self.method = method
        self.time_limit = time_limit
        self.options = options
        self.plan: list[tuple[int, Any]] = []
        self.cache: dict[Any, list[tuple[int, Any]]] = {}
        self.replans = self.calls = 0
        self._sig: dict[int, Any] = {}
        self._bound: dict[int, _Cand] = {}

    def stats(self) -> dict[str, int]:
        return {"replans": self.replans, "method_calls": self.calls}

    def choose(self, t: int, waiting: list[int], fresh: bool) -> tuple[int, Any]:
        if fresh or not self.plan:
            self.plan = self._replan(t, waiting)[::-1]  # popped from the end
        j, raw = self.plan.pop()
        return j, self._bind(j, raw)  # bound when committed: a re-plan drops the rest of the old plan

    def _replan(self, t: int, waiting: list[int]) -> list[tuple[int, Any]]:
        sim = self.sim
        if isinstance(sim, _Flow):
            if len(waiting) == 1:
                return [(waiting[0], None)]  # no choice to make
            heads = sim.heads(t)
            key: Any = ("flow", tuple(heads), tuple(tuple(sim.rows[j]) for j in waiting))
        else:
            key = ("jobs", tuple(self._signature(j) for j in waiting))
        self.replans += 1
        if key not in self.cache:
            self.calls += 1
            self.cache[key] = self._solve(t, waiting)
        return [(waiting[i], c) for i, c in self.cache[key]]

    def _signature(self, j: int) -> Any:
        """What a DAG / joint job's sub-problem content is (identical jobs share it)."""
        if j not in self._sig:
            if self.problem.type == "joint":
                self._sig[j] = id(cast(JointProblem, self.problem).jobs[j])
            else:
                d = cast(DagProblem, self.problem)
                nodes = cast(_Jobs, self.sim).nodes[j]
                pos = {v: k for k, v in enumerate(nodes)}
                self._sig[j] = (d.f[nodes].tobytes(), d.u[nodes].tobytes(), d.r[nodes].tobytes(),
                                d.local[nodes].tobytes(), tuple(tuple(pos[p] for p in d.preds[v]) for v in nodes))
        return self._sig[j]

    def _bind(self, j: int, plan: Any) -> Any:
        """A cached plan entry for job ``j`` (a job-relative local order and partition) as a candidate."""
        if plan is None:
            return None
        sim = cast(_Jobs, self.sim)
        partition, local = plan
        if partition is None:
            nodes = sim.nodes[j]
            return sim.dag_cand(j, [nodes[k] for k in local])
        if id(plan) not in self._bound:  # a joint plan entry fits every job of its DNN (plans are kept in the cache)
            self._bound[id(plan)] = sim.joint_cand(j, partition, local)
        return self._bound[id(plan)]

    def _solve(self, t: int, waiting: list[int]) -> list[tuple[int, Any]]:
        """The method's plan of the waiting jobs: ``(position in waiting, job-relative plan)`` in device order."""
        from .solve import solve

        sub, dummy = self._subproblem(t, waiting)
        result = solve(sub, self.method, time_limit=self.time_limit, **self.options)
        if result.schedule is None or result.status == Status.ERROR:
            raise ValidationError(f"online policy {self.method!r}: no schedule for the {len(waiting)} waiting jobs "
                                  f"(status {result.status}: {result.info.get('inconsistency', '')})")
        if sub.type in FLOW_TYPES:
            order = [k - dummy for k in result.schedule.order.tolist() if k >= dummy]
            return [(k, None) for k in order]
        d = cast(DagProblem, result.problem)
        job = d.job
        per_job: dict[int, list[int]] = {}
        first = np.zeros(d.n_jobs + 1, dtype=np.int64)
        np.add.at(first, job + 1, 1)
        first = np.cumsum(first)  # nodes of a sub-problem are job by job
        for v in result.schedule["local"].tolist():
            per_job.setdefault(int(job[v]), []).append(v - int(first[job[v]]))
        for k in range(len(waiting)):  # a job without local layers: after the others (it never holds the device)
            per_job.setdefault(k, [])
        parts = result.partitions
        if parts is not None:
            jp = cast(JointProblem, self.problem)
            for k, part in enumerate(parts):
                if part.dnn is not jp.jobs[waiting[k]] and part.dnn.names != jp.jobs[waiting[k]].names:
                    raise ValidationError(f"online policy {self.method!r} chose a partition of another graph "
                                          f"({part.dnn.name!r}, a fused-layer conversion?); online takes plain "
                                          "partitions of the jobs' DNNs")
        return [(k, (parts[k] if parts is not None else None, local)) for k, local in per_job.items()]

    def _subproblem(self, t: int, waiting: list[int]) -> tuple[Problem, int]:
        """The released, unstarted jobs as a problem of their own (all released: release 0), and the
        number of leading dummy jobs (1 when a flow problem's committed work is still running)."""
        p = self.problem
        if p.type in FLOW_TYPES:
            fp = cast(FmProblem, p)
            heads = cast(_Flow, self.sim).heads(t)
            rows = [list(cast(_Flow, self.sim).rows[j]) for j in waiting]
            dummy = int(any(heads))
            if dummy:
                rows.insert(0, [heads[0]] + [heads[i] - heads[i - 1] for i in range(1, len(heads))])
            times = np.array(rows, dtype=np.int64)
            if isinstance(fp, J2Problem):
                return J2Problem(times[:, 0], times[:, 1], machines=fp.machines, w_rtt=fp.w_rtt), dummy
            return FmProblem(times, machines=fp.machines, w_rtt=fp.w_rtt), dummy
        if p.type == "joint":
            jp = cast(JointProblem, p)
            return JointProblem([jp.jobs[j] for j in waiting], jp.platform, remote_model=jp.remote_model), 0
        d = cast(DagProblem, p)
        nodes = [v for j in waiting for v in cast(_Jobs, self.sim).nodes[j]]
        pos = {v: k for k, v in enumerate(nodes)}
        job_of = {j: k for k, j in enumerate(waiting)}
        return DagProblem(f=d.f[nodes], u=d.u[nodes], r=d.r[nodes], local=d.local[nodes],
                          preds=[[pos[q] for q in d.preds[v]] for v in nodes], remote_model=d.remote_model,
                          names=[d.names[v] for v in nodes], job=[job_of[int(d.job[v])] for v in nodes],
                          job_names=[d.job_names[j] for j in waiting], w_rtt=d.w_rtt), 0


register("online", "offloadsched.online:online", problems=PROBLEM_TYPES, applies=needs_release,
         options={"policy": PolicyOption("str"), "seed": Option("int", 0, 2**31 - 1, none=True)},
         summary="online simulation: jobs revealed at their release times, decided by a policy "
                 "(fifo, greedy or a method re-planned)")
