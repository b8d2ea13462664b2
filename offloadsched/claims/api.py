"""Running the claims, writing and reading their records, drawing their counterexamples.

Outputs in ``out_dir`` (default ``results/claims``):

* ``claims.json`` - ``{"format": "offloadsched-claims", "date": ..., "records": [...]}``, one
  :class:`~offloadsched.claims.engine.ClaimResult` per claim, rewritten atomically after each
  claim (a partial run replaces the records of the claims it ran and keeps the others; parallel
  writers take turns on a lock file); ``date`` is the UTC date of the last write;
* ``<claim>.json`` - the minimised counterexample as a problem file (:func:`offloadsched.io.save`);
* ``<claim>.schedules.json`` - its sidecar: the claim's schedule and the optimal one (``heuristic``
  and ``optimal``: label, method, makespan, per-resource sequences, and the scheduled problem when
  it differs from the problem file), the ratio and the bound;
* ``<claim>.worst.json`` and ``<claim>.worst.schedules.json`` - when no counterexample was found
  but the worst instance is not optimal (a ratio claim's closest call).

The package keeps a copy of a full run's files in ``offloadsched/claims/data`` (:data:`DATA_DIR`),
which :func:`load_claims` and :func:`plot_counterexample` read by default.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ..evaluate import evaluate
from ..io import from_dict, load, save, write_json
from ..jsonable import jsonable
from ..problems import Problem
from ..schedule import Schedule
from .engine import Check, ClaimResult, run_claim

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_OUT = Path("results/claims")
RECORDS = "claims.json"
UNIT_SCALE = {"us": 1.0, "ms": 1e-3, "s": 1e-6}
FORMAT = "offloadsched-claims"


def catalog() -> dict:
    """The named claims (imported lazily: building them imports nothing heavy, but keeps
    ``offloadsched.claims`` importable without the catalog)."""
    from .catalog import CATALOG

    return CATALOG


def claim_names() -> list[str]:
    return list(catalog())


def select(names: Sequence[str] | None) -> list:
    """The claims named (all when None), with a clear error for an unknown name."""
    cat = catalog()
    if not names:
        return list(cat.values())
    unknown = [n for n in names if n not in cat]
    if unknown:
        raise ValidationError(f"unknown claim(s) {', '.join(map(repr, unknown))}; known: {', '.join(cat)}")
    return [cat[n] for n in names]


def run_claims(names: Sequence[str] | None = None, *, budget: float = 20.0, seed: int = 0,
               out_dir: str | Path | None = DEFAULT_OUT, max_evals: int | None = None,
               samples: int | None = None, progress: Callable[[ClaimResult], None] | None = None
               ) -> list[ClaimResult]:
    """Check the named claims (all by default), each within ``budget`` seconds, and write the
    records and counterexamples to ``out_dir`` (None: write nothing).

    ``seed`` makes the search reproducible; ``max_evals`` caps each phase's evaluations;
    ``samples`` overrides the comparisons' minimum number of random instances (10^4).
    ``progress`` is called with each result as it is finished.
    """
    results = []
    for claim in select(names):
        if samples is not None and claim.min_samples:
            claim = dataclasses.replace(claim, min_samples=samples)
        result, cex, worst = run_claim(claim, budget=budget, seed=seed, max_evals=max_evals)
        if out_dir is not None:
            _write_instances(result, cex, worst, Path(out_dir))
            with _locked(Path(out_dir)):
                _merge_records([result], Path(out_dir))
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def _write_instances(result: ClaimResult, cex: Check | None, worst: Check | None, out: Path) -> None:
    """The counterexample (or, failing one, a non-optimal worst instance) and its sidecar."""
    for stale in out.glob(f"{result.name}.*json"):
        stale.unlink()
    if cex is not None:
        result.counterexample, result.sidecar = _write_check(result, cex, out, result.name)
    elif worst is not None and worst.ratio > 1:
        _write_check(result, worst, out, f"{result.name}.worst")


def _write_check(result: ClaimResult, check: Check, out: Path, stem: str) -> tuple[str, str]:
    problem_file, sidecar_file = f"{stem}.json", f"{stem}.schedules.json"
    save(check.problem, out / problem_file)
    write_json(jsonable({"format": "offloadsched-claims-sidecar", "claim": result.name,
                          "problem_file": problem_file, "labels": result.labels,
                          "heuristic": check.sides.get("heuristic"), "optimal": check.sides.get("optimal"),
                          "heuristic_value": check.heuristic, "optimal_value": check.optimal,
                          "ratio": check.ratio, "bound": result.bound, "violated": check.violated,
                          "info": check.info}), out / sidecar_file)
    return problem_file, sidecar_file


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """An exclusive lock on ``out/.claims.lock`` (POSIX ``flock``; none elsewhere), so that claims run
    in parallel processes merge ``claims.json`` in turn."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".claims.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _merge_records(results: Sequence[ClaimResult], out: Path) -> None:
    path = out / RECORDS
    records: dict[str, dict] = {}
    if path.exists():
        records = {r["name"]: r for r in _read_records(path)}
    for r in results:
        records[r.name] = r.to_dict()
    order = {name: i for i, name in enumerate(claim_names())}
    ordered = sorted(records.values(), key=lambda r: (order.get(r["name"], len(order)), r["name"]))
    date = _dt.datetime.now(_dt.UTC).date().isoformat()
    write_json({"format": FORMAT, "version": 1, "date": date, "records": ordered}, path)


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{path}: cannot read claim records ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("records"), list):
        raise ValidationError(f"{path}: not an {FORMAT} file")
    return data


