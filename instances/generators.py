"""Seeded instance families for tests and benchmarks.

Every random family takes a ``seed`` and draws from ``numpy.random.default_rng(seed)`` only, so
an instance is a pure function of its arguments.  The families return the core's objects:

* jobs: :func:`identical`, :func:`heterogeneous_mix` (seed 001 Fig. 19: AlexNet, MobileNetV2
  and GoogLeNet in equal shares);
* problems: :func:`random_j2`, :func:`random_fm`, :func:`random_dag_problem`,
  :func:`random_joint`;
* graphs: :func:`random_graph` (``preds`` lists of chains, out-trees, series-parallel graphs and
  general DAGs, in topological order), :func:`random_partition`, :func:`random_dnn`;
* Taillard (1993) flow-shop instances: :func:`taillard`, :func:`taillard_instance`, :data:`TAILLARD`.

Size ceilings: a family refuses sizes whose instance would not fit in memory (or take hours to
draw), naming the parameter and the ceiling: :data:`MAX_JOBS` jobs, :data:`MAX_MACHINES` machines
and :data:`MAX_TIMES` times (``n x m``) of a flow problem, :data:`MAX_NODES` nodes of a graph or
layers of a DNN (and of all the random DNNs of a joint problem together), and for the ``dag``
shape, which draws every pair of nodes, :data:`MAX_DAG_NODES` nodes and :data:`MAX_ARCS` expected
arcs.  The benchmark's families (:mod:`offloadsched.bench.builders`) apply them to their parameters.

References (docs/REFERENCES.md): [Seed001], [Taillard1993].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from offloadsched.dnn import DNN, Layer
from offloadsched.errors import ValidationError
from offloadsched.platform import Platform
from offloadsched.problems import DagProblem, FmProblem, J2Problem, JointProblem, identical_jobs
from offloadsched.units import is_integer, is_real

from .zoo import get_model

SHAPES = ("chain", "tree", "sp", "dag")


Seed = int | np.random.Generator


def _rng(seed: Seed) -> np.random.Generator:
    """``numpy.random.default_rng(seed)``; a Generator passes through (families that draw several
    parts share one stream).  A seed is an integer >= 0 (not a boolean, a float or a string)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if not is_integer(seed) or seed < 0:
        raise ValidationError(f"seed must be an integer >= 0 or a numpy Generator, got {seed!r}"[:200])
    return np.random.default_rng(int(seed))


def _tag(seed: Seed) -> str:
    return str(seed) if isinstance(seed, (int, np.integer)) else "rng"


#: jobs of a flow problem or a joint problem
MAX_JOBS = 100_000
#: machines of a flow problem
MAX_MACHINES = 1_000
#: processing times of a flow problem (jobs x machines; 80 MB of int64)
MAX_TIMES = 10_000_000
#: nodes of a random graph, layers of a random DNN, and layers of all the random DNNs of a joint problem
MAX_NODES = 1_000_000
#: nodes of a random graph of shape ``dag`` (it draws all n (n - 1) / 2 pairs)
MAX_DAG_NODES = 20_000
#: expected arcs of a random graph of shape ``dag``
MAX_ARCS = 10_000_000


