"""Running times of the heuristics (seconds of the method alone, best of ``--repeat``).

Usage: ``python benchmarks/bench_heuristics.py [--repeat 3] [--scale 1.0] [--no-tenfold]``.

Cases (target: each under 2 s at scale 1): Johnson on a 10^6-job J2; NEH on n = 500 jobs with
m = 3 and m = 20 machines; tree-merge on a random 10^5-node out-tree (random recursive tree,
every leaf and 10 % of the inner nodes upload); topo-johnson on a 10^5-node random DAG; JPS and
HPS on 100 identical GoogLeNet jobs (``instances`` zoo, rpi4 + gtx1080 over 4G).  Each case is
also timed at 10x its size, except NEH (O(n^2 m): 10x the jobs is 100x the time).  ``--scale``
multiplies every size (``--scale 0.01`` is a quick smoke run).

JPS and HPS without path listing (target: each under 1 s): 100 identical jobs of every zoo model
at 4G under each remote model (``negligible``, ``serial``, ``parallel``; the name says which), one
DenseNet-121-sized DAG (:func:`densenet_like`: 189 layers, 723 edges, dense-block connectivity)
at 3G, 4G and Wi-Fi with serial remote, and a random 1,000-layer DNN (:func:`random_dnn`).
``--zoo`` runs only these.
"""

from __future__ import annotations

import argparse
import time

import _dags
import numpy as np

from offloadsched import DagProblem, FmProblem, J2Problem, JointProblem, evaluate, get_method, identical_jobs
from offloadsched.dnn import DNN, Layer

LIMIT_S = 2.0
PATHS_LIMIT_S = 1.0  # jps / hps on the zoo, DenseNet-sized and 1,000-layer DAGs


def random_out_tree(n: int, seed: int = 0) -> DagProblem:
    """Random recursive tree of ``n`` local nodes; leaves and 10 % of inner nodes upload to a remote child."""
    rng = np.random.default_rng(seed)
    parent = np.r_[-1, (rng.random(n - 1) * np.arange(1, n)).astype(np.int64)] if n > 1 else np.array([-1])
    is_leaf = np.ones(n, dtype=bool)
    is_leaf[parent[parent >= 0]] = False
    uploads = np.flatnonzero(is_leaf | (rng.random(n) < 0.1))
    preds = [[int(p)] if p >= 0 else [] for p in parent] + [[int(v)] for v in uploads]
    size = n + len(uploads)
    return DagProblem(f=np.r_[rng.integers(1, 1000, n), np.zeros(len(uploads), np.int64)],
                      u=rng.integers(1, 1000, size), r=np.zeros(size, np.int64),
                      local=np.arange(size) < n, preds=preds, name=f"out-tree {n}")


def random_dag(n: int, seed: int = 0) -> DagProblem:
    """Random DAG (1-2 predecessors among the 50 previous nodes), the first 60 % local, no remote time."""
    return _dags.random_dag(n, seed, low=1, remote_high=0)


def densenet_like(blocks: tuple[int, ...] = (6, 12, 24, 16), growth: int = 32) -> DNN:
    """DenseNet-121's graph at the granularity of an ONNX export with batch-norms folded: a stem, four
    dense blocks (each layer: a batch-norm-ReLU node fed by the block input and every earlier layer of
    the block, a 1x1 and a 3x3 convolution) and transitions; 189 layers, 723 edges, FLOPs and output
    bytes from the channel counts (224 x 224 input, float32)."""
    layers = [Layer("input", "input", 0, 3 * 224 * 224 * 4), Layer("conv0", "conv", 2 * 118e6, 64 * 112 * 112 * 4),
              Layer("pool0", "pool", 64 * 56 * 56 * 9, 64 * 56 * 56 * 4)]
    edges = [("input", "conv0"), ("conv0", "pool0")]
    block_in, c, hw = "pool0", 64, 56 * 56
    for b, k in enumerate(blocks):
        outs = [block_in]
        for j in range(k):
            cin = c + growth * j
            bn, c1, c3 = f"b{b}l{j}.bn", f"b{b}l{j}.conv1", f"b{b}l{j}.conv3"
            layers += [Layer(bn, "bn", 2 * cin * hw, cin * hw * 4),
                       Layer(c1, "conv", 2 * cin * 4 * growth * hw, 4 * growth * hw * 4),
                       Layer(c3, "conv", 2 * 4 * growth * 9 * growth * hw, growth * hw * 4)]
            edges += [(o, bn) for o in outs] + [(bn, c1), (c1, c3)]
            outs.append(c3)
        c += growth * k
        last = b == len(blocks) - 1
        names = ("final.bn", "final.pool", "fc") if last else (f"t{b}.bn", f"t{b}.conv", f"t{b}.pool")
        layers.append(Layer(names[0], "bn", 2 * c * hw, c * hw * 4))
        edges += [(o, names[0]) for o in outs]
        if last:
            layers += [Layer(names[1], "pool", c * hw, c * 4), Layer(names[2], "linear", 2 * c * 1000, 4000)]
        else:
            c //= 2
            layers += [Layer(names[1], "conv", 2 * 2 * c * c * hw, c * hw * 4), Layer(names[2], "pool", c * hw, c * hw)]
            hw //= 4
        edges += [(names[0], names[1]), (names[1], names[2])]
        block_in = names[2]
    return DNN("densenet121-like", layers, edges)


