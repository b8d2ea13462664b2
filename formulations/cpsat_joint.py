"""CP-SAT model of the joint problem: every job's partition and the schedule of the resulting
problem D together (MODEL.md "Joint problem"; seed 001 P1, which the papers only brute-force).

Per layer ``v`` (all jobs side by side, numbered as :meth:`JointProblem.dag` numbers them):

* ``L[v]``: the layer runs locally; the input layer is local; ``L[v] => L[p]`` per predecessor.
* ``U[v]``: ``v`` is a cut-point (its output is uploaded): ``U[v] >= L[v] - L[s]`` per successor
  ``s``, ``U[v] <= L[v]`` and ``U[v] => OR(not L[s])``, so ``U[v] = L[v] and some successor is
  remote``.
* Optional fixed-size intervals: local compute (present iff ``L[v]``, NoOverlap on the device),
  upload (present iff ``U[v]``, NoOverlap on the uplink), remote compute (serial / parallel
  remote only; present iff not ``L[v]``; NoOverlap on the server when serial).
* The precedences of problem D, enforced on presence: local after local predecessors; upload
  after its compute; a remote layer after each remote predecessor's remote compute, or after a
  local predecessor's upload.  Makespan >= every present operation's end, plus ``w_rtt`` after an
  upload or a remote compute (MODEL.md section 1: an offloading job completes ``w_rtt`` after its
  last upload or remote operation; every upload belongs to an offloading job, and a job with a
  remote layer has an upload, its input being local); redundant: makespan >= local load and >=
  uplink load (+ ``w_rtt`` when some layer is uploaded).

Release times ``r_k`` (MODEL.md "Release times"): every start variable of job ``k``'s layers (local
compute, upload, remote compute) has the lower bound ``r_k``; an absent interval constrains nothing,
and no other constraint assumes time-0 starts (the load rows above stay valid lower bounds), so the
model's optima are the joint optima with release.  Warm starts are scored by the core's evaluator
(with release), and absent intervals are hinted at ``r_k``.  Redundant rows that CP-SAT does not
derive from the optional intervals (its bound stalls far below the optimum of a stream without
them): ``makespan >= r_k + A_k``, ``A_k`` a proven lower bound on job ``k``'s makespan alone (this
model on its DNN by itself; once per distinct DNN, within a tenth of the time limit), the core's lower
bound (:func:`offloadsched.bounds.lower_bound`) on the makespan variable, and for release levels ``t``,
``makespan >= t +`` the local load, and ``>= t +`` the upload load, of the jobs released at ``t`` or
later (their operations all run on one machine after ``t``).

Size for N layers in all: N + (layers with successors) Booleans, up to 3 N intervals and
integer starts, 2-3 NoOverlap, about 2 E reified precedences for E arcs, 3 N makespan links.

Symmetry breaking (identical jobs: the same graph, the same times and the same release time).  Swapping two identical
jobs layer by layer, partitions included, maps every solution to one of equal makespan, so any
function of a job's partition and schedule may be used to sort the jobs of a group.  The key
used is lexicographic (local load ``a_k = sum f[v] L[v]``, then ``T_k`` = the start of the
input's upload when the input is a cut-point, else the start of the compute of the input's
first successor, which is then local), encoded as ``a_k (H + 1) + T_k`` with ``0 <= T_k <= H``
(``H`` = the horizon); consecutive identical jobs must have non-decreasing keys.

References (docs/REFERENCES.md): [Seed001].
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

import offloadsched
from offloadsched.bounds import lower_bound as core_lower_bound
from offloadsched.errors import ValidationError
from offloadsched.evaluate import evaluate
from offloadsched.partition import Partition
from offloadsched.problems import ANSWER_SECONDS_PER_LAYER, JointProblem, check_answer_fits
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule, fifo_schedule

from . import _cpsat
from ._cpsat import cp_model

WARM_START = ("hps", "jps", "po")
#: share of the time limit for the lower bounds of jobs alone (release times, :func:`_alone_bounds`)
ALONE_SHARE = 0.1
#: release levels with load rows (:func:`_release_rows`)
RELEASE_LEVELS = 32


def solve_joint(problem: JointProblem, *, time_limit: float | None = None, workers: int = _cpsat.DEFAULT_WORKERS,
                hint: bool = True, log: bool = False, seed: int | None = None) -> SolverOutput:
    """CP-SAT joint partitioning and scheduling (exact; contains problem D, NP-hard).

    Warm start: the best of ``hps``, ``jps``, ``po`` (when registered; each given what is left of half the
    time limit), local-only for every job and, with release times, the partitions those heuristics choose
    without release times with the jobs in order of release (within a quarter of the limit).  Limits: a
    joint problem whose answer (problem D of every layer) cannot be built and checked within the time
    limit is refused (:func:`offloadsched.problems.check_answer_fits`), and that cost is kept from the
    limit; a model whose estimated building time exceeds what is left
    (:func:`offloadsched.formulations._cpsat.too_big`), or that is still being built when the limit
    passes, is abandoned: the warm start is returned with status feasible and ``info["note"]`` saying so."""
    opts = _cpsat.common_options(time_limit, workers, hint, log, seed)
    jp = problem
    check_answer_fits(jp, opts.time_limit, "cpsat-joint")
    # what the answer costs (problem D, solve()'s checks) is kept from the limit
    opts = replace(opts, time_limit=max(0.1, opts.time_limit - jp.size * ANSWER_SECONDS_PER_LAYER))
    alone = _alone_bounds(jp, opts) if jp.has_release and len(jp.jobs) > 1 else []
    lo = [Partition.local_only(d) for d in jp.jobs]
    base = jp.dag(lo)  # the numbering, arcs and times (f, u, r) of every layer
    lo_warm = _cpsat.Warm("local-only", evaluate(base, Schedule({"local": base.local_nodes})), base, lo)
    extra = [lo_warm]
    if jp.has_release and opts.hint:  # partitions chosen without release times, jobs in order of release
        extra += _release_ordered(jp, deadline=opts.t0 + opts.time_limit / 4)
    # the heuristics get what is left of half the limit, each through solve(..., time_limit=...)
    warm = _cpsat.warm_start(jp, WARM_START if opts.hint else (), extra=extra,
                             deadline=opts.t0 + opts.time_limit / 2, limit_methods=True)
    n = len(base)
    lower = 0
    if jp.has_release:  # job k alone from r_k, and the core's bound
        lower = max([core_lower_bound(jp)] + [r + a for r, a in zip(jp.release.tolist(), alone)])
    if jp.has_release and warm.makespan <= lower:
        return _cpsat.unbuilt(warm, "warm start equals a lower bound (release times)",
                              model_name="cpsat-joint", lower=lower)
    reason = _cpsat.too_big(opts, 8 * n + 3 * sum(len(ps) for ps in base.preds))
    if reason:
        return _cpsat.unbuilt(warm, reason, model_name="cpsat-joint", lower=lower)
    H = warm.makespan
    f, u, r = base.f.tolist(), base.u.tolist(), base.r.tolist()
    preds, succs = base.preds, base.succs
    remote = jp.remote_model != "negligible"
    w = jp.platform.rtt_us
    rel = jp.release[base.job].tolist()  # per layer: its job's release time
    groups, nodes = _cpsat.job_groups(preds, base.job, (base.f, base.u, base.r, np.asarray(rel)))
    inputs = {vs[0] for vs in nodes}

    m = cp_model.CpModel()
    mk = m.new_int_var(min(lower, H), H, "makespan")
    L = [m.new_bool_var(f"L{v}") for v in range(n)]
    sc = [m.new_int_var(rel[v], max(rel[v], H - f[v]), f"sc{v}") for v in range(n)]
    ic = [m.new_optional_fixed_size_interval_var(sc[v], f[v], L[v], f"c{v}") for v in range(n)]
    U: dict[int, cp_model.IntVar] = {}
    su: dict[int, cp_model.IntVar] = {}
    iu = []
    sr: dict[int, cp_model.IntVar] = {}
    ir = []
    for v in range(n):
        if v % 1000 == 0 and _cpsat.over_time(opts):
            return _cpsat.unbuilt(warm, _cpsat.over_time(opts) or "", model_name="cpsat-joint", lower=lower)
        if v in inputs:
            m.add(L[v] == 1)
        for p in preds[v]:
            m.add_implication(L[v], L[p])
            m.add(sc[v] >= sc[p] + f[p]).only_enforce_if(L[v])
        m.add(mk >= sc[v] + f[v]).only_enforce_if(L[v])
        if succs[v]:
            U[v] = m.new_bool_var(f"U{v}")
            for s in succs[v]:
                m.add_bool_or([~L[v], L[s], U[v]])
            m.add_implication(U[v], L[v])
            m.add_bool_or([~L[s] for s in succs[v]]).only_enforce_if(U[v])
            su[v] = m.new_int_var(rel[v], max(rel[v], H - u[v]), f"su{v}")
            iu.append(m.new_optional_fixed_size_interval_var(su[v], u[v], U[v], f"u{v}"))
            m.add(su[v] >= sc[v] + f[v]).only_enforce_if(U[v])
            m.add(mk >= su[v] + u[v] + w).only_enforce_if(U[v])
        if remote and v not in inputs:
            sr[v] = m.new_int_var(rel[v], max(rel[v], H - r[v]), f"sr{v}")
            ir.append(m.new_optional_fixed_size_interval_var(sr[v], r[v], ~L[v], f"r{v}"))
            m.add(mk >= sr[v] + r[v] + w).only_enforce_if(~L[v])
    if remote:  # remote layer after each predecessor's upload (local) or remote compute (remote)
        for v in sr:
            for p in preds[v]:
                m.add(sr[v] >= su[p] + u[p]).only_enforce_if([~L[v], L[p]])
                if p in sr:
                    m.add(sr[v] >= sr[p] + r[p]).only_enforce_if([~L[v], ~L[p]])
    m.add_no_overlap(ic)
    m.add_no_overlap(iu)
    if jp.remote_model == "serial":
        m.add_no_overlap(ir)
    m.add(mk >= sum(f[v] * L[v] for v in range(n)))
    if jp.has_release:
        _release_rows(m, mk, jp.release.tolist(), nodes, f, u, L, U, alone)
    uploads = sum(u[v] * U[v] for v in U)
    offload = None
    if w and U:
        offload = m.new_bool_var("offloads")  # some layer is uploaded
        m.add_max_equality(offload, list(U.values()))
        m.add(mk >= uploads + w * offload)
    else:
        m.add(mk >= uploads)
    m.minimize(mk)

    # symmetry breaking: key_k = a_k (H + 1) + T_k non-decreasing within each group
    key_var = {}
    for g in groups:
        for k in g:
            vs = nodes[k]
            load = sum(f[v] * L[v] for v in vs)
            t = 0
            v0 = vs[0]
            if succs[v0]:
                t = m.new_int_var(0, H, f"T{k}")
                m.add(t == su[v0]).only_enforce_if(U[v0])
                m.add(t == sc[min(succs[v0])]).only_enforce_if(~U[v0])
            key_var[k] = (load, t)
        for a, b in zip(g, g[1:]):
            (la, ta), (lb, tb) = key_var[a], key_var[b]
            m.add(la * (H + 1) + ta <= lb * (H + 1) + tb)

    if opts.hint:
        _add_hint(m, warm, base, nodes, groups, L, U, sc, su, sr, key_var, mk)
        if offload is not None:
            m.add_hint(offload, bool(warm.problem.cut.any()))

    def extract(solver: cp_model.CpSolver) -> _cpsat.Candidate:
        local = np.array([solver.boolean_value(x) for x in L], dtype=bool)
        parts = [Partition(d, local[vs]) for d, vs in zip(jp.jobs, nodes)]
        dag = jp.dag(parts)
        seqs = {"local": _seq(solver, np.flatnonzero(local), sc, f),
                "uplink": _seq(solver, [v for v in U if solver.boolean_value(U[v])], su, u)}
        if jp.remote_model == "serial":
            seqs["remote"] = _seq(solver, np.flatnonzero(~local), sr, r)
        return _cpsat.Candidate(Schedule(seqs), dag, parts)

    rn = _cpsat.run(m, opts)
    return _cpsat.package(rn, extract, warm, model_name="cpsat-joint", info={"identical_groups": len(groups)},
                          lower=lower)


def _alone_bounds(jp: JointProblem, opts: _cpsat.Options) -> list[int]:
    """Per job: a proven lower bound on its makespan alone (this method on the job's DNN by itself, without
    release times, through :func:`offloadsched.solve`; once per distinct DNN, within :data:`ALONE_SHARE` of
    the time limit; 0 where none is known)."""
    deadline = opts.t0 + ALONE_SHARE * opts.time_limit
    members: dict[tuple, list[int]] = {}
    for k, (d, (f, u, r)) in enumerate(zip(jp.jobs, jp.times)):
        members.setdefault((d.name, d.preds, f.tobytes(), u.tobytes(), r.tobytes()), []).append(k)
    out = [0] * len(jp.jobs)
    for same in members.values():
        if time.perf_counter() >= deadline:
            break
        one = JointProblem([jp.jobs[same[0]]], jp.platform, remote_model=jp.remote_model)
        res = offloadsched.solve(one, "cpsat-joint", time_limit=max(0.1, deadline - time.perf_counter()),
                                 workers=opts.workers, seed=opts.seed)
        bound = int(res.bound or 0) if res.status in ("optimal", "feasible") else 0
        for j in same:
            out[j] = bound
    return out


def _release_ordered(jp: JointProblem, deadline: float) -> list[_cpsat.Warm]:
    """Warm starts for release times: the partitions :data:`WARM_START` choose for the problem without
    release times (through :func:`offloadsched.solve`, each given what is left until ``deadline``), every
    job's local layers in order of release (:func:`~offloadsched.schedule.fifo_schedule`)."""
    free = jp.with_release(None)
    out = []
    for name in WARM_START:
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        try:
            res = offloadsched.solve(free, name, time_limit=left)
        except ValidationError:  # not registered, or refuses the instance
            continue
        if res.partitions is None or res.status == "error":
            continue
        dag = jp.dag(res.partitions)
        out.append(_cpsat.Warm(f"{name} partitions in release order", evaluate(dag, fifo_schedule(dag)), dag,
                               res.partitions))
    return out


