"""Schedules (per-resource sequences) and timed schedules (what the evaluator returns)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from .errors import ValidationError
from .problems import DagProblem, FmProblem, release_order


class Schedule:
    """A sequence of item indices per resource (stored as read-only int64 arrays).

    Flow problems (J2, Fm) name their machines; the key ``"order"`` stands for the same job
    order on every machine (a permutation schedule).  DAG problems use ``"local"`` (a linear
    extension of the local layers), optionally ``"uplink"`` (cut-points; default: the order in
    which they finish computing) and, with ``serial`` remote, ``"remote"`` (default: list
    scheduling, earliest ready first, ties by node index).  The evaluator returns the schedule
    completed with every default it applied.
    """

    __slots__ = ("sequences",)

    def __init__(self, sequences: Mapping[str, Iterable[int]] | None = None) -> None:
        seqs: dict[str, np.ndarray] = {}
        for key, seq in dict(sequences or {}).items():
            if not isinstance(key, str):
                raise ValidationError(f"schedule: resource name must be a string, got {key!r}")
            seqs[key] = _int_array(seq, f"schedule[{key!r}]")
        self.sequences = seqs

    @classmethod
    def from_order(cls, order: Iterable[int]) -> Schedule:
        """A permutation schedule (flow problems) or a local order (DAG problems)."""
        return cls({"order": order})

    @property
    def order(self) -> np.ndarray:
        """The job order (flow) or local order (DAG) this schedule is built around."""
        for key in ("order", "local"):
            if key in self.sequences:
                return self.sequences[key]
        return next(iter(self.sequences.values()), np.zeros(0, dtype=np.int64))

    def __getitem__(self, key: str) -> np.ndarray:
        return self.sequences[key]

    def get(self, key: str, default=None):
        return self.sequences.get(key, default)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Schedule) and self.sequences.keys() == other.sequences.keys()
                and all(np.array_equal(v, other.sequences[k]) for k, v in self.sequences.items()))

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={_short(v)}" for k, v in self.sequences.items())
        return f"Schedule({parts})"

    def to_dict(self) -> dict[str, list[int]]:
        return {k: v.tolist() for k, v in self.sequences.items()}

    @classmethod
    def from_dict(cls, data: Mapping) -> Schedule:
        if not isinstance(data, Mapping):
            raise ValidationError(f"schedule must be an object of resource -> sequence, got {type(data).__name__}")
        return cls(data)


def _short(v: np.ndarray, limit: int = 12) -> str:
    head = " ".join(map(str, v[:limit].tolist()))
    return f"[{head}{' ...' if len(v) > limit else ''}]"


def _int_array(seq, what: str) -> np.ndarray:
    if isinstance(seq, np.ndarray):
        if seq.ndim != 1 or (seq.size and not np.issubdtype(seq.dtype, np.integer)):
            raise ValidationError(f"{what}: must be a 1-d sequence of integer indices")
        arr = seq.astype(np.int64, copy=True)
    else:
        try:
            items = list(seq)
        except TypeError:
            raise ValidationError(f"{what}: must be a sequence of indices, got {seq!r}") from None
        for x in items:
            if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
                raise ValidationError(f"{what}: {x!r} is not an integer index")
            if not -(2**63) <= x < 2**63:
                raise ValidationError(f"{what}: index {x} out of range")
        arr = np.array(items, dtype=np.int64)
    arr.flags.writeable = False
    return arr


@dataclass
class Timing:
    """A timed (semi-active) schedule: one entry per operation.

    ``kind`` is the machine name for flow problems and ``compute`` / ``upload`` / ``remote`` for
    DAG problems; ``item`` is the job or node index; ``resource`` the machine (``""`` for none).
    ``rtt_after`` marks the operations of offloading jobs after which the round trip ``rtt``
    (µs, MODEL.md section 1) is paid: the makespan is
    ``max(end.max(), end[rtt_after].max() + rtt)``.  ``job`` is each operation's job (default: ``item``,
    as in flow problems) and ``release`` each job's release time (default: 0, MODEL.md "Release times").
    """

    problem_type: str
    resources: tuple[str, ...]
    kind: np.ndarray
    item: np.ndarray
    resource: np.ndarray
    start: np.ndarray
    end: np.ndarray
    schedule: Schedule
    rtt: int = 0
    rtt_after: np.ndarray | None = None
    job: np.ndarray | None = None
    release: np.ndarray | None = None

    @property
    def jobs_of_operations(self) -> np.ndarray:
        """The job of every operation (``job``, or ``item`` when not given)."""
        return self.item if self.job is None else self.job

    @property
    def releases(self) -> np.ndarray:
        """Every job's release time (int64; zeros when not given)."""
        if self.release is not None:
            return np.asarray(self.release, dtype=np.int64)
        return np.zeros(int(self.jobs_of_operations.max(initial=-1)) + 1, dtype=np.int64)

    @property
    def completion(self) -> np.ndarray:
        """Per job: its last operation's end, plus ``rtt`` if that is an upload or remote operation
        after which the round trip is paid (MODEL.md section 1); a job without operations completes at its
        release.  int64, O(number of operations)."""
        job = self.jobs_of_operations
        out = self.releases.copy()
        np.maximum.at(out, job, self.end)
        if self.rtt and self.rtt_after is not None and self.rtt_after.any():
            np.maximum.at(out, job[self.rtt_after], self.end[self.rtt_after] + self.rtt)
        return out

    @property
    def response(self) -> np.ndarray:
        """Per job: completion minus release time (int64, MODEL.md "Release times")."""
        return self.completion - self.releases

    @property
    def response_stats(self) -> tuple[float, int, int] | None:
        """The jobs' response times summarised: ``(mean, p95, max)`` in µs, the 95th percentile by nearest
        rank (``np.percentile(response, 95, method="inverted_cdf")``); None without a job."""
        resp = self.response
        if not resp.size:
            return None
        return float(resp.mean()), int(np.percentile(resp, 95, method="inverted_cdf")), int(resp.max())

    @property
    def makespan(self) -> int:
        latest = int(self.end.max()) if self.end.size else 0
        if self.rtt and self.rtt_after is not None and self.rtt_after.any():
            latest = max(latest, int(self.end[self.rtt_after].max()) + self.rtt)
        return latest

    @property
    def busy(self) -> dict[str, int]:
        """Total processing time on each resource."""
        return {r: int((self.end - self.start)[self.resource == r].sum()) for r in self.resources}

    @property
    def idle(self) -> dict[str, int]:
        """Time each resource is not busy between 0 and the makespan."""
        ms = self.makespan
        return {r: ms - b for r, b in self.busy.items()}

    def __len__(self) -> int:
        return len(self.item)

    def to_records(self, names=None) -> list[dict]:
        """One dict per operation: kind, item (or its name), resource, start, end."""
        return [
            {"kind": str(k), "item": (names[i] if names is not None else int(i)), "resource": str(r),
             "start": int(s), "end": int(e)}
            for k, i, r, s, e in zip(self.kind, self.item, self.resource, self.start, self.end)
        ]


def fifo_schedule(problem: FmProblem | DagProblem) -> Schedule:
    """First in, first out: the jobs in order of release (ties by index;
    :func:`~offloadsched.problems.release_order`).  A flow problem's order; a DAG problem's local layers
    job by job, each job's in node index order (the node order of a joint problem's DAG when no job has
    a release time), uploads as the evaluator orders them.  O(n log n)."""
    if isinstance(problem, DagProblem):
        nodes = problem.local_nodes
        if problem.has_release:
            nodes = nodes[release_order(problem.release[problem.job[nodes]])]
        return Schedule({"local": nodes.tolist()})
    return Schedule.from_order(release_order(problem.release).tolist())
