"""Running time of the online simulation (issue 25: 10,000 arrivals in under 30 s with po / johnson).

Usage: ``python benchmarks/bench_simulate.py [--jobs 10000] [--load 0.9] [--policies ...] [--cases ...]``.

Cases, each a periodic stream of ``--jobs`` arrivals at an offered load of ``--load`` (arrival rate x
the bottleneck stage time of a job):

* ``j2``: random two-stage jobs (a, b uniform in 1..1000 µs), period = the mean of max(mean a, mean b)
  divided by the load; policies ``fifo``, ``greedy``, ``johnson``, ``neh``.
* ``joint-alexnet``: AlexNet jobs on rpi4 + GTX 1080 over 4G (negligible remote), period = the
  bottleneck stage (device or uplink) of the DADS partition (``po``) of one job, divided by the load;
  policies ``fifo``, ``greedy``, ``po``, ``jps``.
* ``joint-mix``: GoogLeNet and ResNet-18 jobs alternating, same platform; period from the mean of
  their two bottlenecks; same policies.

Each line: the case, the policy, the wall time of :func:`offloadsched.simulate` (simulation, final
evaluation and check), the makespan, the mean response time, and how many re-plans and method calls
the policy made.  The target (``po`` and ``johnson`` under 30 s at 10,000 jobs) is checked at the
end.  Timings on a shared machine are rough.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from offloadsched import J2Problem, JointProblem, simulate, solve
from offloadsched.instances.platforms import make_platform
from offloadsched.instances.zoo import alexnet, googlenet, resnet18

LIMIT_S = 30.0
POLICIES = {"j2": ("fifo", "greedy", "johnson", "neh"),
            "joint-alexnet": ("fifo", "greedy", "po", "jps"),
            "joint-mix": ("fifo", "greedy", "po", "jps")}
TARGETS = ("po", "johnson")


def periodic(n: int, period: float) -> np.ndarray:
    """Release times ``round(k * period)`` µs, k = 0..n-1."""
    return np.round(np.arange(n) * period).astype(np.int64)


def j2_stream(n: int, load: float, seed: int = 0) -> J2Problem:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(1, 1000, n, endpoint=True), rng.integers(1, 1000, n, endpoint=True)
    period = max(a.mean(), b.mean()) / load
    return J2Problem(a, b, release=periodic(n, period), name=f"j2 stream n={n} load={load}")


def bottleneck(dnn, platform) -> int:
    """The larger stage (device or uplink) of one job under its DADS partition (``po``)."""
    d = solve(JointProblem([dnn], platform), "po").problem
    return max(int(d.f[d.local].sum()), int(d.u[d.cut].sum()))


def joint_stream(models, n: int, load: float) -> JointProblem:
    platform = make_platform("rpi4", "gtx1080", "4g")
    dnns = [m() for m in models]
    period = float(np.mean([bottleneck(d, platform) for d in dnns])) / load
    jobs = [dnns[k % len(dnns)] for k in range(n)]
    return JointProblem(jobs, platform, release=periodic(n, period))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000, help="arrivals per stream (default 10000)")
    parser.add_argument("--load", type=float, default=0.9, help="offered load (default 0.9)")
    parser.add_argument("--cases", nargs="+", choices=tuple(POLICIES), default=list(POLICIES))
    parser.add_argument("--policies", nargs="+", help="only these policies")
    args = parser.parse_args(argv)
    builders = {"j2": lambda: j2_stream(args.jobs, args.load),
                "joint-alexnet": lambda: joint_stream([alexnet], args.jobs, args.load),
                "joint-mix": lambda: joint_stream([googlenet, resnet18], args.jobs, args.load)}
    print(f"{'case':14s} {'policy':8s} {'jobs':>6s} {'seconds':>8s} {'makespan µs':>14s} {'mean resp µs':>13s} "
          f"{'replans':>8s} {'calls':>6s}")
    slow = []
    for case in args.cases:
        problem = builders[case]()
        for policy in POLICIES[case]:
            if args.policies and policy not in args.policies:
                continue
            t0 = time.perf_counter()
            r = simulate(problem, policy)
            wall = time.perf_counter() - t0
            assert r.status == "heuristic", r.info
            print(f"{case:14s} {policy:8s} {args.jobs:6d} {wall:8.2f} {r.makespan:14d} {r.response_mean:13.0f} "
                  f"{r.info.get('replans', '-')!s:>8s} {r.info.get('method_calls', '-')!s:>6s}", flush=True)
            if policy in TARGETS and wall > LIMIT_S:
                slow.append(f"{case} {policy} {wall:.1f} s")
    print(f"target: po / johnson under {LIMIT_S:g} s at {args.jobs} jobs: " + ("; ".join(slow) if slow else "met"))
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
