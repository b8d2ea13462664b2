"""Shared PuLP plumbing of the MIP models: backend choice, run, status, bound and log.

Two backends, chosen by name: ``"cbc"`` (the CBC binary driven through ``pulp.COIN_CMD``'s files) and
``"highs"`` (``pulp.HiGHS``, in process through highspy).  What each returns and how it is read:

* **status** - never PuLP's ``LpStatus``: PuLP reports ``Optimal`` (1) for CBC *and* for HiGHS
  when they stop at the time limit with an incumbent (its ``sol_status`` is then
  ``LpSolutionIntegerFeasible``).  A solution exists when ``sol_status`` is
  ``LpSolutionOptimal`` or ``LpSolutionIntegerFeasible``; the final status is decided by
  :func:`output` from the proven bound: ``optimal`` only when ``ceil(bound) >= makespan``.
* **bound** - CBC: the ``Lower bound:`` line of its log (``Result - Stopped ...``), else the
  ``best possible`` of its last ``Partial search`` line, else the root LP value; a run whose
  ``Result`` line says ``Optimal solution found`` is proven within ``ABS_GAP``.  HiGHS:
  ``Highs.getInfo().mip_dual_bound``.  PuLP never passes the objective's constant term to a
  solver, so both lack it: it is added back here.
* **gaps** - every objective here is an integer number of µs, so the solvers are told to stop
  at an absolute gap of ``ABS_GAP`` < 1 and a relative gap of 0 (HiGHS defaults to 1e-4).
* **time limit** - CBC runs as a child process that :func:`_cbc_subprocess` holds to the limit:
  it gets the time left as ``-sec`` but does not look at it inside its root LP and cut loop (70 s on
  a 2 s limit for ``mip-path`` on 100 jobs x 20 machines), so :data:`CBC_GRACE` after the limit it is
  interrupted (SIGINT: in branch and bound it stops and writes its incumbent) and as long again
  later killed; writing the model counts.  A killed run has no solution (its log, buffered by CBC,
  is usually empty): the method falls back to its warm start or a heuristic schedule (status
  ``feasible``).  On Linux the child dies with its parent (``PR_SET_PDEATHSIG``), so a benchmark
  unit killed at its hard limit leaves no CBC behind.  HiGHS runs in process and honours its
  ``time_limit`` itself, given what is left once PuLP has passed it the model.
* **warm start** - CBC: PuLP's ``warmStart=True`` (an ``-mips`` file of the initial values);
  HiGHS: PuLP's HiGHS has none, so :class:`_HiGHS` passes them to ``Highs.setSolution``.
* **CBC binary** - PuLP 3.3 deprecates its bundled CBC (``PULP_CBC_CMD``) in favour of the
  ``pulp[cbc]`` extra (package ``cbcbox``) and ``COIN_CMD``.  :func:`cbc_path` takes ``cbcbox``'s
  binary when installed, else a ``cbc`` on the PATH, else the binary bundled with PuLP < 4.
"""

from __future__ import annotations

import ctypes
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np
import pulp

from offloadsched.errors import SolverError, ValidationError
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule
from offloadsched.units import is_integer

SOLVERS = ("cbc", "highs")
#: seconds, when ``solve()`` is given no time limit
DEFAULT_TIME_LIMIT = 60.0
#: absolute optimality gap handed to the solvers: objectives are integers, so < 1 proves optimality
ABS_GAP = 0.5
#: seconds: a CBC run still going this long after its time limit is interrupted (SIGINT), and as long
#: again later killed, so :func:`run` with CBC returns within ``time_limit + 2 * CBC_GRACE`` (plus
#: reading the solution back)
CBC_GRACE = 0.5


def check_solver(solver: str) -> str:
    """The backend name, or a ValidationError listing the choices."""
    if solver not in SOLVERS:
        raise ValidationError(f"unknown MIP solver {solver!r}; choices: {', '.join(SOLVERS)}")
    return solver


def check_workers(workers: int | None) -> int | None:
    if workers is not None and (not is_integer(workers) or workers < 1):  # numpy integers too
        raise ValidationError(f"workers must be a positive integer or None, got {workers!r}")
    return workers