def random_dnn(n: int, seed: int = 0) -> DNN:
    """A random DNN of ``n`` layers: each fed by 1-3 of the 50 before it (dangling layers feed the
    output), FLOPs uniform up to 10^9 and outputs up to 300 kB (cuts inside the graph at 4G)."""
    rng = np.random.default_rng(seed)
    layers = [Layer("in", "input", 0, 600_000)] + [
        Layer(f"l{v}", "conv", float(rng.integers(1, 10**9)), float(rng.integers(1, 300_000))) for v in range(1, n)]
    edges = {(int(p), v) for v in range(1, n - 1) for p in rng.integers(max(0, v - 50), v, size=rng.integers(1, 4))}
    fed = {p for p, _ in edges}
    edges |= {(v, n - 1) for v in range(n - 1) if v not in fed}
    return DNN(f"random {n}", layers, [(layers[a].name, layers[b].name) for a, b in sorted(edges)])


def joint(dnn: DNN, jobs: int, network: str = "4g", remote_model: str = "negligible") -> JointProblem:
    from offloadsched.instances.platforms import make_platform

    return JointProblem(identical_jobs(dnn, jobs), make_platform("rpi4", "gtx1080", network), remote_model=remote_model)


def path_cases(scale: float):
    """(method, label, size, builder, limit) of JPS and HPS on the zoo and on large DAGs."""
    from offloadsched.instances import get_model
    from offloadsched.instances.zoo import MODELS

    jobs = max(1, int(100 * scale))
    out = []
    for name in MODELS:
        for rm in ("negligible", "serial", "parallel"):
            for method in ("jps", "hps"):
                out.append((method, f"{name} {rm} @4G", jobs,
                            lambda name=name, rm=rm: joint(get_model(name), jobs, "4g", rm), PATHS_LIMIT_S))
    for net in ("3g", "4g", "wifi"):
        for method in ("jps", "hps"):
            out.append((method, f"densenet121-like {net}", 1, lambda net=net: joint(densenet_like(), 1, net, "serial"),
                        PATHS_LIMIT_S))
    for method in ("jps", "hps"):
        n = max(10, int(1000 * scale))
        out.append((method, "random DNN serial @4G", n, lambda n=n: joint(random_dnn(n), 1, "4g", "serial"),
                    PATHS_LIMIT_S))
    return out


def googlenet_jobs(n: int) -> JointProblem:
    from offloadsched.instances import get_model

    return joint(get_model("googlenet"), n)


def cases(scale: float, tenfold: bool):
    """(method, label, size, builder) for every case."""
    def s(x: int) -> int:
        return max(2, int(x * scale))

    rng = np.random.default_rng(1)
    out = []
    for k in (1, 10) if tenfold else (1,):
        n = s(1_000_000 * k)
        out.append(("johnson", "J2", n, lambda n=n: J2Problem(rng.integers(0, 10**6, n), rng.integers(0, 10**6, n))))
    for m in (3, 20):
        n = s(500)
        out.append(("neh", f"Fm m={m}", n, lambda n=n, m=m: FmProblem(rng.integers(1, 100, (n, m)))))
    for k in (1, 10) if tenfold else (1,):
        n = s(100_000 * k)
        out.append(("tree-merge", "random out-tree", n, lambda n=n: random_out_tree(n)))
        out.append(("topo-johnson", "random DAG", n, lambda n=n: random_dag(n)))
    for k in (1, 10) if tenfold else (1,):
        jobs = max(1, int(100 * k * scale))
        for method in ("jps", "hps"):
            out.append((method, "GoogLeNet jobs @4G", jobs, lambda jobs=jobs: googlenet_jobs(jobs)))
    return [(*case, LIMIT_S) for case in out]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every size (0.01 = smoke test)")
    ap.add_argument("--no-tenfold", dest="tenfold", action="store_false", help="skip the 10x sizes")
    ap.add_argument("--zoo", action="store_true", help="only jps and hps on the zoo and the large DAGs")
    args = ap.parse_args()
    print(f"{'method':13s} {'instance':32s} {'size':>9s} {'seconds':>9s} {'makespan':>14s}  under the limit")
    todo = [] if args.zoo else cases(args.scale, args.tenfold)
    for method, label, size, build, limit in todo + path_cases(args.scale):
        problem = build()
        fn = get_method(method).load()
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = fn(problem)
            best = min(best, time.perf_counter() - t0)
        scored = out.problem if out.problem is not None else problem
        ms = evaluate(scored, out.schedule).makespan
        ok = "yes" if best < limit else "NO"
        print(f"{method:13s} {label:32s} {size:>9d} {best:>9.3f} {ms:>14d}  {ok} ({limit:g} s)", flush=True)


if __name__ == "__main__":
    main()
