"""Running times of ``mip-joint-ideals`` on the zoo's joint instances (negligible, serial or parallel remote).

Usage: ``python benchmarks/bench_joint_ideals.py [--solver cbc|highs] [--time-limit 60] [--only NAME]
[--w-msg SECONDS] [--w-rtt SECONDS] [--remote negligible|serial|parallel] [--server PRESET]`` (the two
latencies of MODEL.md section 1 override the network presets' values, e.g. ``--w-msg 0.01 --w-rtt 0.05``).

Every case starts from a cold cache (ideal enumeration and module building included) and prints
the status, makespan, bound, wall time of ``solve()`` and the model's size.  Targets:

* 100 identical GoogLeNet jobs at 3G / 4G / Wi-Fi: proven optimal in < 5 s each; 1,000 jobs < 10 s;
* a mix of 11 jobs (AlexNet x4, GoogLeNet x3, ResNet18 x2, MobileNetV2 x2) at 3G: < 10 s;
* RandWire x 1 / 4 / 10 at 3G / 4G / Wi-Fi: proven, or bracketed within 1 %, in < 60 s each.

With ``--remote serial|parallel`` (issue 22) the cases are the quick suite's joint zoo instances (AlexNet,
GoogLeNet, RandWire x 1 / 4 / 10 at 3G / 4G / Wi-Fi) and GoogLeNet x100 at 4G, on ``--server`` (default the
slowest preset, ``i5-8250u``).  Targets: every quick-suite instance proven or within 1 % in 60 s; GoogLeNet
x100 at 4G serial within 1 % in 120 s (``--time-limit 120 --only "googlenet x100"``).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import offloadsched.formulations._modules as modules
from offloadsched import JointProblem, solve
from offloadsched.instances import get_model
from offloadsched.instances.platforms import make_platform

NETWORKS = ("3g", "4g", "wifi")


def remote_cases() -> list[tuple[str, list[str], str]]:
    """The quick suite's joint zoo instances, then GoogLeNet x100 at 4G."""
    out = [(f"{m} x{n} {net}", [m] * n, net) for m in ("alexnet", "googlenet", "randwire") for n in (1, 4, 10)
           for net in NETWORKS]
    return out + [("googlenet x100 4g", ["googlenet"] * 100, "4g")]


def cases() -> list[tuple[str, list[str], str]]:
    out = [(f"googlenet x100 {net}", ["googlenet"] * 100, net) for net in NETWORKS]
    out.append(("googlenet x1000 4g", ["googlenet"] * 1000, "4g"))
    mix = ["alexnet"] * 4 + ["googlenet"] * 3 + ["resnet18"] * 2 + ["mobilenet_v2"] * 2
    out.append(("mix of 11 3g", mix, "3g"))
    out += [(f"randwire x{n} {net}", ["randwire"] * n, net) for net in NETWORKS for n in (1, 4, 10)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--solver", default="cbc", choices=("cbc", "highs"))
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--only", default=None, help="run the cases whose name contains this")
    ap.add_argument("--w-msg", type=float, default=None, help="per-tensor upload overhead (s), else the preset's")
    ap.add_argument("--w-rtt", type=float, default=None, help="round trip per offloading job (s), else the preset's")
    ap.add_argument("--remote", default="negligible", choices=("negligible", "serial", "parallel"))
    ap.add_argument("--server", default=None, help="server preset (default gtx1080; i5-8250u with --remote)")
    args = ap.parse_args()
    server = args.server or ("gtx1080" if args.remote == "negligible" else "i5-8250u")
    print(f"remote {args.remote}, server {server}, time limit {args.time_limit:g} s")
    latencies = {k: v for k, v in (("w_msg", args.w_msg), ("w_rtt", args.w_rtt)) if v is not None}
    print(f"{'case':22s} {'status':9s} {'makespan':>12s} {'bound':>12s} {'gap':>7s} {'time (s)':>9s} "
          f"{'catalogue':>9s} {'kept/ideals':>13s} {'rounds':>6s} {'types':>5s}")
    for name, models, net in (cases() if args.remote == "negligible" else remote_cases()):
        if args.only and args.only not in name:
            continue
        modules._CACHE.clear()  # cold: enumeration and module building included
        zoo = {m: get_model(m) for m in set(models)}
        problem = JointProblem([zoo[m] for m in models], replace(make_platform("rpi4", server, net), **latencies),
                               remote_model=args.remote)
        t0 = time.perf_counter()
        r = solve(problem, "mip-joint-ideals", time_limit=args.time_limit, solver=args.solver)
        wall = time.perf_counter() - t0
        gap = (r.makespan - r.bound) / r.makespan if r.makespan else 0.0
        info = r.info
        print(f"{name:22s} {r.status:9s} {r.makespan:12d} {int(r.bound):12d} {100 * gap:6.2f}% {wall:9.2f} "
              f"{info.get('catalogue_s', 0):9.2f} {info.get('options', 0):>6d}/{sum(info.get('ideals', [])):<6d} "
              f"{info.get('rounds', 0):6d} {info.get('partitions_used', 0):5d}", flush=True)


if __name__ == "__main__":
    main()