def check_size(n: int, what: str, ceiling: int, minimum: int = 1) -> int:
    """``n`` as an int if it is an integer in ``minimum..ceiling``, else a ValidationError naming ``what``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValidationError(f"{what} must be an integer >= {minimum}, got {n!r}")
    if n > ceiling:
        raise ValidationError(f"{what} must be at most {ceiling:_} (a size ceiling of the instance generators: "
                              f"larger instances do not fit in memory), got {int(n):_}")
    return int(n)


def _check_n(n: int, what: str, minimum: int = 1, ceiling: int = MAX_NODES) -> int:
    return check_size(n, what, ceiling, minimum)


def _check_range(low: int, high: int, what: str) -> None:
    """Integer times ``low..high``: integers (not booleans or floats), ``0 <= low <= high < 2**62``."""
    if not (is_integer(low) and is_integer(high)) or not 0 <= low <= high < 2**62:
        raise ValidationError(f"{what}: need 0 <= low <= high (integers below 2**62), got {low!r}..{high!r}"[:200])


# -- jobs of zoo models ----------------------------------------------------------------------
def identical(model: str | DNN, n: int, **options) -> list[DNN]:
    """``n`` jobs of one DNN (a zoo name with builder ``options``, or a DNN)."""
    dnn = model if isinstance(model, DNN) else get_model(model, **options)
    return identical_jobs(dnn, _check_n(n, "number of jobs", ceiling=MAX_JOBS))


def heterogeneous_mix(n: int, seed: int = 0, models: Sequence[str] = ("alexnet", "mobilenet_v2", "googlenet")
                      ) -> list[DNN]:
    """``n`` jobs in equal shares of ``models`` (seed 001 Fig. 19), in a random order.

    With ``n`` not a multiple of ``len(models)`` the remainder goes to randomly chosen models;
    each model is built once and its jobs share the DNN object."""
    _check_n(n, "number of jobs", ceiling=MAX_JOBS)
    if isinstance(models, str) or not models:
        raise ValidationError(f"heterogeneous_mix: models must be a non-empty list of model names, got {models!r}")
    rng = _rng(seed)
    k = len(models)
    counts = [n // k] * k
    for i in rng.choice(k, size=n % k, replace=False):
        counts[i] += 1
    built = [get_model(m) for m in models]
    jobs = [d for d, c in zip(built, counts) for _ in range(c)]
    return [jobs[i] for i in rng.permutation(n)]


# -- flow problems ------------------------------------------------------------------------------
def random_j2(n: int, seed: Seed = 0, low: int = 1, high: int = 100) -> J2Problem:
    """Two-stage jobs with ``a``, ``b`` uniform integers in ``low..high``."""
    _check_range(low, high, "random_j2")
    t = _rng(seed).integers(low, high, size=(_check_n(n, "n", ceiling=MAX_JOBS), 2), endpoint=True)
    return J2Problem(t[:, 0], t[:, 1], name=f"random_j2_n{n}_s{_tag(seed)}")


def random_fm(n: int, m: int = 3, seed: Seed = 0, low: int = 1, high: int = 100) -> FmProblem:
    """Permutation flow shop with times uniform integers in ``low..high`` (``m = 3``: local, uplink,
    remote)."""
    _check_range(low, high, "random_fm")
    _check_flow_size(n, m)
    t = _rng(seed).integers(low, high, size=(n, m), endpoint=True)
    machines = ("local", "uplink", "remote") if m == 3 else None
    return FmProblem(t, machines=machines, name=f"random_fm_n{n}_m{m}_s{_tag(seed)}")


def _check_flow_size(n: int, m: int, min_m: int = 2) -> None:
    n, m = _check_n(n, "n", ceiling=MAX_JOBS), _check_n(m, "m", min_m, MAX_MACHINES)
    if n * m > MAX_TIMES:
        raise ValidationError(f"n x m must be at most {MAX_TIMES:_} times (a size ceiling of the instance "
                              f"generators: larger instances do not fit in memory), got {n:_} x {m:_}")


# -- graphs ---------------------------------------------------------------------------------------
def _sp(rng: np.random.Generator, n: int) -> tuple[list[list[int]], list[int], list[int]]:
    """A random series-parallel graph on ``n`` nodes: (preds, sources, sinks), nodes 0..n-1 in
    topological order."""
    if n == 1:
        return [[]], [0], [0]
    k = int(rng.integers(1, n))
    left, right = _sp(rng, k), _sp(rng, n - k)
    preds = left[0] + [[p + k for p in ps] for ps in right[0]]
    if rng.random() < 0.5:  # series: every sink of the left precedes every source of the right
        for s in right[1]:
            preds[s + k] = sorted(preds[s + k] + left[2])
        return preds, left[1], [s + k for s in right[2]]
    return preds, left[1] + [s + k for s in right[1]], left[2] + [s + k for s in right[2]]


def random_graph(n: int, seed: Seed = 0, shape: str = "dag", *, p: float = 0.3) -> list[list[int]]:
    """Predecessor lists of a random graph on ``n`` nodes in topological order.

    ``chain``: ``v - 1 -> v``.  ``tree``: an out-tree rooted at node 0, each node's parent uniform
    among the earlier nodes (random recursive tree).  ``sp``: a vertex series-parallel graph
    (random series and parallel compositions; several sources and sinks possible).  ``dag``: node 0
    is the only source; every other node has a uniform earlier parent plus each other earlier
    node with probability ``p``."""
    n = _check_n(n, "number of nodes")
    rng = _rng(seed)
    if shape == "chain":
        return [[]] + [[v - 1] for v in range(1, n)]
    if shape == "tree":
        return [[]] + [[int(rng.integers(0, v))] for v in range(1, n)]
    if shape == "sp":
        return _sp(rng, n)[0]
    if shape == "dag":
        if not 0 <= p <= 1:
            raise ValidationError(f"random_graph: p must be in [0, 1], got {p}")
        _check_dag_size(n, p)
        preds: list[list[int]] = [[]]
        for v in range(1, n):
            parents = {int(rng.integers(0, v))} | {int(u) for u in np.flatnonzero(rng.random(v) < p)}
            preds.append(sorted(parents))
        return preds
    raise ValidationError(f"unknown graph shape {shape!r}; known: {', '.join(SHAPES)}")


def _check_dag_size(n: int, p: float) -> None:
    check_size(n, "number of nodes of a random dag", MAX_DAG_NODES)
    arcs = (n - 1) + p * (n - 1) * (n - 2) / 2
    if arcs > MAX_ARCS:
        raise ValidationError(f"a random dag of {n:_} nodes with p = {p:g} has about {arcs:.3g} arcs, above the "
                              f"ceiling of {MAX_ARCS:_} (a size ceiling of the instance generators): lower n or p")


def random_partition(preds: Sequence[Sequence[int]], seed: Seed = 0, n_local: int | None = None) -> np.ndarray:
    """A random predecessor-closed local set of ``n_local`` nodes (default: uniform in ``1..n-1``,
    so some nodes are local and some remote): the first ``n_local`` nodes of a random linear
    extension, built by picking uniformly among the nodes whose predecessors are all taken."""
    n = len(preds)
    rng = _rng(seed)
    if n_local is None:
        n_local = int(rng.integers(1, n)) if n > 1 else n
    if not is_integer(n_local) or not 0 <= n_local <= n:
        raise ValidationError(f"random_partition: n_local must be in 0..{n}, got {n_local}")
    waiting = [len(ps) for ps in preds]
    succs: list[list[int]] = [[] for _ in range(n)]
    for v, ps in enumerate(preds):
        for u in ps:
            succs[u].append(v)
    ready = [v for v in range(n) if waiting[v] == 0]
    local = np.zeros(n, dtype=bool)
    for _ in range(n_local):
        v = ready.pop(int(rng.integers(len(ready))))
        local[v] = True
        for s in succs[v]:
            waiting[s] -= 1
            if waiting[s] == 0:
                ready.append(s)
    return local


def random_dag_problem(n: int, seed: Seed = 0, shape: str = "dag", *, remote_model: str = "negligible",
                       n_local: int | None = None, low: int = 1, high: int = 100, p: float = 0.3) -> DagProblem:
    """Problem D on a random graph (:func:`random_graph`) with a random partition
    (:func:`random_partition`) and ``f``, ``u``, ``r`` uniform integers in ``low..high``."""
    _check_range(low, high, "random_dag_problem")
    rng = _rng(seed)
    preds = random_graph(n, rng, shape, p=p)
    local = random_partition(preds, rng, n_local)
    f, u, r = rng.integers(low, high, size=(3, n), endpoint=True)
    return DagProblem(f=f, u=u, r=r, local=local, preds=preds, remote_model=remote_model,
                      name=f"random_{shape}_n{n}_s{_tag(seed)}")


def random_dnn(n: int, seed: Seed = 0, shape: str = "tree", *, flops: tuple[float, float] = (1e6, 1e9),
               out_bytes: tuple[float, float] = (1e3, 1e6), input_bytes: float = 602_112, p: float = 0.3) -> DNN:
    """A random DNN of ``n`` layers with one input and one output.

    The inner ``n - 2`` layers form :func:`random_graph` of ``shape``; the input feeds its sources
    and the output (kind ``"output"``) reads its sinks, so ``tree`` gives an out-tree closed by one
    output layer.  FLOPs and output bytes are log-uniform in the given ranges; the input carries
    ``input_bytes`` (default a 3x224x224 float32 image)."""
    n = _check_n(n, "number of layers", 3)
    for lo_hi, what in ((flops, "flops"), (out_bytes, "out_bytes")):
        if (not isinstance(lo_hi, (tuple, list)) or len(lo_hi) != 2 or not all(map(is_real, lo_hi))
                or not 0 < lo_hi[0] <= lo_hi[1] < 1e300):
            raise ValidationError(f"random_dnn: {what} range must be a pair 0 < low <= high (finite), "
                                  f"got {lo_hi!r}"[:200])
    rng = _rng(seed)
    inner = random_graph(n - 2, rng, shape, p=p)
    fl = np.exp(rng.uniform(np.log(flops[0]), np.log(flops[1]), n - 1))
    ob = np.exp(rng.uniform(np.log(out_bytes[0]), np.log(out_bytes[1]), n - 1))
    names = ["input"] + [f"l{v}" for v in range(1, n - 1)] + ["output"]
    layers = [Layer("input", "input", 0, input_bytes)]
    layers += [Layer(names[v], "layer", float(fl[v - 1]), float(ob[v - 1])) for v in range(1, n - 1)]
    layers.append(Layer("output", "output", float(fl[-1]), float(ob[-1])))
    has_succ = [False] * (n - 2)
    edges = []
    for v, ps in enumerate(inner):
        edges += [(names[u + 1], names[v + 1]) for u in ps] or [("input", names[v + 1])]
        for u in ps:
            has_succ[u] = True
    edges += [(names[v + 1], "output") for v in range(n - 2) if not has_succ[v]]
    # The "source" tag keeps its old spelling (this module was the top-level instances.families):
    # it is part of the problem's JSON, so changing it would change every stored problem digest.
    return DNN(f"random_{shape}_n{n}_s{_tag(seed)}", layers, edges,
               attrs={"source": "instances.families.random_dnn", "shape": shape})


def random_joint(n_jobs: int, seed: int = 0, n_layers: int = 10, shape: str = "tree", *,
                 platform: Platform | None = None, remote_model: str = "negligible") -> JointProblem:
    """A joint problem of ``n_jobs`` random DNNs (:func:`random_dnn`, seeds ``seed``, ``seed+1``, ...)
    on ``platform`` (default ``make_platform()``: rpi4, gtx1080, 4G)."""
    from .platforms import make_platform

    check_joint_size(n_jobs, n_layers, "number of jobs", "number of layers")
    jobs = [random_dnn(n_layers, seed + k, shape) for k in range(n_jobs)]
    return JointProblem(jobs, platform or make_platform(), remote_model=remote_model,
                        name=f"random_joint_{shape}_j{n_jobs}_s{seed}")


def check_joint_size(jobs: int, layers: int, jobs_name: str, layers_name: str) -> None:
    """The ceilings of a joint problem of ``jobs`` random DNNs of ``layers`` layers (before drawing any)."""
    jobs, layers = check_size(jobs, jobs_name, MAX_JOBS), check_size(layers, layers_name, MAX_NODES, 3)
    if jobs * layers > MAX_NODES:
        raise ValidationError(f"{jobs_name} x {layers_name} must be at most {MAX_NODES:_} layers in all (a size "
                              f"ceiling of the instance generators), got {jobs:_} x {layers:_}")


# -- Taillard ------------------------------------------------------------------------------------
def taillard(seed: int, n: int, m: int, low: int = 1, high: int = 99) -> np.ndarray:
    """Processing times (``n`` jobs x ``m`` machines) of Taillard's generator (E. Taillard,
    "Benchmarks for basic scheduling problems", EJOR 64, 1993): the Lehmer LCG
    ``seed = 16807 * seed mod (2^31 - 1)`` (Schrage's method, a = 16807, b = 127773, c = 2836),
    times ``low + floor(seed / (2^31 - 1) * (high - low + 1))`` drawn machine by machine."""
    a, b, c, mod = 16807, 127773, 2836, 2**31 - 1
    if not 0 < seed < mod:
        raise ValidationError(f"taillard: seed must be in 1..{mod - 1}, got {seed}")
    _check_flow_size(n, m, 1)
    out = np.empty((m, n), dtype=np.int64)
    for i in range(m):
        for j in range(n):
            k = seed // b
            seed = a * (seed % b) - k * c
            if seed < 0:
                seed += mod
            out[i, j] = low + int(seed / mod * (high - low + 1))
    return out.T


#: Taillard's flow-shop instances: name -> (n, m, time seed, best known makespan, Taillard's lower
#: bound).  The best known makespans of these sets are proven optimal.  The lower bounds (None
#: where not recorded here) equal the machine-based bound recomputed from the generated times,
#: which is how the seeds were checked.
TAILLARD: dict[str, tuple[int, int, int, int, int | None]] = {
    **{f"ta{i + 1:03d}": (20, 5, s, ub, lb) for i, (s, ub, lb) in enumerate([
        (873654221, 1278, 1232), (379008056, 1359, 1290), (1866992158, 1081, 1073), (216771124, 1293, 1268),
        (495070989, 1235, 1198), (402959317, 1195, 1180), (1369363414, 1234, 1226), (2021925980, 1206, 1170),
        (573109518, 1230, 1206), (88325120, 1108, 1082)])},
    **{f"ta{i + 11:03d}": (20, 10, s, ub, lb) for i, (s, ub, lb) in enumerate([
        (587595453, 1582, 1448), (1401007982, 1659, 1479), (873136276, 1496, 1407), (268827376, 1377, 1308),
        (1634173168, 1419, 1325), (691823909, 1397, 1290), (73807235, 1484, 1388), (1273398721, 1538, 1363),
        (2065119309, 1593, 1472), (1672900551, 1591, 1356)])},
    **{f"ta{i + 21:03d}": (20, 20, s, ub, lb) for i, (s, ub, lb) in enumerate([
        (479340445, 2297, 1911), (268827376, 2099, 1711), (1958948863, 2326, 1844), (918272953, 2223, 1810),
        (555010963, 2291, 1899), (2010851491, 2226, 1875), (1519833303, 2273, 1875), (1748670931, 2200, 1880),
        (1923497586, 2237, 1840), (1829909967, 2178, 1900)])},
    **{f"ta{i + 31:03d}": (50, 5, s, ub, None) for i, (s, ub) in enumerate([
        (1328042058, 2724), (200382020, 2834), (496319842, 2621), (1203030903, 2751), (1730708564, 2863),
        (450926852, 2829), (1303135678, 2725), (1273398721, 2683), (587288402, 2552), (248421594, 2782)])},
}


def taillard_instance(name: str) -> FmProblem:
    """A Taillard instance by name (``ta001`` .. ``ta040``) as an :class:`FmProblem`."""
    key = name.lower()
    if key not in TAILLARD:
        raise ValidationError(f"unknown Taillard instance {name!r}; known: ta001 .. ta{len(TAILLARD):03d}")
    n, m, seed, _, _ = TAILLARD[key]
    return FmProblem(taillard(seed, n, m), name=key)
