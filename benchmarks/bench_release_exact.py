"""How large a joint problem with release times ``cpsat-joint`` and ``cpsat-dagshop`` prove (issue 25).

Usage: ``python benchmarks/bench_release_exact.py [--time-limit 60] [--only TEXT] [--jobs 10,20,50,100]
[--loads 0.5,0.8,1.0,1.2] [--networks 3g,4g,wifi] [--models googlenet,resnet18] [--remote negligible]
[--methods cpsat-joint,cpsat-dagshop] [--partitions jps]``

Every case is a periodic stream of one DNN (rpi4 + gtx1080 and the network preset): ``n`` jobs released
``T`` apart, ``T`` = the best partition's bottleneck stage time (the least ``max(local load, upload
load)`` over the DNN's partitions, the remote load in the maximum too with ``serial`` remote) divided by
the offered load.  ``cpsat-joint`` solves the joint problem; ``cpsat-dagshop`` schedules problem D of the partitions
a heuristic chooses (``--partitions``, default ``jps``; ``po`` is each job's best partition alone).
Prints per case the status, makespan, bound, gap and the wall time of :func:`offloadsched.solve`.
"""

from __future__ import annotations

import argparse

import numpy as np

from offloadsched import JointProblem, solve
from offloadsched.formulations._modules import catalogue
from offloadsched.instances import get_model
from offloadsched.instances.platforms import make_platform


def bottleneck(jp: JointProblem) -> int:
    """The least bottleneck stage time of job 0's partitions (µs)."""
    f, u, r = jp.times[0]
    cat = catalogue(jp.jobs[0], f, u)
    stage = np.maximum(cat.F, cat.U)
    if jp.remote_model == "serial":
        stage = np.maximum(stage, (~cat.local).astype(np.int64) @ r.astype(np.int64))
    return int(stage.min())


def stream(model: str, n: int, network: str, load: float, remote: str) -> JointProblem:
    dnn = get_model(model)
    platform = make_platform(network=network)
    one = JointProblem([dnn], platform, remote_model=remote)
    period = bottleneck(one) / load
    release = np.round(np.arange(n) * period).astype(np.int64)
    return JointProblem([dnn] * n, platform, remote_model=remote, release=release,
                        name=f"{model} x{n} {network} load {load:g}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--only", default=None, help="run the cases whose name contains this")
    ap.add_argument("--jobs", default="10,20,50,100")
    ap.add_argument("--loads", default="0.5,0.8,1.0,1.2")
    ap.add_argument("--networks", default="3g,4g,wifi")
    ap.add_argument("--models", default="googlenet,resnet18")
    ap.add_argument("--remote", default="negligible", choices=("negligible", "serial", "parallel"))
    ap.add_argument("--methods", default="cpsat-joint,cpsat-dagshop")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partitions", default="jps", help="the heuristic whose partitions cpsat-dagshop schedules")
    args = ap.parse_args()
    methods = args.methods.split(",")
    print(f"{'case':34s} {'method':14s} {'status':9s} {'makespan':>10s} {'bound':>10s} {'gap':>7s} {'wall s':>7s}")
    for model in args.models.split(","):
        for network in args.networks.split(","):
            for load in (float(x) for x in args.loads.split(",")):
                for n in (int(x) for x in args.jobs.split(",")):
                    jp = stream(model, n, network, load, args.remote)
                    if args.only and args.only not in jp.name:
                        continue
                    for method in methods:  # cpsat-joint: the joint problem; others: problem D
                        problem = jp if method == "cpsat-joint" else solve(jp, args.partitions).problem
                        res = solve(problem, method, time_limit=args.time_limit, workers=args.workers)
                        gap = (res.makespan - res.bound) / res.makespan if res.makespan and res.bound else float("nan")
                        print(f"{jp.name:34s} {method:14s} {res.status:9s} {res.makespan:10d} {res.bound or 0:10d} "
                              f"{gap:7.2%} {res.wall_time_s:7.1f}", flush=True)


if __name__ == "__main__":
    main()
