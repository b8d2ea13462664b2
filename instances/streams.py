"""Streams of jobs arriving over time: release-time generators and the offered load of a stream.

Release times (MODEL.md "Release times") are integer microseconds, sorted, starting at the stream's
first arrival (time 0 unless a periodic stream's jitter delays it); every generator is a pure
function of its arguments and ``seed`` (``numpy.random.default_rng(seed)``):

* :func:`periodic` - a camera at ``fps`` frames per second: frame ``k`` at ``round(k * 10^6 / fps)``
  µs (no drift: the spacing is exact up to that one rounding), optionally each frame delayed by
  a uniform share of the period below ``jitter``;
* :func:`poisson` - a Poisson process of rate ``rate`` jobs per second (exponential gaps of mean
  ``10^6 / rate`` µs; the first job at 0);
* :func:`burst` - bursts of ``size`` jobs whose starts form a Poisson process of ``rate / size``
  bursts per second (the mean job rate is ``rate``), the jobs of a burst ``spread`` µs apart;
* :func:`release_times` - one of them by name (the benchmark's ``stream`` family).

**Offered load.**  For jobs of one DNN on a platform, a partition ``L`` (an ideal of the DNN, MODEL.md
section 1) occupies the device for ``f(L) = sum f(v), v in L``, the uplink for ``u(L) = sum u(v),
v in C(L)`` (each cut-point's upload, ``w_msg`` included) and, with the ``serial`` remote model,
the server for ``r(L) = sum t'(v), v not in L`` (with ``negligible`` or ``parallel`` remote
compute the server is no shared resource).  The round trip ``w_rtt`` occupies no machine and is
left out.  Its *bottleneck time* is ``tau(L) = max(f(L), u(L)[, r(L)])``: a long stream of jobs
all cut at ``L`` runs at most ``1 / tau(L)`` jobs per second, and a pipelined schedule reaches
that rate.  The stream's bottleneck time ``tau`` is that of the best partition,
``min over L of tau(L)`` (:func:`bottleneck_time`), ``1 / tau`` the best partition's throughput,
and the *offered load* of a stream of ``lambda`` jobs per second is ``rho = lambda * tau``
(:func:`offered_load`; :func:`rate_for_load` inverts it).  ``rho < 1``: the best partition keeps
up; ``rho > 1``: any schedule that cuts every job at one partition falls behind and response
times grow with the stream's length.  (Mixing two partitions, as seed 001's JPS does, can raise
the throughput a little above ``1 / tau``, so a schedule may still keep up at a load slightly
above 1.)  For a stream mixing several DNNs, each DNN ``k`` taking a share ``p_k`` of the jobs,
one partition ``L_k`` per DNN: ``tau = min over (L_k) of max over machines of sum_k p_k t(L_k)``,
the mean work per job on the busiest machine; it is exact, found by merging the DNNs' Pareto
fronts of ``(f, u[, r])`` (partitions no other partition beats on every machine).

Cost: the ideals of each distinct DNN are enumerated (:func:`offloadsched.ideals.enumerate_ideals`:
GoogLeNet 496, ResNet-18 38; a DNN above its limit is refused with the count), O(I n^2) for ``I``
ideals of ``n`` layers, then O(I F) for a front of ``F`` points and a product of the fronts for
a mix (pruned to its front after each DNN).

References (docs/REFERENCES.md): [Seed001].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from offloadsched.dnn import DNN
from offloadsched.errors import ValidationError
from offloadsched.ideals import enumerate_ideals
from offloadsched.platform import Platform
from offloadsched.problems import REMOTE_MODELS
from offloadsched.units import is_integer, is_real

from .generators import MAX_JOBS, Seed, _rng, check_size

__all__ = ["PATTERNS", "bottleneck_time", "burst", "offered_load", "periodic", "poisson", "rate_for_load",
           "release_times", "stage_front"]

#: arrival patterns of :func:`release_times`
PATTERNS = ("periodic", "poisson", "burst")
#: the largest arrival rate (jobs per second) a generator takes: one job per µs
MAX_RATE = 1e6
#: the latest release time a generator returns (about 31 years of µs; far below the 2**53 ceiling)
MAX_RELEASE = 10**15


def _check_rate(rate: float, what: str) -> float:
    if not is_real(rate) or not 0 < rate <= MAX_RATE:
        raise ValidationError(f"{what} must be a number in (0, {MAX_RATE:g}] per second, got {rate!r}"[:200])
    return float(rate)


def _finish(times: np.ndarray, what: str) -> np.ndarray:
    """Rounded to integer µs (monotone, so a sorted input stays sorted), refused past :data:`MAX_RELEASE`."""
    out = np.floor(times + 0.5)
    if len(out) and not out[-1] <= MAX_RELEASE:
        raise ValidationError(f"{what}: the last release time {out[-1]:.4g} µs is past the ceiling "
                              f"{MAX_RELEASE:.0e} µs: raise the rate or lower the number of jobs")
    return out.astype(np.int64)


def periodic(n: int, fps: float, *, jitter: float = 0.0, seed: Seed = 0) -> np.ndarray:
    """Release times (int64 µs) of ``n`` frames at ``fps`` frames per second.

    Frame ``k`` arrives at ``round((k + d_k) * 10^6 / fps)`` µs, ``d_k`` uniform in ``[0, jitter)``
    (``jitter`` in ``[0, 1)``, a share of the period; 0: ``d_k = 0`` and no random draw), so the
    times are sorted and frame ``k`` never passes frame ``k + 1``'s slot.  O(n).
    """
    n = check_size(n, "number of jobs", MAX_JOBS)
    fps = _check_rate(fps, "periodic: fps")
    if not is_real(jitter) or not 0 <= jitter < 1:
        raise ValidationError(f"periodic: jitter must be in [0, 1) (a share of the period), got {jitter!r}"[:200])
    k = np.arange(n, dtype=np.float64)
    if jitter > 0:
        k += _rng(seed).uniform(0.0, jitter, n)
    return _finish(k * (1e6 / fps), "periodic")


def poisson(n: int, rate: float, *, seed: Seed = 0) -> np.ndarray:
    """Release times (int64 µs) of ``n`` jobs of a Poisson process of ``rate`` jobs per second: the
    first at 0, then exponential gaps of mean ``10^6 / rate`` µs (the cumulative sums are rounded,
    so rounding does not drift).  O(n)."""
    n = check_size(n, "number of jobs", MAX_JOBS)
    rate = _check_rate(rate, "poisson: rate")
    gaps = _rng(seed).exponential(1e6 / rate, n - 1)
    return _finish(np.concatenate(([0.0], np.cumsum(gaps))), "poisson")


def burst(n: int, rate: float, *, size: int = 5, spread: int = 0, seed: Seed = 0) -> np.ndarray:
    """Release times (int64 µs) of ``n`` jobs arriving in bursts of ``size`` (the last burst may be
    smaller): burst starts form a Poisson process of ``rate / size`` bursts per second (the first at
    0), so ``rate`` is the mean job rate; the jobs of a burst arrive ``spread`` µs apart (0: at
    once).  O(n)."""
    n = check_size(n, "number of jobs", MAX_JOBS)
    rate = _check_rate(rate, "burst: rate")
    size = check_size(size, "burst: size", MAX_JOBS)
    if not is_integer(spread) or not 0 <= spread <= MAX_RELEASE:
        raise ValidationError(f"burst: spread must be an integer number of µs >= 0, got {spread!r}"[:200])
    bursts = -(-n // size)
    gaps = _rng(seed).exponential(size * 1e6 / rate, bursts - 1)
    starts = _finish(np.concatenate(([0.0], np.cumsum(gaps))), "burst")
    k = np.arange(n)
    out = starts[k // size] + (k % size) * int(spread)
    # a burst's spread may reach past the next burst's start: sorting keeps the times a stream
    return np.sort(out)


def release_times(pattern: str, n: int, rate: float, *, seed: Seed = 0, jitter: float = 0.0, size: int = 5,
                  spread: int = 0) -> np.ndarray:
    """Release times of ``n`` jobs arriving at ``rate`` jobs per second by ``pattern`` (one of
    :data:`PATTERNS`; ``jitter`` applies to ``periodic``, ``size`` and ``spread`` to ``burst``)."""
    if pattern == "periodic":
        return periodic(n, rate, jitter=jitter, seed=seed)
    if pattern == "poisson":
        return poisson(n, rate, seed=seed)
    if pattern == "burst":
        return burst(n, rate, size=size, spread=spread, seed=seed)
    raise ValidationError(f"unknown arrival pattern {pattern!r}; known: {', '.join(PATTERNS)}"[:200])


# -- offered load ---------------------------------------------------------------------------------
def _pareto(points: np.ndarray) -> np.ndarray:
    """The rows of ``points`` (k x d) that no other row is <= on every coordinate and < on one
    (duplicates kept once).  Lexicographic sort, then each row against the front kept so far:
    O(k F)."""
    pts = np.unique(points, axis=0)  # sorted lexicographically: a dominating row comes first
    keep = np.empty_like(pts)
    k = 0
    for p in pts:
        if not (keep[:k] <= p).all(axis=1).any():
            keep[k] = p
            k += 1
    return keep[:k]


def _machines(remote_model: str) -> int:
    if remote_model not in REMOTE_MODELS:
        raise ValidationError(f"unknown remote model {remote_model!r}; known: {', '.join(REMOTE_MODELS)}")
    return 3 if remote_model == "serial" else 2


def stage_front(dnn: DNN, platform: Platform, remote_model: str = "negligible") -> np.ndarray:
    """The Pareto front of ``dnn``'s partitions on ``platform``: rows ``(f(L), u(L))``, plus
    ``r(L)`` with the ``serial`` remote model (int64 µs; see the module doc), one per partition
    that no other partition beats on every machine."""
    d = _machines(remote_model)
    if not isinstance(dnn, DNN):
        raise ValidationError(f"stage_front: {dnn!r} is not a DNN"[:200])
    if not isinstance(platform, Platform):
        raise ValidationError(f"stage_front: {platform!r} is not a Platform"[:200])
    times = [platform.local_times(dnn), platform.upload_times(dnn)]
    if d == 3:
        times.append(platform.remote_times(dnn))
    n = len(dnn)
    ideals = enumerate_ideals(dnn)
    local = (np.array([np.frombuffer(format(i, f"0{n}b").encode(), np.uint8) for i in ideals])[:, ::-1]
             == ord("1"))
    succ = np.zeros((n, n), dtype=np.int64)
    for v in range(n):
        succ[v, list(dnn.succs[v])] = 1
    cut = local & ((~local).astype(np.int64) @ succ.T > 0)  # a local layer with a remote successor
    rows = [local @ times[0], cut @ times[1]] + ([(~local) @ times[2]] if d == 3 else [])
    return _pareto(np.stack(rows, axis=1).astype(np.int64))


def bottleneck_time(jobs: DNN | Sequence[DNN], platform: Platform, remote_model: str = "negligible") -> float:
    """The stream's bottleneck time ``tau`` in µs (module doc): the best partition's busiest-machine
    time per job, ``1e6 / tau`` its throughput in jobs per second.  ``jobs``: one DNN, or the
    stream's jobs (each distinct DNN weighted by its share of them).  An integer for one DNN."""
    dnns = [jobs] if isinstance(jobs, DNN) else list(jobs)
    if not dnns:
        raise ValidationError("bottleneck_time: needs at least one job")
    counts: dict[int, list] = {}
    for dnn in dnns:
        counts.setdefault(id(dnn), [dnn, 0])[1] += 1
    if len(counts) == 1:
        return float(stage_front(dnns[0], platform, remote_model).max(axis=1).min())
    front = np.zeros((1, _machines(remote_model)))
    for dnn, count in counts.values():
        share = stage_front(dnn, platform, remote_model) * (count / len(dnns))
        front = _pareto((front[:, None, :] + share[None, :, :]).reshape(-1, front.shape[1]))
    return float(front.max(axis=1).min())


def offered_load(rate: float, jobs: DNN | Sequence[DNN], platform: Platform,
                 remote_model: str = "negligible") -> float:
    """``rho = rate * tau``: the offered load of ``rate`` jobs per second (module doc)."""
    return _check_rate(rate, "offered_load: rate") * bottleneck_time(jobs, platform, remote_model) / 1e6


def rate_for_load(load: float, jobs: DNN | Sequence[DNN], platform: Platform,
                  remote_model: str = "negligible") -> float:
    """The arrival rate (jobs per second) whose offered load is ``load``: ``load / tau``."""
    if not is_real(load) or not load > 0:
        raise ValidationError(f"rate_for_load: load must be a number > 0, got {load!r}"[:200])
    tau = bottleneck_time(jobs, platform, remote_model)
    if tau <= 0:
        raise ValidationError("rate_for_load: the best partition takes no time on any machine (every time "
                              "rounds to 0 µs): no arrival rate loads it")
    return float(load) * 1e6 / tau