def _release_rows(m: cp_model.CpModel, mk: cp_model.IntVar, release: list[int], nodes: list[list[int]],
                  f: list[int], u: list[int], L: list, U: dict, alone: list[int]) -> None:
    """Lower bounds from the release times (module docstring): job ``k`` alone, from ``r_k``; the local and
    upload loads of the jobs released at ``t`` or later, from ``t`` (at most :data:`RELEASE_LEVELS`
    values of ``t``, spread over the distinct release times)."""
    for k, a in enumerate(alone):
        if a:
            m.add(mk >= release[k] + a)
    levels = sorted(set(release) - {0})
    if len(levels) > RELEASE_LEVELS:
        levels = [levels[round(i * (len(levels) - 1) / (RELEASE_LEVELS - 1))] for i in range(RELEASE_LEVELS)]
    for t in levels:
        later = [v for k, vs in enumerate(nodes) if release[k] >= t for v in vs]
        m.add(mk >= t + sum(f[v] * L[v] for v in later))
        m.add(mk >= t + sum(u[v] * U[v] for v in later if v in U))


def _seq(solver: cp_model.CpSolver, items, start, dur) -> list[int]:
    items = [int(v) for v in items]
    return _cpsat.sequence(items, [solver.value(start[v]) for v in items], [dur[v] for v in items])