def cbc_path() -> str:
    """The CBC executable: ``pulp[cbc]``'s cbcbox, a ``cbc`` on the PATH, or PuLP 3's bundled one."""
    try:
        import cbcbox  # type: ignore[import-not-found]  # the pulp[cbc] extra

        return cbcbox.cbc_bin_path()
    except ImportError:
        pass
    found = shutil.which("cbc")
    if found:
        return found
    legacy = getattr(pulp.apis.coin_api, "PULP_CBC_CMD", None)  # bundled with PuLP < 4.0
    if legacy is not None and os.access(legacy.pulp_cbc_path, os.X_OK):
        return legacy.pulp_cbc_path
    raise SolverError("no CBC executable found: install the pulp[cbc] extra (package cbcbox)")


@dataclass
class MipRun:
    """What one solver run established; ``objective`` and ``bound`` include the objective constant."""

    solver: str
    has_solution: bool
    proven_optimal: bool
    infeasible: bool
    objective: float | None
    bound: float | None
    solver_status: str
    log: str | None = None


class _HiGHS(pulp.HiGHS):
    """PuLP's in-process HiGHS plus a warm start (``Highs.setSolution``) from the initial values.

    HiGHS has one global thread pool per process, sized by the first run: an explicit ``threads``
    other than that size fails the run, so the pool is reset first."""

    def __init__(self, *, warm_start: bool, deadline: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.warm_start = warm_start
        self.deadline = deadline

    def callSolver(self, lp) -> None:  # noqa: N802 (PuLP's name)
        import highspy

        if self.threads is not None:
            highspy.Highs.resetGlobalScheduler(True)
        if self.warm_start:
            given = [(v.index, v.varValue) for v in lp.variables() if v.varValue is not None]
            if given:
                idx, val = zip(*given)
                lp.solverModel.setSolution(len(idx), np.array(idx, dtype=np.int32), np.array(val, dtype=float))
        lp.solverModel.setOptionValue("time_limit", max(0.05, self.deadline - time.monotonic()))  # less the build
        super().callSolver(lp)


#: Nonzero coefficients per second that PuLP adds while a model is built (about 2e5 measured on a loaded
#: 2-core machine, 2-3 times more on a quiet one; CBC's model file takes about as long again): a model
#: whose estimated building time exceeds what is left of the time limit is not built (:func:`too_big`).
BUILD_TERMS_PER_SECOND = 2e5


def too_big(terms: float, time_limit: float | None, t0: float) -> str | None:
    """Why a model of about ``terms`` nonzero coefficients is not built (its estimated building time at
    :data:`BUILD_TERMS_PER_SECOND` exceeds what is left of ``time_limit``, default
    :data:`DEFAULT_TIME_LIMIT`, since ``t0``), or None when it fits."""
    seconds = terms / BUILD_TERMS_PER_SECOND
    left = (DEFAULT_TIME_LIMIT if time_limit is None else time_limit) - (time.perf_counter() - t0)
    if seconds <= left:
        return None
    return (f"model not built: about {terms:.3g} coefficients, {seconds:.3g} s to build, with {max(0.0, left):.3g} s "
            "left of the time limit; returning a heuristic schedule")


def unbuilt(solver: str, reason: str, bound: int | None) -> MipRun:
    """The run of a model that was not built (:func:`too_big`): no solution, ``bound`` a bound known
    without it (e.g. the core's lower bound); :func:`output` then scores a heuristic schedule."""
    return MipRun(solver, has_solution=False, proven_optimal=False, infeasible=False, objective=None,
                  bound=None if bound is None else float(bound), solver_status=reason)


def time_left(time_limit: float | None, t0: float) -> float | None:
    """What is left of ``time_limit`` (s) since ``t0`` (``time.perf_counter()``: model building and warm
    starts count), at least 0.1 s; None (no limit) stays None."""
    return None if time_limit is None else max(0.1, time_limit - (time.perf_counter() - t0))


def run(prob: pulp.LpProblem, *, solver: str, time_limit: float | None, workers: int | None = None,
        log: bool = False, warm_start: bool = False) -> MipRun:
    """Solve ``prob`` (a minimisation) with the named backend; never raises on a time limit."""
    check_solver(solver)
    time_limit = DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit)
    const = float(prob.objective.constant) if prob.objective is not None else 0.0
    if solver == "cbc":
        out = _run_cbc(prob, time_limit, workers, warm_start)
    else:
        out = _run_highs(prob, time_limit, workers, warm_start, log)
    if out.bound is not None:
        out.bound += const
    if out.has_solution:
        out.objective = float(pulp.value(prob.objective))
        if out.proven_optimal:
            out.bound = max(out.bound if out.bound is not None else -math.inf, out.objective - ABS_GAP)
    if not log:
        out.log = None
    return out


