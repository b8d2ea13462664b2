"""The claims as a benchmark suite (``offloadsched bench --suite claims``) and as report records.

:func:`claim_task` is the task of the suite's rows: one named claim searched by
:func:`~offloadsched.claims.run_claims` (so by :func:`~offloadsched.claims.run_claim`) within the
row's ``budget`` and ``seed``, its files written to ``<results_dir>/claims`` (atomically, with
``claims.json`` merged under a lock), and one record following the claims contract of
:mod:`offloadsched.report.claims`.  :func:`claim_record` turns any
:class:`~offloadsched.claims.engine.ClaimResult` into that record, also those of the committed
full run (:func:`committed_records`), which every report shows when its database holds no claims.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ..problems import DagProblem, FmProblem, JointProblem, Problem
from .api import DATA_DIR, catalog, load_claims, load_counterexample, records_date, run_claims
from .engine import ClaimResult

#: Seconds per claim in the suite: 15 claims in about 3.5 minutes on 2 cores (the committed run took 30).
DEFAULT_BUDGET = 20.0
#: The folder that holds the ``offloadsched`` package (a checkout's root).
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def claim_status(verdict: str) -> str:
    """The record status of an engine verdict: ``holds``, ``refuted``, ``error`` or ``inconclusive``
    (an inconclusive search, or a claim skipped for a missing method)."""
    if verdict.startswith("holds"):
        return "holds"
    if verdict == "false":
        return "refuted"
    return "error" if verdict.startswith("error") else "inconclusive"


def claim_task(claim: str, budget: float = DEFAULT_BUDGET, seed: int = 0, max_evals: int | None = None,
               samples: int | None = None, results_dir: str = "results") -> list[dict[str, Any]]:
    """Check the named ``claim`` within ``budget`` seconds (``max_evals``, ``samples``: see
    :func:`~offloadsched.claims.run_claims`); its files go to ``<results_dir>/claims``.  One record."""
    out = Path(results_dir) / "claims"
    (result,) = run_claims([claim], budget=budget, seed=seed, out_dir=out, max_evals=max_evals, samples=samples)
    return [claim_record(result, out)]


def claim_record(result: ClaimResult, directory: str | Path) -> dict[str, Any]:
    """The report record of ``result`` whose files are in ``directory`` (see :mod:`offloadsched.report.claims`)."""
    folder = Path(directory).resolve()
    cex = folder / result.counterexample if result.counterexample else None
    claim = catalog().get(result.name)
    return {"kind": "claim", "method": result.name, "status": claim_status(result.verdict),
            "instance": claim.family.description if claim is not None else result.name,
            "message": result.first_error,
            "info": {"statement": result.statement, "source": result.source, "claim_kind": result.kind,
                     "bound": result.bound, "verdict": result.verdict, "checked": result.tried,
                     "worst": result.worst_ratio, "evidence": evidence(result, folder),
                     "counterexample": str(cex) if cex is not None else None, "budget_s": result.budget_s,
                     "seed": result.seed, "result": result.to_dict()}}


def committed_records(directory: str | Path | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """The records of the committed full run (``offloadsched/claims/data``, or ``directory``) and its date."""
    folder = Path(directory) if directory is not None else DATA_DIR
    return [claim_record(r, folder) for r in load_claims(folder)], records_date(folder)


def evidence(result: ClaimResult, directory: Path) -> str:
    """What the search found, in words and numbers: the minimal counterexample (instance, both
    makespans, ratio, the exact methods that confirm the optimum, its file), or why the claim holds
    or was not decided."""
    if result.verdict == "false":
        sides = result.schedules or {}
        label = [sides.get(k, {}).get("label", default) for k, default in zip(("heuristic", "optimal"), result.labels)]
        ratio = f"ratio {result.ratio:.4g}" if isinstance(result.ratio, (int, float)) else "ratio -"
        agree = [m for m, c in result.confirmations.items() if c.get("agrees")]
        text = (f"smallest counterexample: {_instance(result, directory)}; {label[0]} {result.heuristic_makespan} vs "
                f"{label[1]} {result.optimal_makespan} ({ratio}, bound {result.bound})"
                + (f"; optimum confirmed by {', '.join(agree)}" if agree else ""))
        return text + (f"; file {shown(directory / result.counterexample)}" if result.counterexample else "")
    if result.holds:
        enum = result.enumeration
        space = ("complete" if enum.get("complete") else f"{enum.get('enumerated', 0)} of {enum.get('genomes', '?')}"
                 ) if enum else "-"
        near = directory / f"{result.name}.worst.json"
        return (f"no counterexample in {result.tried} instances (enumeration of the small ones: {space})"
                + (f"; closest call (worst ratio) in {shown(near)}" if near.exists() else ""))
    return result.verdict + (f" ({result.first_not_applicable})" if result.first_not_applicable else "")


def _instance(result: ClaimResult, directory: Path) -> str:
    """The counterexample's problem in numbers (its genome when the file is missing)."""
    try:
        problem, _ = load_counterexample(result.name, directory)
    except (ValidationError, OSError):
        return f"instance {result.genome}"
    return describe(problem)


def describe(problem: Problem) -> str:
    """A small problem in one line: the jobs' stage times, a DAG's times and arcs, a joint problem's chains."""
    if isinstance(problem, FmProblem):  # J2 and Fm
        return f"{len(problem.times)} jobs with stage times " + ", ".join(
            str(tuple(int(x) for x in row)) for row in problem.times)
    if isinstance(problem, DagProblem):
        local = int(problem.local.sum())
        arcs = ", ".join(f"{p}->{v}" for v, ps in enumerate(problem.preds) for p in ps)
        times = f"f = {problem.f.tolist()}, u = {problem.u.tolist()}" + (
            f", r = {problem.r.tolist()}" if problem.r.any() else "")
        return f"{len(problem.f)} nodes ({local} local), {times}, arcs {arcs}"
    if isinstance(problem, JointProblem):
        f, u, _ = problem.times[0]
        return (f"{len(problem.jobs)} identical {len(f)}-layer chains, per layer (local, upload) time "
                + ", ".join(f"({int(a)}, {int(b)})" for a, b in zip(f, u)))
    return repr(problem)


def shown(path: str | Path) -> str:
    """``path`` relative to the working directory when it lies below it, else relative to the package's
    checkout (``offloadsched/claims/data/...``) when it lies there, else as given."""
    path = Path(path).resolve()
    for root in (Path.cwd().resolve(), PACKAGE_ROOT):
        with contextlib.suppress(ValueError):
            return os.fspath(path.relative_to(root))
    return os.fspath(path)