def _add_hint(m, warm, base, nodes, groups, L, U, sc, su, sr, key_var, mk) -> None:
    """Hint every variable from the warm start, relabelled so that it satisfies the
    symmetry-breaking order (absent intervals get their job's release time)."""
    dag = warm.problem
    rel = base.release[base.job].tolist()
    starts = _cpsat.timing_starts(warm.timing)
    f = base.f

    def key(k: int) -> tuple[int, int]:
        vs = nodes[k]
        v0 = vs[0]
        if not base.succs[v0]:
            t = 0
        elif dag.cut[v0]:
            t = starts["upload", v0]
        else:
            t = starts["compute", min(base.succs[v0])]
        return int(f[vs][dag.local[vs]].sum()), t

    jmap = _cpsat.relabeling(groups, key)  # target job -> source job
    src = {v: v for v in range(len(base))}
    for target, source in jmap.items():
        src.update(zip(nodes[target], nodes[source]))
    for v in range(len(base)):
        w = src[v]
        m.add_hint(L[v], bool(dag.local[w]))
        m.add_hint(sc[v], starts.get(("compute", w), rel[v]))
        if v in U:
            m.add_hint(U[v], bool(dag.cut[w]))
            m.add_hint(su[v], starts.get(("upload", w), rel[v]))
        if v in sr:
            m.add_hint(sr[v], starts.get(("remote", w), rel[v]))
    for k, (_, t) in key_var.items():
        if not isinstance(t, int):
            m.add_hint(t, key(jmap.get(k, k))[1])
    m.add_hint(mk, warm.makespan)