_CBC_RESULT = re.compile(r"^Result - (.*)$", re.M)
_CBC_LOWER = re.compile(r"^Lower bound:\s*(\S+)", re.M)
_CBC_PARTIAL = re.compile(r"best possible (\S+?)\)")
_CBC_ROOT = re.compile(r"Continuous objective value is (\S+)")


def _run_cbc(prob: pulp.LpProblem, time_limit: float, workers: int | None, warm_start: bool) -> MipRun:
    deadline = time.monotonic() + time_limit
    text, crashed = _cbc_subprocess(prob, deadline, workers, warm_start)
    results = _CBC_RESULT.findall(text)
    result = results[-1].strip() if results else "no result line"
    if crashed is not None:
        result = f"CBC failed ({crashed.split(',')[0]}); {result}"
    has = crashed is None and prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    optimal = has and result.startswith("Optimal solution found")
    bound = _last_float(_CBC_LOWER, text)
    if bound is None:
        bound = _last_float(_CBC_PARTIAL, text)
    if bound is None:
        bound = _last_float(_CBC_ROOT, text)
    infeasible = crashed is None and "infeasible" in result.lower()
    return MipRun("cbc", has, optimal, infeasible, None, bound, f"{result} (PuLP status "
                  f"{pulp.LpStatus[prob.status]}, sol_status {prob.sol_status})", text)


