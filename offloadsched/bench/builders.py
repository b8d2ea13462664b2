"""Instance families of the benchmark: a name -> builder registry.

A builder is a function of plain parameters (strings, numbers, lists, from a suite file) that
returns a :class:`Built` instance: the problem and a few descriptive attributes for reports
(``model``, ``jobs``, ``bandwidth_mbps``, ``size`` ...).  Builders are deterministic: the same
``(family, params, seed)`` always gives the same problem, so results store only those and a
report rebuilds the instance to re-evaluate a stored schedule.  The model zoo and the random
generators live in :mod:`offloadsched.instances` (:mod:`~offloadsched.instances.generators`),
imported lazily.

Register a family with :func:`family`; its parameters, their types and defaults are read from
the builder's signature (a random family takes ``seed``).  Size parameters (``n``, ``m``, ``jobs``,
``layers``) have the generators' ceilings (:mod:`offloadsched.instances.generators`, e.g.
``MAX_JOBS``): a larger value is refused, naming the parameter and the ceiling, before anything is
built.  Parameters added to a family after results were stored are declared ``late``: a suite row
that does not give one leaves it out of the instance's parameters (the builder's default applies),
so the ids of existing runs do not change.

Platform overrides of the joint families (``identical``, ``mix``, ``random-joint``): ``bandwidth``
(Mbit/s) and the two latencies of MODEL.md section 1, ``w_msg_ms`` (per uploaded tensor) and
``w_rtt_ms`` (per offloading job), in milliseconds; ``None`` keeps the preset's calibrated value.
They appear in the instance id only when given; the attributes record the values used.

References (docs/REFERENCES.md): [Seed001], [Seed003], [Taillard1993].
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import ValidationError
from ..problems import FmProblem
from ..vocab import PROBLEM_TYPES, ProblemType

#: Parameter types a suite file can give.
PARAM_TYPES = (str, int, float, bool, list[str], list[int], list[float])


@dataclass
class Built:
    """A built instance: the problem and descriptive attributes (JSON-ready)."""

    problem: Any
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Param:
    """One builder parameter: name, type (one of :data:`PARAM_TYPES`), default, optional."""

    name: str
    type: Any
    default: Any = inspect.Parameter.empty
    optional: bool = False
    late: bool = False  # left out of an instance's parameters when a row does not give it

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty

    @property
    def is_list(self) -> bool:
        return typing.get_origin(self.type) is list

    def check(self, value: Any, where: str) -> Any:
        """The value converted to this parameter's type, or a :class:`ValidationError`."""
        if value is None and self.optional:
            return None
        if self.is_list:
            (inner,) = typing.get_args(self.type)
            if not isinstance(value, list):
                raise ValidationError(f"{where}: parameter {self.name!r} must be a list of {inner.__name__}")
            return [_scalar(v, inner, self.name, where) for v in value]
        return _scalar(value, self.type, self.name, where)


def _scalar(value: Any, typ: type, name: str, where: str) -> Any:
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if typ is not bool and isinstance(value, bool) or not isinstance(value, typ):
        raise ValidationError(f"{where}: parameter {name!r} must be {typ.__name__}, got {value!r}")
    return value


@dataclass(frozen=True)
class InstanceFamily:
    """A registered family: name, builder, the problem type it builds and its parameters."""

    name: str
    builder: Callable[..., Built]
    problem_type: ProblemType | None
    params: dict[str, Param]
    summary: str
    path_params: tuple[str, ...] = ()

    @property
    def random(self) -> bool:
        """Whether the builder takes a ``seed``."""
        return "seed" in self.params

    def build(self, params: dict[str, Any], seed: int = 0) -> Built:
        """Build the instance of (already validated) ``params`` and ``seed``."""
        return self.builder(**params, **({"seed": seed} if self.random else {}))


FAMILIES: dict[str, InstanceFamily] = {}


def signature_params(fn: Callable, what: str) -> dict[str, Param]:
    """The parameters of ``fn`` (keyword-usable, annotated with one of :data:`PARAM_TYPES`)."""
    hints = typing.get_type_hints(fn)
    params = {}
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            raise TypeError(f"{what}: parameter {p.name!r} must be a plain keyword parameter")
        typ, optional = hints.get(p.name), False
        args = typing.get_args(typ)
        if type(None) in args:
            (typ,) = [a for a in args if a is not type(None)]
            optional = True
        if typ not in PARAM_TYPES:
            raise TypeError(f"{what}: parameter {p.name!r} has unsupported type {typ}")
        params[p.name] = Param(p.name, typ, p.default, optional)
    return params