def _read_records(path: Path) -> list[dict]:
    return _read(path)["records"]


def records_date(directory: str | Path | None = None) -> str | None:
    """The UTC date (``YYYY-MM-DD``) of the run in ``directory/claims.json`` (default: the committed
    copy), None when the file does not say."""
    return _read(Path(directory if directory is not None else DATA_DIR) / RECORDS).get("date")


def load_claims(directory: str | Path | None = None) -> list[ClaimResult]:
    """The records of ``directory/claims.json`` (default: the package's committed copy)."""
    path = Path(directory if directory is not None else DATA_DIR) / RECORDS
    if not path.exists():
        raise ValidationError(f"{path}: no claim records (run 'offloadsched claims' first)")
    return [ClaimResult.from_dict(r) for r in _read_records(path)]


def load_counterexample(claim: str | ClaimResult, directory: str | Path | None = None, *,
                        worst: bool = False) -> tuple[Any, dict[str, Any]]:
    """``(problem, sidecar)`` of a claim's counterexample (``worst=True``: its worst instance)."""
    name = claim.name if isinstance(claim, ClaimResult) else claim
    folder = Path(directory if directory is not None else DATA_DIR)
    stem = f"{name}.worst" if worst else name
    path = folder / f"{stem}.json"
    if not path.exists():
        raise ValidationError(f"{path}: claim {name!r} has no {'worst instance' if worst else 'counterexample'} "
                              "file here")
    sidecar = json.loads((folder / f"{stem}.schedules.json").read_text(encoding="utf-8"))
    return load(path), sidecar


def side_timing(problem: Problem, entry: dict[str, Any]):
    """``(problem, timing)`` of one sidecar side, re-evaluated by the core evaluator."""
    prob = from_dict(entry["problem"], where="sidecar problem") if entry.get("problem") else problem
    return prob, evaluate(prob, Schedule.from_dict(entry["schedule"]))


def plot_counterexample(claim: str | ClaimResult, directory: str | Path | None = None, *, worst: bool = False,
                        axes=None, unit: str = "us"):
    """Two Gantt charts side by side: the claim's schedule and the optimal one, each redrawn
    from the sidecar with :func:`offloadsched.evaluate` and :func:`offloadsched.plotting.gantt`.
    Returns the matplotlib Figure."""
    import matplotlib.pyplot as plt

    from ..plotting import gantt

    problem, sidecar = load_counterexample(claim, directory, worst=worst)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(13, 2.6))
    longest = 0
    for ax, key in zip(axes, ("heuristic", "optimal")):
        entry = sidecar[key]
        prob, timing = side_timing(problem, entry)
        value = entry.get("value", timing.makespan)
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        gantt(timing, problem=prob, ax=ax, unit=unit, title=f"{entry['label']}: {shown}")
        longest = max(longest, timing.makespan)
    for ax in axes:  # one time scale for both charts
        ax.set_xlim(0, max(longest * UNIT_SCALE[unit], 1e-9) * 1.02)
    fig = axes[0].figure
    fig.suptitle(f"{sidecar['claim']}: ratio {sidecar['ratio']:.4g} (bound {sidecar['bound']})", fontsize=10)
    fig.tight_layout()
    return fig


def copy_to_package_data(out_dir: str | Path = DEFAULT_OUT, data_dir: str | Path = DATA_DIR) -> list[Path]:
    """Copy a run's records and instance files into the package data folder (replacing it)."""
    src, dst = Path(out_dir), Path(data_dir)
    if not (src / RECORDS).exists():
        raise ValidationError(f"{src}: no {RECORDS} to copy")
    dst.mkdir(parents=True, exist_ok=True)
    for old in dst.glob("*.json"):
        old.unlink()
    copied = []
    for path in sorted(src.glob("*.json")):
        shutil.copyfile(path, dst / path.name)
        copied.append(dst / path.name)
    return copied
