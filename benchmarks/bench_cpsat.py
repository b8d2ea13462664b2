"""Time to a proven optimum of the CP-SAT models (for the lead; not part of the tests).

Cases and targets (wall time to status ``optimal``, 2 workers):

* ``cpsat-flowshop`` on Taillard ta001 .. ta010 (20 x 5): each < 30 s;
* ``cpsat-dagshop`` on one GoogLeNet job with the ``hps`` partition: < 10 s;
* ``cpsat-dagshop`` on a four-job heterogeneous mix with the ``hps`` partitions: < 60 s;
* ``cpsat-joint`` on 10 identical AlexNet jobs (no target: reported).

Usage::

    python benchmarks/bench_cpsat.py                  # everything above
    python benchmarks/bench_cpsat.py --only taillard  # one group (taillard, googlenet, mix, joint)
    python benchmarks/bench_cpsat.py --tiny           # smoke run at tiny sizes (seconds)
    python benchmarks/bench_cpsat.py --json out.json  # also write the rows

Instances come from the zoo (``offloadsched.instances.get_model``, ``offloadsched.instances.platforms.make_platform``,
``offloadsched.instances.generators.taillard_instance``); the platform is ``rpi4`` + ``gtx1080`` over ``4g``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from offloadsched import FmProblem, JointProblem, ValidationError, solve

MIX = ("alexnet", "googlenet", "resnet18", "mobilenet_v2")


def _row(case: str, method: str, res, wall: float, target: float | None) -> dict:
    ok = res.status == "optimal" and (target is None or wall <= target)
    return {"case": case, "method": method, "status": res.status, "makespan": res.makespan,
            "bound": res.bound, "wall_s": round(wall, 2), "target_s": target, "met": ok}


def _run(case: str, problem, method: str, target: float | None, time_limit: float, workers: int, **opts) -> dict:
    t0 = time.perf_counter()
    res = solve(problem, method, time_limit=time_limit, workers=workers, **opts)
    row = _row(case, method, res, time.perf_counter() - t0, target)
    print(f"{row['case']:<28} {method:<15} {row['status']:<9} {row['makespan']!s:>10} {row['bound']!s:>10} "
          f"{row['wall_s']:>8.2f} s  target {target if target is not None else '-'!s:>4}  "
          f"{'ok' if row['met'] else 'MISSED'}", flush=True)
    return row


def _hps_dag(models: list[str], platform, remote_model: str):
    from offloadsched.instances import get_model

    jp = JointProblem([get_model(m) for m in models], platform, remote_model=remote_model)
    res = solve(jp, "hps")
    return res.problem


def taillard_cases(tiny: bool, time_limit: float, workers: int) -> list[dict]:
    from offloadsched.instances.generators import taillard, taillard_instance

    if tiny:
        return [_run("taillard-like 6x3", FmProblem(taillard(873654221, 6, 3)), "cpsat-flowshop", 30, time_limit,
                     workers)]
    return [_run(f"ta{i:03d}", taillard_instance(f"ta{i:03d}"), "cpsat-flowshop", 30, time_limit, workers)
            for i in range(1, 11)]


def googlenet_cases(tiny: bool, time_limit: float, workers: int, platform, remote_model: str) -> list[dict]:
    dag = _hps_dag(["alexnet" if tiny else "googlenet"], platform, remote_model)
    name = ("alexnet" if tiny else "googlenet") + f" hps ({remote_model})"
    rows = [_run(name, dag, "cpsat-dagshop", 10, time_limit, workers)]
    if remote_model == "negligible":
        rows.append(_dp(name, dag))
    return rows


def _dp(name: str, dag) -> dict:
    t0 = time.perf_counter()
    try:
        res = solve(dag, "dp-ideals")
    except ValidationError as exc:  # a size limit (SizeLimitError) is a result here
        print(f"{name:<28} {'dp-ideals':<15} refused: {exc}")
        return {"case": name, "method": "dp-ideals", "status": "refused", "met": False}
    row = _row(name, "dp-ideals", res, time.perf_counter() - t0, None)
    print(f"{name:<28} {'dp-ideals':<15} {row['status']:<9} {row['makespan']!s:>10} {row['bound']!s:>10} "
          f"{row['wall_s']:>8.2f} s", flush=True)
    return row


def mix_cases(tiny: bool, time_limit: float, workers: int, platform, remote_model: str) -> list[dict]:
    models = ["alexnet", "squeezenet1_0"] if tiny else list(MIX)
    dag = _hps_dag(models, platform, remote_model)
    rows = [_run("+".join(models) + f" hps ({remote_model})", dag, "cpsat-dagshop", 60, time_limit, workers)]
    if remote_model == "negligible":
        rows.append(_dp("+".join(models), dag))
    return rows


def joint_cases(tiny: bool, time_limit: float, workers: int, platform, remote_model: str) -> list[dict]:
    from offloadsched.instances import get_model

    n = 2 if tiny else 10
    jp = JointProblem([get_model("alexnet")] * n, platform, remote_model=remote_model)
    return [_run(f"{n} x alexnet ({remote_model})", jp, "cpsat-joint", None, time_limit, workers)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="tiny sizes (a smoke test of this script)")
    ap.add_argument("--only", choices=("taillard", "googlenet", "mix", "joint"), action="append")
    ap.add_argument("--time-limit", type=float, default=120.0, help="per solve, seconds (default 120)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--remote", default="negligible", choices=("negligible", "serial", "parallel"))
    ap.add_argument("--json", help="write the rows to this file")
    args = ap.parse_args(argv)
    from offloadsched.instances.platforms import make_platform

    platform = make_platform("rpi4", "gtx1080", "4g")
    groups = args.only or ["taillard", "googlenet", "mix", "joint"]
    rows: list[dict] = []
    for g in groups:
        if g == "taillard":
            rows += taillard_cases(args.tiny, args.time_limit, args.workers)
        elif g == "googlenet":
            rows += googlenet_cases(args.tiny, args.time_limit, args.workers, platform, args.remote)
        elif g == "mix":
            rows += mix_cases(args.tiny, args.time_limit, args.workers, platform, args.remote)
        else:
            rows += joint_cases(args.tiny, args.time_limit, args.workers, platform, args.remote)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1, default=lambda x: x.item() if isinstance(x, np.generic) else str(x))
    missed = [r for r in rows if r.get("target_s") is not None and not r["met"]]
    print(f"{len(rows)} runs, {len(missed)} missed their target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