def _die_with_parent() -> None:  # pragma: no cover (runs in the forked child, before exec)
    """Linux: the child gets SIGKILL when the thread that started it exits (a killed benchmark unit)."""
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _cbc_subprocess(prob: pulp.LpProblem, deadline: float, workers: int | None,
                    warm_start: bool) -> tuple[str, str | None]:
    """Run CBC on ``prob`` as a child process held to ``deadline`` (``time.monotonic()``).

    Writes the model (and the MIP start) the way ``pulp.COIN_CMD`` does, gives CBC the time left as
    ``-sec``, then waits: a CBC still running :data:`CBC_GRACE` after the deadline (its root LP and
    cut loop do not look at ``-sec``) gets SIGINT (in branch and bound CBC then stops and writes its
    incumbent), and :data:`CBC_GRACE` later SIGKILL; when writing the model used up the time, CBC is
    not started.  The solution file, when CBC wrote one, is read back into ``prob``; otherwise ``prob``
    is marked *not solved*.  Returns CBC's log and the reason it failed (None when it exited normally)."""
    cmd = pulp.COIN_CMD(path=cbc_path(), msg=False, gapAbs=ABS_GAP, gapRel=0.0, threads=workers,
                        timeMode="elapsed")
    mps, sol, mst, log_path = cmd.create_tmp_files(prob.name, "mps", "sol", "mst", "log")
    proc = None
    crashed: str | None = None
    try:
        names = prob.writeMPS(mps, rename=1)
        args = [cmd.path, mps]
        if warm_start:
            cmd.writesol(mst, prob, *names[:3])
            args += ["-mips", mst]
        args += ["-sec", f"{max(0.05, deadline - time.monotonic()):.3f}"]
        for option in cmd.getOptions():
            args += ("-" + option).split()
        args += ["-solve", "-printingOptions", "all", "-solution", sol]
        text = ""
        if time.monotonic() >= deadline:  # writing the model used up the time
            crashed = "not started: the time limit was reached while writing the model"
        else:
            with open(log_path, "w", encoding="utf-8") as out:
                proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        preexec_fn=_die_with_parent if _LIBC is not None else None)
                crashed = _wait(proc, deadline)
            with open(log_path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        if crashed is None and os.path.exists(sol):
            status, values, _, _, _, sol_status = cmd.readsol_MPS(sol, prob, *names[:3])
            prob.assignVarsVals(values)
            prob.assignStatus(status, sol_status)
        else:
            prob.assignStatus(pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound)
            crashed = crashed or "no solution file"
    finally:
        if proc is not None and proc.poll() is None:  # an exception (KeyboardInterrupt) while CBC ran
            proc.kill()
            proc.wait()
        cmd.delete_tmp_files(mps, sol, mst, log_path)
    return text, crashed


def _wait(proc: subprocess.Popen, deadline: float) -> str | None:
    """Wait for CBC until ``deadline`` + :data:`CBC_GRACE`, interrupt it, then kill it; None if it exited 0."""
    try:
        code = proc.wait(timeout=max(0.0, deadline - time.monotonic()) + CBC_GRACE)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=CBC_GRACE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return f"killed {2 * CBC_GRACE:g} s after its time limit"
    # a non-zero status is reported, not raised: CBC 2.10.3 can crash when a MIP start meets a tiny limit
    return None if code == 0 else f"exit status {code}"


def _last_float(pattern: re.Pattern, text: str) -> float | None:
    for raw in reversed(pattern.findall(text)):
        try:
            value = float(raw)
        except ValueError:
            continue
        if math.isfinite(value) and abs(value) < 1e50:
            return value
    return None


def _run_highs(prob: pulp.LpProblem, time_limit: float, workers: int | None, warm_start: bool,
               log: bool) -> MipRun:
    import highspy

    deadline = time.monotonic() + time_limit
    log_path = None
    params: dict = {}
    if log:
        fd, log_path = tempfile.mkstemp(prefix="offloadsched-highs-", suffix=".log")
        os.close(fd)
        params = {"log_to_console": False, "log_file": log_path}
    try:
        cmd = _HiGHS(warm_start=warm_start, deadline=deadline, msg=log, timeLimit=time_limit, gapAbs=ABS_GAP,
                     gapRel=0.0, threads=workers, **params)
        prob.solve(cmd)
        text = None
        if log_path is not None:
            with open(log_path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
    finally:
        if log_path is not None:
            os.unlink(log_path)
    h = prob.solverModel
    status = h.getModelStatus()
    has = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    bound = float(h.getInfo().mip_dual_bound)
    bound = bound if math.isfinite(bound) and abs(bound) < 1e50 else None
    infeasible = status == highspy.HighsModelStatus.kInfeasible
    return MipRun("highs", has, has and status == highspy.HighsModelStatus.kOptimal, infeasible, None, bound,
                  h.modelStatusToString(status), text)


def int_bound(value: float | None) -> int | None:
    """A real lower bound on an integer objective, rounded up (less a small numerical tolerance)."""
    if value is None:
        return None
    return int(math.ceil(value - min(0.25, 1e-6 * max(1.0, abs(value)))))


def output(result: MipRun, schedule: Schedule | None, makespan: int | None, *, source: str = "solver",
           **kwargs) -> SolverOutput:
    """The :class:`SolverOutput` of a run whose schedule (decoded or fallback) scores ``makespan``.

    Status ``optimal`` iff the proven bound reaches the makespan, ``feasible`` with any other
    schedule, ``infeasible`` / ``error`` without one; ``source`` says where the schedule came
    from (``solver``, or ``hint`` when the solver had no incumbent)."""
    bound = int_bound(result.bound)
    info = dict(kwargs.pop("info", {}))
    info.update(solver=result.solver, solver_status=result.solver_status, solver_bound=result.bound,
                schedule_source=source if schedule is not None else None)
    if schedule is None:
        status = "infeasible" if result.infeasible else "error"
        info.setdefault("reason", "the solver found no solution")
        return SolverOutput(None, status=status, bound=bound, log=result.log, info=info, **kwargs)
    status = "optimal" if bound is not None and bound >= makespan else "feasible"
    objective = result.objective if source == "solver" else None
    return SolverOutput(schedule, status=status, bound=bound, objective=objective, log=result.log, info=info,
                        **kwargs)