def first_line(fn: Callable) -> str:
    doc = (fn.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""


def family(name: str, problem_type: ProblemType | None, *, path_params: tuple[str, ...] = (),
           late: tuple[str, ...] = ()) -> Callable:
    """Decorator registering a builder as family ``name`` building ``problem_type`` problems
    (``None``: known only once built, e.g. a problem file).  ``path_params`` are file paths, taken
    relative to the suite file's folder; ``late`` parameters (optional, default ``None``) are left
    out of an instance's parameters unless a row gives them (see the module doc)."""
    if problem_type is not None and problem_type not in PROBLEM_TYPES:
        raise ValueError(f"family {name!r}: unknown problem type {problem_type!r}")

    def deco(fn: Callable[..., Built]) -> Callable[..., Built]:
        params = signature_params(fn, f"family {name!r}")
        for p in late:
            if p not in params or params[p].default is not None:
                raise TypeError(f"family {name!r}: late parameter {p!r} must be a parameter with default None")
            params[p] = replace(params[p], late=True)
        FAMILIES[name] = InstanceFamily(name, fn, problem_type, params, first_line(fn), path_params)
        return fn

    return deco


def get_family(name: str) -> InstanceFamily:
    """The family ``name``; a :class:`ValidationError` lists the known ones otherwise."""
    if name not in FAMILIES:
        raise ValidationError(f"unknown family {name!r}; known: {', '.join(sorted(FAMILIES))}")
    return FAMILIES[name]


# -- helpers ------------------------------------------------------------------------------------
#: Ceiling of the latency overrides ``w_msg_ms`` / ``w_rtt_ms`` (ms): ten seconds, two orders of
#: magnitude above every calibrated latency; larger values are taken for a unit mistake.
MAX_LATENCY_MS = 10_000.0
#: The joint families' late parameters (platform latency overrides, issue 14).
LATENCY_PARAMS = ("w_msg_ms", "w_rtt_ms")


def _latency(value: float | None, name: str) -> float | None:
    """A latency override in seconds (None: keep the preset's), or a :class:`ValidationError`."""
    if value is None:
        return None
    if not 0 <= value <= MAX_LATENCY_MS:  # NaN fails too
        raise ValidationError(f"{name} must be between 0 and {MAX_LATENCY_MS:g} ms, got {value!r}")
    return value / 1e3


def _platform(network: str, bandwidth: float | None, device: str, server: str, w_msg_ms: float | None = None,
              w_rtt_ms: float | None = None):
    from offloadsched.instances.platforms import make_platform

    plat = make_platform(device, server, network)
    if bandwidth is not None:
        if not bandwidth > 0:
            raise ValidationError(f"bandwidth must be > 0 Mbit/s, got {bandwidth}")
        plat = plat.with_bandwidth(bandwidth * 1e6)
    w_msg, w_rtt = _latency(w_msg_ms, "w_msg_ms"), _latency(w_rtt_ms, "w_rtt_ms")
    if w_msg is not None or w_rtt is not None:
        plat = replace(plat, w_msg=plat.w_msg if w_msg is None else w_msg, w_rtt=plat.w_rtt if w_rtt is None else w_rtt)
    return plat


def _joint(jobs: list, network: str, bandwidth: float | None, device: str, server: str, remote_model: str,
           name: str, attrs: dict[str, Any], w_msg_ms: float | None = None, w_rtt_ms: float | None = None) -> Built:
    from ..problems import JointProblem

    plat = _platform(network, bandwidth, device, server, w_msg_ms, w_rtt_ms)
    attrs = {**attrs, "network": network if bandwidth is None else None, "bandwidth_mbps": plat.bandwidth / 1e6,
             "w_msg_ms": plat.w_msg * 1e3, "w_rtt_ms": plat.w_rtt * 1e3,
             "size": len(jobs), "layers": sum(len(d) for d in jobs)}
    return Built(JointProblem(jobs, plat, remote_model=remote_model, name=name), attrs)


def _flow_attrs(problem: FmProblem) -> dict[str, Any]:
    return {"n": problem.n, "m": problem.m, "size": problem.n}


# -- families of zoo models -----------------------------------------------------------------------
@family("identical", "joint", late=LATENCY_PARAMS)
def identical(model: str, jobs: int = 1, network: str = "4g", bandwidth: float | None = None,
              device: str = "rpi4", server: str = "gtx1080", remote_model: str = "negligible",
              w_msg_ms: float | None = None, w_rtt_ms: float | None = None) -> Built:
    """``jobs`` identical jobs of a zoo DNN on a device/server/network preset (``bandwidth`` in Mbit/s,
    ``w_msg_ms`` / ``w_rtt_ms`` in ms override the network's)."""
    from offloadsched.instances.generators import MAX_JOBS, check_size
    from offloadsched.instances.generators import identical as make_jobs

    check_size(jobs, "jobs", MAX_JOBS)
    return _joint(make_jobs(model, jobs), network, bandwidth, device, server, remote_model,
                  f"{model}x{jobs}", {"model": model, "jobs": jobs}, w_msg_ms, w_rtt_ms)


@family("mix", "joint", late=LATENCY_PARAMS)
def mix(jobs: int, seed: int = 0, models: list[str] = ("alexnet", "mobilenet_v2", "googlenet"),  # type: ignore[assignment]  # noqa: B006
        network: str = "4g", bandwidth: float | None = None, device: str = "rpi4", server: str = "gtx1080",
        remote_model: str = "negligible", w_msg_ms: float | None = None, w_rtt_ms: float | None = None) -> Built:
    """``jobs`` heterogeneous jobs in equal shares of ``models`` in a random order (seed 001 Fig. 19)."""
    from offloadsched.instances.generators import MAX_JOBS, check_size, heterogeneous_mix

    check_size(jobs, "jobs", MAX_JOBS)
    return _joint(heterogeneous_mix(jobs, seed, list(models)), network, bandwidth, device, server, remote_model,
                  f"mix{jobs}", {"model": "+".join(models), "jobs": jobs}, w_msg_ms, w_rtt_ms)


@family("random-joint", "joint", late=LATENCY_PARAMS)
def random_joint(jobs: int, layers: int = 10, shape: str = "tree", seed: int = 0, network: str = "4g",
                 bandwidth: float | None = None, device: str = "rpi4", server: str = "gtx1080",
                 remote_model: str = "negligible", w_msg_ms: float | None = None,
                 w_rtt_ms: float | None = None) -> Built:
    """``jobs`` random DNNs of ``layers`` layers (shape chain / tree / sp / dag)."""
    from offloadsched.instances.generators import check_joint_size, random_dnn

    check_joint_size(jobs, layers, "jobs", "layers")
    dnns = [random_dnn(layers, seed + k, shape) for k in range(jobs)]
    return _joint(dnns, network, bandwidth, device, server, remote_model, f"random-{shape}{jobs}",
                  {"model": f"random-{shape}-{layers}", "jobs": jobs}, w_msg_ms, w_rtt_ms)


@family("stream", "joint")
def stream(model: str, jobs: int, load: float, pattern: str = "poisson", seed: int = 0, jitter: float = 0.0,
           burst: int = 5, network: str = "4g", device: str = "rpi4", server: str = "gtx1080",
           remote_model: str = "negligible") -> Built:
    """``jobs`` jobs of a zoo DNN (``a+b``: equal shares in a random order) arriving by ``pattern`` (periodic,
    poisson, burst) at offered load ``load`` (:mod:`offloadsched.instances.streams`)."""
    import numpy as np

    from offloadsched.instances.generators import MAX_JOBS, check_size, heterogeneous_mix
    from offloadsched.instances.generators import identical as make_jobs
    from offloadsched.instances.streams import bottleneck_time, release_times

    check_size(jobs, "jobs", MAX_JOBS)
    rng = np.random.default_rng(seed)
    models = model.split("+")
    dnns = make_jobs(model, jobs) if len(models) == 1 else heterogeneous_mix(jobs, rng, models)
    built = _joint(dnns, network, None, device, server, remote_model, f"{model}-{pattern}{jobs}-load{load:g}",
                   {"model": model, "jobs": jobs})
    if not load > 0:
        raise ValidationError(f"load must be > 0 (a share of the best partition's throughput), got {load!r}")
    tau = bottleneck_time(dnns, built.problem.platform, remote_model)
    rate = load * 1e6 / tau
    release = release_times(pattern, jobs, rate, seed=rng, jitter=jitter, size=burst)
    attrs = {**built.attrs, "load": load, "rate_hz": rate, "tau_ms": tau / 1e3, "pattern": pattern,
             "last_release_ms": int(release[-1]) / 1e3}
    return Built(built.problem.with_release(release), attrs)


@family("fl", "joint")
def fused_layer(model: str, rate: float, remote_model: str = "serial") -> Built:
    """One zoo DNN on seed 003's Table I platform at ``rate`` MB/s (the fused-layer experiment, suite ``fl``)."""
    from offloadsched.instances.fl_platform import fl_problem

    problem = fl_problem(model, rate, remote_model)
    return Built(problem, {"model": model, "rate_MBps": rate, "remote_model": remote_model,
                           "size": problem.size})


# -- fixed-partition families ---------------------------------------------------------------------
@family("random-j2", "j2")
def random_j2(n: int, seed: int = 0, low: int = 1, high: int = 100) -> Built:
    """Two-stage jobs, times uniform in ``low..high``."""
    from offloadsched.instances.generators import random_j2 as gen

    p = gen(n, seed, low, high)
    return Built(p, _flow_attrs(p))


@family("random-fm", "fm")
def random_fm(n: int, m: int = 3, seed: int = 0, low: int = 1, high: int = 100) -> Built:
    """Permutation flow shop, ``n`` jobs on ``m`` machines, times uniform in ``low..high``."""
    from offloadsched.instances.generators import random_fm as gen

    p = gen(n, m, seed, low, high)
    return Built(p, _flow_attrs(p))


def _random_dag(shape: str, n: int, seed: int, remote_model: str, n_local: int | None, low: int, high: int,
                p: float = 0.3) -> Built:
    from offloadsched.instances.generators import MAX_DAG_NODES, MAX_NODES, check_size, random_dag_problem

    check_size(n, "n", MAX_DAG_NODES if shape == "dag" else MAX_NODES)
    prob = random_dag_problem(n, seed, shape, remote_model=remote_model, n_local=n_local, low=low, high=high, p=p)
    return Built(prob, {"nodes": n, "local": int(prob.local.sum()), "cuts": len(prob.cut_nodes), "size": n})


@family("random-tree", "dag")
def random_tree(n: int, seed: int = 0, remote_model: str = "negligible", n_local: int | None = None, low: int = 1,
                high: int = 100) -> Built:
    """Problem D on a random out-tree of ``n`` nodes with a random partition of ``n_local`` local nodes."""
    return _random_dag("tree", n, seed, remote_model, n_local, low, high)


@family("random-sp", "dag")
def random_sp(n: int, seed: int = 0, remote_model: str = "negligible", n_local: int | None = None, low: int = 1,
              high: int = 100) -> Built:
    """Problem D on a random series-parallel graph of ``n`` nodes with a random partition."""
    return _random_dag("sp", n, seed, remote_model, n_local, low, high)


@family("random-dag", "dag")
def random_dag(n: int, seed: int = 0, p: float = 0.3, remote_model: str = "negligible", n_local: int | None = None,
               low: int = 1, high: int = 100) -> Built:
    """Problem D on a random DAG of ``n`` nodes (extra arc probability ``p``) with a random partition."""
    return _random_dag("dag", n, seed, remote_model, n_local, low, high, p)


@family("taillard", "fm")
def taillard(name: str) -> Built:
    """A Taillard (1993) flow-shop instance by name (``ta001`` ..)."""
    from offloadsched.instances.generators import TAILLARD, taillard_instance

    p = taillard_instance(name)
    return Built(p, {**_flow_attrs(p), "published_optimum": TAILLARD[name.lower()][3]})


@family("file", None, path_params=("path",))
def from_file(path: str, instance: int | None = None) -> Built:
    """A problem file (JSON or Taillard text, see :mod:`offloadsched.io`); its type is the file's."""
    from ..io import load

    prob = load(path, instance=instance)
    return Built(prob, {"size": prob.size})
