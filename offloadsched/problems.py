"""The three scheduling problems of MODEL.md section 2 and the joint problem.

* :class:`J2Problem` - two-stage jobs (local compute ``a``, upload ``b``): F2||Cmax.
* :class:`FmProblem` - staged jobs on ``m >= 2`` machines in series, permutation flow shop.
* :class:`DagProblem` - layer-level DAG shop: local compute, uploads of cut-points and
  remote compute, with remote model ``negligible | serial | parallel``.
* :class:`JointProblem` - DNN jobs on a platform; a method chooses the partitions too.

Every problem carries release times ``release`` (integer µs >= 0, one per job, default 0; MODEL.md
"Release times"): no operation of job ``j`` starts before ``release[j]``, on any machine.  Job ``j``'s
response time is its completion minus ``release[j]``.

Every problem carries a round trip ``w_rtt`` (integer µs, default 0, MODEL.md section 1): a job
that offloads anything completes ``w_rtt`` after its last upload or remote operation, on no
machine; the makespan is the latest completion.  In a flow problem a job offloads when one of its
times after the first machine is positive; in problem D when it has a remote node.

Every time is an integer number of microseconds, and below a ceiling: every time of a problem and
the sum of all its times must be below ``2**53`` µs (:data:`offloadsched.units.TIME_CEILING`), so that
makespans are exact in the evaluator's int64 arithmetic and in every float64 that carries them
(bounds, JSON, the results database).  A problem above it is refused when built, naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain

import numpy as np

from .dnn import DNN
from .errors import SizeLimitError, ValidationError
from .partition import Partition
from .platform import Platform
from .units import TIME_CEILING, check_int_times, is_integer, refuse_array_kind, require_numbers
from .vocab import PROBLEM_TYPES, ProblemType

REMOTE_MODELS = ("negligible", "serial", "parallel")


@dataclass(frozen=True)
class Operations:
    """A flat list of operations and precedence arcs, for checks, bounds and models.

    ``resource[k]`` is the machine of operation ``k`` (``""`` when it needs none),
    ``item[k]`` its job (flow problems) or node (DAG problems), ``kind[k]`` one of
    the problem's operation kinds; ``arcs`` is an ``(e, 2)`` array of ``(before, after)``.
    """

    kind: np.ndarray
    item: np.ndarray
    resource: np.ndarray
    duration: np.ndarray
    arcs: np.ndarray

    def __len__(self) -> int:
        return len(self.item)


class FmProblem:
    """Permutation flow shop: ``times[j, i]`` of job ``j`` on machine ``i`` (m >= 2).

    One job order is used on every machine.  ``machines`` names the machines
    (default ``M1..Mm``; offloading problems use ``local, uplink, remote``).

    Parameters
    ----------
    times : array_like of int, shape (n, m)
        Non-negative integer microseconds.
    machines, jobs : sequence of str, optional
        Names of the machines and of the jobs.
    name : str
    w_rtt : int
        Round trip (µs) added after the last operation of every offloading job (a job with a
        positive time after the first machine).  0 for the classic flow shop.
    release : array_like of int, shape (n,), optional
        Release time (µs) of every job: none of its operations starts earlier.  Default all 0.

    Raises
    ------
    ValidationError
        A table that is not 2-d, fewer than two machines, or a time that is not a non-negative
        integer (the message names the entry).

    Notes
    -----
    NP-hard for m >= 3 [GareyJohnsonSethi1976]; methods: ``neh`` [NawazEnscoreHam1983], ``ig``
    [RuizStutzle2007], ``bb-flowshop`` [LadhariHaouari2005], ``cpsat-flowshop``, ``mip-path``.

    Examples
    --------
    >>> from offloadsched import FmProblem, solve
    >>> q = FmProblem([[3, 2, 1], [1, 4, 2], [2, 1, 3]])
    >>> q.times.shape
    (3, 3)
    >>> solve(q, "neh").makespan
    10
    >>> solve(q, "bruteforce").makespan
    10
    """

    type = "fm"

    def __init__(self, times, *, machines: Sequence[str] | None = None,
                 jobs: Sequence[str] | None = None, name: str = "", w_rtt: int = 0, release=None) -> None:
        require_numbers(times, f"{self.type} problem: times")  # before numpy reads [True, 2] as [1, 2]
        try:
            arr = np.asarray(times)
        except ValueError:
            raise ValidationError(f"{self.type} problem: times must be a table of equal-length rows") from None
        if arr.ndim != 2:
            raise ValidationError(f"{self.type} problem: times must be a 2-d table (jobs x machines), "
                                  f"got {arr.ndim} dimension(s)")
        n, m = arr.shape
        if m < 2:
            raise ValidationError(f"{self.type} problem: needs at least 2 machines, got {m}")
        self.times = check_int_times(arr, f"{self.type} problem", lambda k: self._time_label(k, m))
        self.times.flags.writeable = False
        if machines is not None and (not isinstance(machines, (Sequence, np.ndarray)) or len(machines) != m
                                     or len(set(map(repr, machines))) != m):
            raise ValidationError(f"{self.type} problem: need {m} distinct machine names, got {machines!r}"[:200])
        self.machines = (_names(machines, m, f"{self.type} problem", "machine", "") if machines is not None
                         else tuple(f"M{i + 1}" for i in range(m)))
        self.jobs = _names(jobs, n, f"{self.type} problem", "job", "J")
        self.name = name
        self.info: dict = {}
        total = int(self.times.sum(dtype=object))
        self.w_rtt = check_rtt(w_rtt, f"{self.type} problem", total)
        if self.w_rtt and not self.offloading.any():
            self.w_rtt = 0  # nothing offloads: no round trip to pay
        self.release = check_release(release, self.jobs, f"{self.type} problem", total + self.w_rtt)

    @property
    def has_release(self) -> bool:
        """Does some job have a positive release time?"""
        return bool(self.release.any())

    def with_release(self, release) -> FmProblem:
        """The same problem with other release times (``None``: all 0)."""
        return same_flow(self, self.times, w_rtt=self.w_rtt, release=release)

    @cached_property
    def offloading(self) -> np.ndarray:
        """Boolean per job: does it offload (a positive time after the first machine)?"""
        mask = np.asarray(self.times[:, 1:].any(axis=1), dtype=bool)
        mask.flags.writeable = False
        return mask

    @staticmethod
    def _time_label(k: int, m: int) -> str:
        return f": times[{k // m}][{k % m}]"

    @property
    def n(self) -> int:
        return self.times.shape[0]

    @property
    def m(self) -> int:
        return self.times.shape[1]

    @property
    def resources(self) -> tuple[str, ...]:
        return self.machines

    @property
    def size(self) -> int:
        return self.n

    def __repr__(self) -> str:
        rtt = f", w_rtt={self.w_rtt}" if self.w_rtt else ""
        return f"{type(self).__name__}({self.name + ', ' if self.name else ''}n={self.n}, m={self.m}{rtt})"

    def without_rtt(self) -> FmProblem:
        """The same jobs with ``w_rtt = 0`` (the classic flow shop)."""
        return same_flow(self, self.times, w_rtt=0, release=self.release)

    def operations(self) -> Operations:
        n, m = self.times.shape
        item = np.repeat(np.arange(n), m)
        mach = np.tile(np.arange(m), n)
        k = np.arange(n * m).reshape(n, m)
        arcs = np.stack([k[:, :-1].ravel(), k[:, 1:].ravel()], axis=1)
        names = np.array(self.machines, dtype=str)[mach]
        return Operations(kind=names, item=item, resource=names.copy(),
                          duration=self.times.ravel().copy(), arcs=arcs)


class J2Problem(FmProblem):
    """Two-stage jobs: local compute ``a[j]`` then upload ``b[j]`` (F2||Cmax, MODEL.md J2).

    Parameters
    ----------
    a, b : array_like of int, shape (n,)
        Local compute and upload times (integer microseconds).
    jobs : sequence of str, optional
    name : str
    machines : pair of str
    w_rtt : int
        Round trip (µs) after the upload of every job with ``b > 0``.
    release : array_like of int, shape (n,), optional
        Release time (µs) of every job (default all 0).

    Raises
    ------
    ValidationError
        ``a`` and ``b`` of different lengths, or a bad time.

    Notes
    -----
    Johnson's rule solves it in O(n log n) [Johnson1954], with ``w_rtt`` too: the makespan is
    max(sum a, C + w_rtt) with C the end of the last positive upload, and Johnson's order puts
    the jobs with ``b = 0`` last, so C is the optimal F2 makespan of the others.

    Examples
    --------
    >>> from offloadsched import J2Problem, solve
    >>> p = J2Problem([3, 1, 4], [2, 5, 1])
    >>> p.a.tolist(), p.b.tolist()
    ([3, 1, 4], [2, 5, 1])
    >>> solve(p, "johnson").makespan
    9
    """

    type = "j2"

    def __init__(self, a, b, *, jobs: Sequence[str] | None = None, name: str = "",
                 machines: Sequence[str] = ("local", "uplink"), w_rtt: int = 0, release=None) -> None:
        require_numbers(a, "j2 problem: a")
        require_numbers(b, "j2 problem: b")
        a_arr, b_arr = np.atleast_1d(np.asarray(a)), np.atleast_1d(np.asarray(b))
        if a_arr.shape != b_arr.shape or a_arr.ndim != 1:
            raise ValidationError(f"j2 problem: a and b must be 1-d of equal length, "
                                  f"got {a_arr.shape} and {b_arr.shape}")
        super().__init__(np.stack([a_arr, b_arr], axis=1) if a_arr.size else np.zeros((0, 2)),
                         machines=machines, jobs=jobs, name=name, w_rtt=w_rtt, release=release)

    @staticmethod
    def _time_label(k: int, m: int) -> str:
        return f": {'ab'[k % m]}[{k // m}]"

    @property
    def a(self) -> np.ndarray:
        return self.times[:, 0]

    @property
    def b(self) -> np.ndarray:
        return self.times[:, 1]


class DagProblem:
    """Layer-level DAG shop (MODEL.md problem D).

    Nodes are listed in a topological order (every predecessor index is smaller).
    ``local[v]`` says where node ``v`` runs; ``f[v]`` is its local compute time,
    ``u[v]`` the upload time of its output (used when it is a cut-point: local with
    a remote successor), ``r[v]`` its remote compute time (forced to 0 when the
    remote model is ``negligible``).  ``job[v]`` numbers the DNN job a node belongs to.

    Parameters
    ----------
    f, u, r : array_like of int
        Per node: local compute, upload and remote compute times (integer microseconds).
    local : array_like of bool
        Where each node runs.
    preds : sequence of sequences of int
        Predecessors of each node (smaller indices).
    remote_model : str
        ``negligible`` or one of the other remote models of MODEL.md.
    names, job, job_names, name : optional labels and the job of each node.
    w_rtt : int
        Round trip (µs): a job with a remote node completes ``w_rtt`` after its last upload or
        remote operation.  With ``w_rtt > 0`` every cut-point's upload must take time.
    release : array_like of int, shape (n_jobs,), optional
        Release time (µs) of every job (not node): none of its nodes' operations starts earlier.
        Default all 0.

    Raises
    ------
    ValidationError
        A predecessor that is not earlier, a remote node with a local successor, a bad time.

    Notes
    -----
    Strongly NP-hard in general (it contains F2|chains|Cmax, [LenstraRinnooyKanBrucker1977]);
    with negligible remote and a series-parallel local order ``sidney`` is exact
    [Sidney1979], [Monma1979].

    Examples
    --------
    A chain of two local layers and one remote layer: only layer 1 is a cut-point.

    >>> from offloadsched import DagProblem, solve
    >>> d = DagProblem(f=[2, 3, 1], u=[4, 1, 2], r=[0, 0, 0], local=[True, True, False],
    ...                preds=[[], [0], [1]])
    >>> d
    DagProblem(3 nodes, 2 local, 1 cuts, remote=negligible)
    >>> solve(d, "bruteforce").makespan
    6
    """

    type = "dag"

    def __init__(self, *, f, u, r, local, preds: Sequence[Sequence[int]],
                 remote_model: str = "negligible", names: Sequence[str] | None = None,
                 job=None, job_names: Sequence[str] | None = None, name: str = "", w_rtt: int = 0,
                 release=None) -> None:
        if remote_model not in REMOTE_MODELS:
            raise ValidationError(f"unknown remote model {remote_model!r}; known: {', '.join(REMOTE_MODELS)}")
        self.remote_model = remote_model
        if isinstance(preds, (str, bytes, np.ndarray)) or not isinstance(preds, Sequence):
            raise ValidationError(f"dag problem: preds must be a list of predecessor lists, one per node, "
                                  f"got {type(preds).__name__}")
        n = len(preds)
        self.names = _names(names, n, "dag problem", "node", "v")
        arrays = {}
        for key, val in (("f", f), ("u", u), ("r", r)):
            require_numbers(val, f"dag problem: {key}")  # before numpy reads [True, 2] as [1, 2]
            arr = np.atleast_1d(np.asarray(val))
            if arr.shape != (n,):
                raise ValidationError(f"dag problem: {key} has {arr.size} entries for {n} nodes")
            arrays[key] = check_int_times(arr, f"dag problem: {key}",
                                          lambda k: f"[{k}] (node {self.names[k]!r})")
        total = sum(int(a.sum(dtype=object)) for a in arrays.values())
        if total >= TIME_CEILING:
            raise ValidationError(f"dag problem: the sum of all times f + u + r ({total} µs) must be below the "
                                  "ceiling 2**53 µs so that makespans stay exact")
        self.f, self.u = arrays["f"], arrays["u"]
        self.r = arrays["r"] if remote_model != "negligible" else np.zeros(n, dtype=np.int64)
        self.local = _flags(local, n, "dag problem: local")
        self.preds = _preds(preds, n)
        succs: list[list[int]] = [[] for _ in range(n)]
        for v, ps in enumerate(self.preds):
            for p in ps:
                if not 0 <= p < v:
                    raise ValidationError(
                        f"dag problem: node {self.names[v]!r} has predecessor index {p}; nodes must be "
                        "listed in a topological order (predecessors first)")
                succs[p].append(v)
                if self.local[v] and not self.local[p]:
                    raise ValidationError(
                        f"dag problem: local node {self.names[v]!r} has remote predecessor "
                        f"{self.names[p]!r} (partition not predecessor-closed)")
        self.succs = tuple(tuple(s) for s in succs)
        self.job = np.zeros(n, dtype=np.int64) if job is None else _indices(job, "dag problem: job")
        if self.job.shape != (n,):
            raise ValidationError(f"dag problem: job has {self.job.size} entries for {n} nodes")
        if n and (self.job.min() < 0 or self.job.max() >= n):
            v = int(np.flatnonzero((self.job < 0) | (self.job >= n))[0])
            raise ValidationError(f"dag problem: node {self.names[v]!r} has job index {self.job[v]}; job indices "
                                  f"must be in 0..{n - 1} (one job per node at most)")
        n_jobs = int(self.job.max()) + 1 if n else 0
        self.job_names = _names(job_names, n_jobs, "dag problem", "job", "J", at_least=True)
        self.name = name
        for arr in (self.f, self.u, self.r, self.local, self.job):
            arr.flags.writeable = False
        self.w_rtt = check_rtt(w_rtt, "dag problem", total)
        if self.w_rtt and self.local.all():
            self.w_rtt = 0  # nothing offloads: no round trip to pay
        if self.w_rtt:
            zero = [int(v) for v in self.cut_nodes if self.u[v] == 0]
            if zero:
                raise ValidationError(f"dag problem: w_rtt > 0 needs every upload to take time; cut-point "
                                      f"{self.names[zero[0]]!r} has u = 0")
        self.release = check_release(release, self.job_names, "dag problem", total + self.w_rtt)

    @property
    def has_release(self) -> bool:
        """Does some job have a positive release time?"""
        return bool(self.release.any())

    def with_release(self, release) -> DagProblem:
        """The same problem with other release times, one per job (``None``: all 0)."""
        return self._replace(release=release)

    def __len__(self) -> int:
        return len(self.preds)

    @property
    def size(self) -> int:
        return len(self)

    def __repr__(self) -> str:
        rtt = f", w_rtt={self.w_rtt}" if self.w_rtt else ""
        return (f"DagProblem({self.name + ', ' if self.name else ''}{len(self)} nodes, "
                f"{int(self.local.sum())} local, {len(self.cut_nodes)} cuts, remote={self.remote_model}{rtt})")

    @property
    def resources(self) -> tuple[str, ...]:
        return ("local", "uplink", "remote") if self.remote_model == "serial" else ("local", "uplink")

    @cached_property
    def cut(self) -> np.ndarray:
        """Boolean mask of cut-points: local nodes with at least one remote successor."""
        loc = self.local
        src, dst = self._arcs
        mask = np.zeros(len(self), dtype=bool)
        mask[src[loc[src] & ~loc[dst]]] = True
        mask.flags.writeable = False
        return mask

    @cached_property
    def _arcs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every arc as (predecessor, node) arrays, node by node in ``preds`` order."""
        lens = np.fromiter(map(len, self.preds), dtype=np.int64, count=len(self))
        src = np.fromiter(chain.from_iterable(self.preds), dtype=np.int64, count=int(lens.sum()))
        return src, np.repeat(np.arange(len(self)), lens)

    @cached_property
    def local_nodes(self) -> np.ndarray:
        return np.flatnonzero(self.local)

    @cached_property
    def cut_nodes(self) -> np.ndarray:
        return np.flatnonzero(self.cut)

    @cached_property
    def remote_nodes(self) -> np.ndarray:
        return np.flatnonzero(~self.local)

    @property
    def n_jobs(self) -> int:
        return len(self.job_names)

    @cached_property
    def offloading(self) -> np.ndarray:
        """Boolean per job: does it have a remote node (and so pay ``w_rtt``)?"""
        mask = np.zeros(self.n_jobs, dtype=bool)
        mask[self.job[~self.local]] = True
        mask.flags.writeable = False
        return mask

    def operations(self) -> Operations:
        """Local compute per local node, upload per cut-point, remote compute per remote node.

        Under ``negligible`` remote there are no remote operations (they take 0 and need no
        machine, so they never constrain anything the evaluator reports).  Node by node, the
        arcs into its operation from its predecessors' (in ``preds`` order), then compute ->
        upload of a cut-point; O(n + e) in numpy."""
        n = len(self)
        local, cut = self.local, self.cut
        loc_nodes, cut_nodes = self.local_nodes, self.cut_nodes
        timed_remote = self.remote_model != "negligible"
        rem_nodes = self.remote_nodes if timed_remote else np.zeros(0, dtype=np.int64)
        sizes = [loc_nodes.size, cut_nodes.size, rem_nodes.size]
        op = np.full((3, n), -1, dtype=np.int64)  # operation index of (compute, upload, remote) of each node
        op[0, loc_nodes] = np.arange(sizes[0])
        op[1, cut_nodes] = sizes[0] + np.arange(sizes[1])
        op[2, rem_nodes] = sizes[0] + sizes[1] + np.arange(sizes[2])
        src, dst = self._arcs
        lens = np.bincount(dst, minlength=n)
        count = np.where(local, lens + cut, lens if timed_remote else 0)  # arcs into node v's operations
        first = np.cumsum(count) - count
        arcs = np.empty((int(count.sum()), 2), dtype=np.int64)
        rank = np.arange(src.size) - (np.cumsum(lens) - lens)[dst]  # position in preds[v]
        keep = local[dst] | timed_remote
        src, dst = src[keep], dst[keep]
        at = first[dst] + rank[keep]
        arcs[at, 0] = np.where(local[dst], op[0, src], np.where(local[src], op[1, src], op[2, src]))
        arcs[at, 1] = np.where(local[dst], op[0, dst], op[2, dst])
        arcs[first[cut_nodes] + lens[cut_nodes]] = np.stack([op[0, cut_nodes], op[1, cut_nodes]], axis=1)
        resource = "remote" if self.remote_model == "serial" else ""
        return Operations(kind=np.repeat(np.array(["compute", "upload", "remote"], dtype="U7"), sizes),
                          item=np.concatenate([loc_nodes, cut_nodes, rem_nodes]).astype(np.int64),
                          resource=np.repeat(np.array(["local", "uplink", resource], dtype="U6"), sizes),
                          duration=np.concatenate([self.f[loc_nodes], self.u[cut_nodes],
                                                   self.r[rem_nodes]]).astype(np.int64),
                          arcs=arcs)

    def with_remote_model(self, remote_model: str, r=None) -> DagProblem:
        """The same graph and partition under another remote model."""
        return self._replace(remote_model=remote_model, r=self.r if r is None else r)

    def without_rtt(self) -> DagProblem:
        """The same graph and partition with ``w_rtt = 0``."""
        return self._replace(w_rtt=0)

    def _replace(self, **changes) -> DagProblem:
        fields = dict(f=self.f, u=self.u, r=self.r, local=self.local, preds=self.preds,
                      remote_model=self.remote_model, names=self.names, job=self.job, job_names=self.job_names,
                      name=self.name, w_rtt=self.w_rtt, release=self.release)
        return DagProblem(**{**fields, **changes})


class JointProblem:
    """DNN jobs on a platform: a method chooses each job's partition and the schedule.

    ``jobs`` may repeat one DNN; each job is named ``<dnn>#<k>`` when names repeat.

    Parameters
    ----------
    jobs : sequence of DNN
    platform : Platform
        Device, network and server speeds.
    remote_model : str
    name : str
    release : array_like of int, shape (len(jobs),), optional
        Release time (µs) of every DNN job (default all 0); carried into problem D and the flow problems.

    Raises
    ------
    ValidationError
        No job, a job that is not a DNN, a platform that is not a Platform, an unknown remote model,
        a bad release time.

    Notes
    -----
    A joint method returns partitions; :func:`offloadsched.solve` scores problem D of those
    partitions. Methods: ``jps``, ``hps`` [Seed001], ``cpsat-joint``, ``mip-joint-ideals``, baselines
    ``lo``, ``co``, ``po`` [Hu2019], ``neurosurgeon`` [Kang2017].

    Examples
    --------
    >>> from offloadsched import JointProblem
    >>> from offloadsched.instances.zoo import alexnet
    >>> from offloadsched.instances.platforms import make_platform
    >>> jp = JointProblem([alexnet(), alexnet()], make_platform("rpi4", "gtx1080", "wifi"))
    >>> jp
    JointProblem(2 jobs, rpi4+gtx1080@Wi-Fi, remote=negligible)
    >>> jp.job_names
    ('alexnet#0', 'alexnet#1')
    """

    type = "joint"

    def __init__(self, jobs: Sequence[DNN], platform: Platform, *, remote_model: str = "negligible",
                 name: str = "", release=None) -> None:
        jobs = list(jobs)
        if not jobs:
            raise ValidationError("joint problem: needs at least one DNN job")
        first: dict[str, tuple[int, DNN]] = {}
        for k, job in enumerate(jobs):
            if not isinstance(job, DNN):
                raise ValidationError(f"joint problem: job {k} ({job!r}) is not a DNN"[:200])
            k0, dnn0 = first.setdefault(job.name, (k, job))
            if dnn0 is not job and not _same_dnn(dnn0, job):  # measured times and job names go by DNN name
                raise ValidationError(f"joint problem: jobs {k0} and {k} are different DNNs both named {job.name!r} "
                                      "(DNN names must be unique; rename one with DNN.rename)")
        if not isinstance(platform, Platform):
            raise ValidationError(f"joint problem: platform {platform!r} is not a Platform")
        if remote_model not in REMOTE_MODELS:
            raise ValidationError(f"unknown remote model {remote_model!r}; known: {', '.join(REMOTE_MODELS)}")
        self.jobs = tuple(jobs)
        self.platform = platform
        self.remote_model = remote_model
        self.name = name
        self.job_names = _job_names(self.jobs)
        self.release = check_release(release, self.job_names, "joint problem", 0)

    @property
    def has_release(self) -> bool:
        """Does some job have a positive release time?"""
        return bool(self.release.any())

    def with_release(self, release) -> JointProblem:
        """The same jobs and platform with other release times (``None``: all 0)."""
        return JointProblem(self.jobs, self.platform, remote_model=self.remote_model, name=self.name,
                            release=release)

    def __repr__(self) -> str:
        return f"JointProblem({len(self.jobs)} jobs, {self.platform.name}, remote={self.remote_model})"

    @property
    def size(self) -> int:
        return sum(len(d) for d in self.jobs)

    @cached_property
    def times(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per job: ``(f, u, r)`` integer µs arrays over its layers (``r`` = 0 if negligible)."""
        cache: dict[int, tuple] = {}
        out = []
        for dnn in self.jobs:
            if id(dnn) not in cache:
                r = (np.zeros(len(dnn), dtype=np.int64) if self.remote_model == "negligible"
                     else self.platform.remote_times(dnn))
                cache[id(dnn)] = (self.platform.local_times(dnn), self.platform.upload_times(dnn), r)
            out.append(cache[id(dnn)])
        return out

    def dag(self, partitions: Sequence[Partition]) -> DagProblem:
        """Problem D for the given partitions (one per job)."""
        return build_dag(self.jobs, self.platform, partitions, self.remote_model, times=self.times,
                         job_names=self.job_names, name=self.name, release=self.release)


#: Seconds per layer (node of problem D) that the answer of a joint method costs however it is found:
#: building problem D of its partitions, then solve()'s rebuild, evaluation and checks of it (about
#: 3e-5 s measured on a loaded 2-core machine for 10^4 AlexNet jobs, 1.2e5 layers).
ANSWER_SECONDS_PER_LAYER = 3e-5


def check_answer_fits(problem: JointProblem, time_limit: float, method: str) -> None:
    """Refuse (:class:`SizeLimitError`) a joint problem whose answer alone, problem D of its ``problem.size``
    layers, would take more than 1 s longer than ``time_limit`` seconds (:data:`ANSWER_SECONDS_PER_LAYER`):
    an exact method could not even return a schedule in time (10^5 AlexNet jobs: 1.2e6 layers, about 36 s)."""
    seconds = problem.size * ANSWER_SECONDS_PER_LAYER
    if seconds > time_limit + 1.0:  # within about 1 s of the limit is kept
        raise SizeLimitError(f"{method}: {len(problem.jobs)} jobs with {problem.size} layers in all: problem D of "
                             f"any answer takes about {seconds:.3g} s to build and check, more than the time limit "
                             f"({time_limit:g} s); use a heuristic (jps, hps, lo) or a larger time_limit")


def _same_dnn(a: DNN, b: DNN) -> bool:
    """Do two DNN objects describe the same graph (layers with their attributes, edges)?"""
    return (a.layers == b.layers and a.edges == b.edges
            and all(x.attrs == y.attrs for x, y in zip(a.layers, b.layers)))


def _job_names(jobs: Sequence[DNN]) -> tuple[str, ...]:
    counts: dict[str, int] = {}
    for d in jobs:
        counts[d.name] = counts.get(d.name, 0) + 1
    seen: dict[str, int] = {}
    names = []
    for d in jobs:
        if counts[d.name] == 1:
            names.append(d.name)
        else:
            k = seen.get(d.name, 0)
            seen[d.name] = k + 1
            names.append(f"{d.name}#{k}")
    return tuple(names)


def _check_partitions(jobs: Sequence[DNN], partitions: Sequence[Partition]) -> None:
    if len(partitions) != len(jobs):
        raise ValidationError(f"{len(partitions)} partitions for {len(jobs)} jobs")
    for k, (dnn, part) in enumerate(zip(jobs, partitions)):
        if not isinstance(part, Partition):
            raise ValidationError(f"partition {k} is not a Partition: {part!r}")
        if part.dnn is not dnn and (part.dnn.names != dnn.names or part.dnn.edges != dnn.edges):
            raise ValidationError(f"partition {k} belongs to DNN {part.dnn.name!r}, not to job {dnn.name!r}")


def build_dag(jobs: Sequence[DNN], platform: Platform, partitions: Sequence[Partition],
              remote_model: str = "negligible", *, times=None, job_names=None, name: str = "",
              release=None) -> DagProblem:
    """Problem D: the jobs' graphs side by side (node ``job/layer``), with their partitions (and the jobs'
    ``release`` times, one per job)."""
    _check_partitions(jobs, partitions)
    if times is None:
        times = JointProblem(jobs, platform, remote_model=remote_model).times
    job_names = job_names or _job_names(jobs)
    f: list[np.ndarray] = []
    u: list[np.ndarray] = []
    r: list[np.ndarray] = []
    local: list[np.ndarray] = []
    preds: list[tuple[int, ...]] = []
    names: list[str] = []
    job: list[np.ndarray] = []
    offset = 0
    for k, (dnn, part, (fk, uk, rk)) in enumerate(zip(jobs, partitions, times)):
        f.append(fk)
        u.append(uk)
        r.append(rk)
        local.append(part.local)
        preds.extend(tuple(p + offset for p in ps) for ps in dnn.preds)
        names.extend(f"{job_names[k]}/{n}" for n in dnn.names)
        job.append(np.full(len(dnn), k))
        offset += len(dnn)
    return DagProblem(f=np.concatenate(f), u=np.concatenate(u), r=np.concatenate(r),
                      local=np.concatenate(local), preds=preds, remote_model=remote_model, names=names,
                      job=np.concatenate(job), job_names=job_names, name=name, w_rtt=platform.rtt_us,
                      release=release)


def _stage_sums(jobs, platform, partitions, remote: bool):
    _check_partitions(jobs, partitions)
    rows = []
    for dnn, part in zip(jobs, partitions):
        loc = part.local
        a = int(platform.local_times(dnn)[loc].sum())
        b = int(platform.upload_times(dnn)[part.cut_points].sum())
        row = [a, b]
        if remote:
            row.append(int(platform.remote_times(dnn)[~loc].sum()))
        rows.append(row)
    return np.array(rows, dtype=np.int64).reshape(len(rows), 3 if remote else 2)


def build_j2(jobs: Sequence[DNN], platform: Platform, partitions: Sequence[Partition], *,
             release=None) -> J2Problem:
    """J2 from partitions: ``a_j = sum f(v), v in L``; ``b_j = sum u(v), v in C(L)`` (``release``: per job)."""
    t = _stage_sums(jobs, platform, partitions, remote=False)
    return J2Problem(t[:, 0], t[:, 1], jobs=_job_names(jobs), w_rtt=platform.rtt_us, release=release)


def build_fm(jobs: Sequence[DNN], platform: Platform, partitions: Sequence[Partition], *,
             release=None) -> FmProblem:
    """Three-machine Fm from partitions: local compute, upload of the cut-points, remote compute
    (``release``: per job)."""
    t = _stage_sums(jobs, platform, partitions, remote=True)
    return FmProblem(t, machines=("local", "uplink", "remote"), jobs=_job_names(jobs), w_rtt=platform.rtt_us,
                     release=release)


def split_uploads(local: Sequence[int], cut: Sequence[bool], preds) -> tuple[list[int], list[int]]:
    """``local`` (a topological order, predecessor-closed) split into ``U``, the layers that precede
    some cut-point (cut-points included), and the others, each in the given order.  ``U`` is
    predecessor-closed and its maximal layers are cut-points.  O(n + m)."""
    mark = [bool(c) for c in cut]
    for v in reversed(local):
        if mark[v]:
            for p in preds[v]:
                mark[p] = True
    up = [v for v in local if mark[v]]
    return up, [v for v in local if not mark[v]]


def check_rtt(w_rtt, what: str, total: int) -> int:
    """Validate a round trip ``w_rtt`` (integer µs >= 0, with the problem's times below the ceiling)."""
    value = int(check_int_times(np.asarray([w_rtt]), f"{what}: w_rtt", lambda k: "")[0])
    if total + value >= TIME_CEILING:
        raise ValidationError(f"{what}: the sum of all times plus w_rtt ({total + value} µs) must be below "
                              "the ceiling 2**53 µs so that makespans stay exact")
    return value


def check_release(release, jobs: Sequence[str], what: str, total: int) -> np.ndarray:
    """Validate release times: ``None`` (all 0) or one integer µs >= 0 per job (named ``jobs``), each with
    ``total`` (the problem's times and round trip) below the ceiling; a read-only int64 array."""
    n = len(jobs)
    if release is None:
        out = np.zeros(n, dtype=np.int64)
    else:
        require_numbers(release, f"{what}: release")
        arr = np.atleast_1d(np.asarray(release))
        if arr.ndim != 1 or arr.size != n:
            raise ValidationError(f"{what}: release has {arr.size} entries for {n} jobs (one per job)")
        out = check_int_times(arr, f"{what}: release", lambda k: f"[{k}] (job {jobs[k]!r})", total=False)
        if n and int(out.max()) + total >= TIME_CEILING:
            k = int(np.argmax(out))
            raise ValidationError(f"{what}: release[{k}] (job {jobs[k]!r}) plus all times ({int(out[k]) + total} µs) "
                                  "must be below the ceiling 2**53 µs so that makespans stay exact")
    out.flags.writeable = False
    return out


def release_order(release) -> np.ndarray:
    """Job indices by increasing release time, ties by index (stable): first in, first out.  O(n log n)."""
    return np.argsort(np.asarray(release, dtype=np.int64), kind="stable").astype(np.int64)


def same_flow(problem: FmProblem, times, *, w_rtt: int, jobs: Sequence[str] | None = None,
              release=None) -> FmProblem:
    """A flow problem of ``problem``'s class, name and machines with other times / ``w_rtt``
    (and job names ``jobs``, default ``problem``'s; release times ``release``, default none)."""
    names = problem.jobs if jobs is None else jobs
    if isinstance(problem, J2Problem):
        return J2Problem(times[:, 0], times[:, 1], jobs=names, name=problem.name, machines=problem.machines,
                         w_rtt=w_rtt, release=release)
    return FmProblem(times, machines=problem.machines, jobs=names, name=problem.name, w_rtt=w_rtt, release=release)


#: Most jobs :func:`identical_jobs` makes (a list of that many references is about 80 MB).
MAX_IDENTICAL_JOBS = 10**7


def identical_jobs(dnn: DNN, n: int) -> list[DNN]:
    """``n`` jobs of one DNN (the same object; job names get ``#k`` suffixes); ``n`` is an integer in
    1..:data:`MAX_IDENTICAL_JOBS`."""
    if not isinstance(dnn, DNN):
        raise ValidationError(f"identical_jobs: {dnn!r} is not a DNN"[:200])
    if not is_integer(n) or not 1 <= n <= MAX_IDENTICAL_JOBS:
        raise ValidationError(f"identical_jobs: number of jobs must be an integer in 1..{MAX_IDENTICAL_JOBS}, "
                              f"got {n!r}"[:200])
    return [dnn] * int(n)


Problem = J2Problem | FmProblem | DagProblem | JointProblem


def problem_type(problem: object) -> ProblemType:
    t = getattr(problem, "type", None)
    if t not in PROBLEM_TYPES:
        raise ValidationError(f"not a problem: {type(problem).__name__}")
    return t


def as_items(seq: Iterable, n: int, what: str) -> list[int]:
    """Validate a sequence of integer item indices in ``0..n-1``."""
    out = []
    for x in seq:
        try:
            i = int(x)
        except (TypeError, ValueError):
            raise ValidationError(f"{what}: {x!r} is not an index") from None
        if i != x and not isinstance(x, (int, np.integer)):
            raise ValidationError(f"{what}: {x!r} is not an integer index")
        if not 0 <= i < n:
            raise ValidationError(f"{what}: index {i} out of range 0..{n - 1}")
        out.append(i)
    return out


def _names(names, n: int, where: str, what: str, prefix: str, *, at_least: bool = False) -> tuple[str, ...]:
    """``n`` distinct non-empty string names (default ``prefix0..``; ``at_least``: n or more), or a
    :class:`ValidationError` naming the first bad or repeated one (both of its positions)."""
    if names is None:
        return tuple(f"{prefix}{i}" for i in range(n))
    if isinstance(names, (str, bytes)) or not isinstance(names, (Sequence, np.ndarray)):
        raise ValidationError(f"{where}: {what} names must be a list of strings, got {type(names).__name__}")
    out = tuple(names)
    if len(out) < n or (len(out) != n and not at_least):
        raise ValidationError(f"{where}: {len(out)} {what} names for {n} {what}s")
    seen: dict[str, int] = {}
    for k, name in enumerate(out):
        if not isinstance(name, str) or not name:
            raise ValidationError(f"{where}: {what} name {k} must be a non-empty string, got {name!r}"[:200])
        if name in seen:
            raise ValidationError(f"{where}: duplicate {what} name {name!r} ({what}s {seen[name]} and {k}; "
                                  f"{what} names must be unique)")
        seen[name] = k
    return out


def _indices(values, what: str) -> np.ndarray:
    """A 1-d int64 array of integers (integral floats accepted), refusing booleans, fractions, strings and
    the other array kinds of :func:`offloadsched.units.refuse_array_kind`, naming the entry."""
    refuse_array_kind(values, what, "integer indices")
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return values.astype(np.int64)
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise ValidationError(f"{what}: must be a list of integer indices, got {type(values).__name__}")
    out = np.empty(len(values), dtype=np.int64)
    for k, x in enumerate(values):
        ok = is_integer(x) or (isinstance(x, (float, np.floating)) and float(x).is_integer())
        if not ok or abs(x) >= 2**62:
            raise ValidationError(f"{what}[{k}]: must be an integer index, got {x!r}"[:200])
        out[k] = int(x)
    return out


def _flags(values, n: int, what: str) -> np.ndarray:
    """``n`` booleans: a bool array, or a list of booleans and integers 0 / 1 (a string such as
    ``'False'`` is refused: numpy would read it as True)."""
    if not (isinstance(values, np.ndarray) and values.dtype == bool) or isinstance(values, np.ma.MaskedArray):
        refuse_array_kind(values, what, "booleans")
    if isinstance(values, np.ndarray) and values.dtype.kind in "biu":
        arr = values
    elif isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise ValidationError(f"{what}: must be a list of booleans, one per node, got {type(values).__name__}")
    else:
        for k, x in enumerate(values):
            if not isinstance(x, (bool, np.bool_)) and not (is_integer(x) and x in (0, 1)):
                raise ValidationError(f"{what}[{k}]: must be True or False, got {x!r}"[:200])
        arr = np.asarray(values, dtype=np.int64 if len(values) else bool)
    if arr.shape != (n,):
        raise ValidationError(f"{what} has {arr.size} entries for {n} nodes")
    if arr.dtype.kind in "iu" and arr.size and not np.isin(arr, (0, 1)).all():
        k = int(np.flatnonzero(~np.isin(arr, (0, 1)))[0])
        raise ValidationError(f"{what}[{k}]: must be True or False, got {arr[k]!r}")
    return arr.astype(bool)


def _preds(preds: Sequence, n: int) -> tuple[tuple[int, ...], ...]:
    """Every node's predecessor list as a tuple of integer indices (checked against the order by the caller)."""
    out = []
    for v, ps in enumerate(preds):
        if (type(ps) is tuple or type(ps) is list) and all(type(p) is int for p in ps):  # the common case, fast
            out.append(tuple(ps))
            continue
        if isinstance(ps, (str, bytes)) or not isinstance(ps, (Sequence, np.ndarray)):
            raise ValidationError(f"dag problem: preds[{v}] must be a list of node indices, got {ps!r}"[:200])
        out.append(tuple(int(p) for p in _indices(ps, f"dag problem: preds[{v}]")))
    return tuple(out)
