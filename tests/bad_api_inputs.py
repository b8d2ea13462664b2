"""Hostile Python API calls (issue 28): each ends in a :class:`offloadsched.ValidationError` whose message
names the offending argument or entry, or in a correct result checked by a predicate; never another exception.

``CASES`` lists them (:class:`ApiCase`: a name, a callable performing the call, and the expected outcome);
:func:`run_case` classifies one run as ``clean error``, ``correct result``, ``wrong`` (a ValidationError with
another message, a result failing its predicate, or a result where an error was expected) or ``traceback``
(any other exception).  ``python -m tests.bad_api_inputs`` runs them all and prints the counts;
``tests/test_bad_api_inputs.py`` runs each as a test.  The expected values are small enough to check by hand
or by brute force in the predicate itself.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from offloadsched import DagProblem, FmProblem, J2Problem, JointProblem, ValidationError, solve
from offloadsched.dnn import DNN, Layer, chain
from offloadsched.instances import generators
from offloadsched.io import load, save
from offloadsched.partition import Partition
from offloadsched.platform import Network, Platform
from offloadsched.problems import identical_jobs


@dataclass(frozen=True)
class ApiCase:
    """One API call: ``error`` is a fragment the ValidationError must contain; otherwise ``check`` must
    hold on the call's result."""

    name: str
    call: Callable[[], Any]
    error: str | None = None
    check: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Outcome:
    kind: str  # "clean error", "correct result", "wrong" or "traceback"
    detail: str = ""


def run_case(case: ApiCase) -> Outcome:
    try:
        result = case.call()
    except ValidationError as exc:
        text = str(exc)
        if case.error is None:
            return Outcome("wrong", f"expected a result, got ValidationError: {text}")
        if case.error not in text:
            return Outcome("wrong", f"missing fragment {case.error!r} in {text!r}")
        if "\n" in text.strip():
            return Outcome("wrong", f"message of several lines: {text!r}")
        return Outcome("clean error", text)
    except Exception as exc:  # noqa: BLE001 (the point: any other exception is a traceback)
        return Outcome("traceback", f"{type(exc).__name__}: {exc}"[:500])
    if case.error is not None:
        return Outcome("wrong", f"expected ValidationError {case.error!r}, got {result!r}"[:500])
    assert case.check is not None
    try:
        ok = bool(case.check(result))
    except Exception as exc:  # noqa: BLE001
        return Outcome("wrong", f"predicate raised {type(exc).__name__}: {exc}"[:500])
    return Outcome("correct result" if ok else "wrong", "" if ok else f"predicate failed on {result!r}"[:500])


# -- small fixtures -------------------------------------------------------------------------------

def _dnn(name: str = "c") -> DNN:
    return chain(name, [Layer("in", "input", 0, 600), Layer("a", "conv", 1e6, 100), Layer("b", "conv", 1e6, 10)])


def _platform() -> Platform:
    return Platform(1e9, 1e10, 1e6, 0.001)


def _dag(**changes) -> DagProblem:
    fields: dict[str, Any] = dict(f=[1, 2, 3], u=[4, 1, 2], r=[0, 0, 0], local=[True, True, False],
                                  preds=[[], [0], [1]])
    return DagProblem(**{**fields, **changes})


def _j2_file(as_bytes: bool) -> Any:
    folder = tempfile.mkdtemp(prefix="bad_api_")
    path = os.path.join(folder, "p.json")
    save(J2Problem([3, 1, 4], [2, 5, 1]), path)
    return load(os.fsencode(path) if as_bytes else path)


def _big_j2(n: int) -> J2Problem:
    rng = np.random.default_rng(1)
    return J2Problem(rng.integers(1, 1000, n), rng.integers(1, 1000, n))


def _gantt_title(n: int) -> str:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    res = solve(_big_j2(n), "johnson")
    ax = res.plot()
    title = ax.get_title()
    plt.close(ax.figure)
    return title


def _alexnets(n: int) -> JointProblem:
    from offloadsched.instances import get_model
    from offloadsched.instances.platforms import make_platform

    return JointProblem([get_model("alexnet")] * n, make_platform("rpi4", "gtx1080", "4g"))


J2 = J2Problem([3, 1, 4], [2, 5, 1])  # Johnson's (and the optimal) makespan: 9


def _err(name: str, call: Callable[[], Any], fragment: str) -> ApiCase:
    return ApiCase(name, call, error=fragment)


def _ok(name: str, call: Callable[[], Any], check: Callable[[Any], bool]) -> ApiCase:
    return ApiCase(name, call, check=check)


CASES: list[ApiCase] = [
    # -- the examples ---------------------------------------------------------------------
    _err("j2-datetime64", lambda: J2Problem(np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]"), [1, 2]),
         "j2 problem: a: must be numbers, got an array of datetimes"),
    _err("dag-preds-not-a-list", lambda: DagProblem(f=[1, 2], u=[1, 1], r=[0, 0], local=[True, True], preds=[[], 0]),
         "preds[1] must be a list of node indices"),
    _err("layer-flops-10e400", lambda: Layer("x", "conv", 10**400, 1), "layer 'x': flops must be finite"),
    _err("layer-out-bytes-10e400", lambda: Layer("x", "conv", 1, 10**400), "layer 'x': out_bytes must be finite"),
    _err("platform-r-loc-10e400", lambda: Platform(10**400, 1e9, 1e6), "r_loc must be finite"),
    _err("platform-w-rtt-10e400", lambda: Platform(1e9, 1e9, 1e6, 0.01, w_rtt=10**400), "w_rtt must be finite"),
    _err("identical-jobs-fraction", lambda: identical_jobs(_dnn(), 2.5), "number of jobs must be an integer"),
    _ok("load-bytes-path", lambda: _j2_file(True), lambda p: p.a.tolist() == [3, 1, 4] and p.b.tolist() == [2, 5, 1]),
    _err("load-bytes-missing", lambda: load(b"/nonexistent-dir/p.json"), "no such file"),
    _ok("time-limit-numpy-int", lambda: solve(J2, "johnson", time_limit=np.int64(5)), lambda r: r.makespan == 9),
    _err("j2-complex", lambda: J2Problem(np.array([1 + 0j, 2]), [1, 2]), "got an array of complex numbers"),
    _err("j2-timedelta64", lambda: J2Problem(np.array([1, 2], dtype="timedelta64[s]"), [1, 2]),
         "got an array of time deltas"),
    _err("j2-masked", lambda: J2Problem(np.ma.array([1, 2], mask=[0, 1]), [1, 2]), "j2 problem: a: masked arrays"),
    _err("dag-local-strings", lambda: _dag(local=["False", "True", "False"]), "local[0]: must be True or False"),
    _err("dag-preds-fraction", lambda: _dag(preds=[[], [0.5], [1]]), "preds[1][0]: must be an integer index"),
    _err("dag-job-fraction", lambda: _dag(job=[0, 0.5, 0]), "job[1]: must be an integer index"),
    _err("layer-flops-bool", lambda: Layer("x", "conv", True, 1), "flops must be a number, got True"),
    _err("platform-string-rate", lambda: Platform("1e9", 1e9, 1e6), "r_loc must be a number, got '1e9'"),
    _err("partition-int-mask", lambda: Partition(_dnn(), np.array([1, 0, 0])), "integer array of 0s and 1s"),
    _err("partition-string", lambda: Partition(_dnn(), "in"), "got the string 'in'"),
    _err("dnn-duplicate-layer", lambda: DNN("d", [Layer("x", "input", 0, 1), Layer("x", "conv", 1, 1)], []),
         "duplicate layer name 'x' (layers 0 and 1"),
    _err("fm-duplicate-jobs", lambda: FmProblem([[1, 2], [3, 4]], jobs=["a", "a"]),
         "duplicate job name 'a' (jobs 0 and 1"),
    _err("dag-duplicate-nodes", lambda: _dag(names=["x", "y", "x"]), "duplicate node name 'x' (nodes 0 and 2"),
    _err("dag-duplicate-job-names", lambda: _dag(job=[0, 1, 1], job_names=["j", "j"]),
         "duplicate job name 'j' (jobs 0 and 1"),
    _err("joint-duplicate-dnn-names", lambda: JointProblem([_dnn("m"), chain("m", [Layer("in", "input", 0, 9),
                                                                                   Layer("z", "conv", 5, 1)])],
                                                             _platform()),
         "jobs 0 and 1 are different DNNs both named 'm'"),
    _ok("joint-same-dnn-twice", lambda: JointProblem([_dnn("m")] * 2, _platform()),
        lambda jp: jp.job_names == ("m#0", "m#1")),
    _ok("joint-equal-dnns-same-name", lambda: JointProblem([_dnn("m"), _dnn("m")], _platform()),
        lambda jp: jp.job_names == ("m#0", "m#1")),
    # -- array kinds (times) ----------------------------------------------------------------------
    _err("fm-object-none", lambda: FmProblem(np.array([[1, None], [2, 3]], dtype=object)),
         "fm problem: times[0][1]: times must be numbers, got None"),
    _err("fm-strings", lambda: FmProblem(np.array([["1", "2"], ["3", "4"]])), "got an array of strings"),
    _err("fm-bytes", lambda: FmProblem(np.array([[b"1", b"2"], [b"3", b"4"]])), "got an array of bytes"),
    _err("fm-bools", lambda: FmProblem(np.array([[True, False], [True, True]])), "got an array of booleans"),
    _err("fm-list-bool", lambda: FmProblem([[True, 2], [3, 4]]), "times[0][0]: times must be numbers, got True"),
    _err("fm-structured", lambda: FmProblem(np.zeros((2, 2), dtype=[("x", int)])), "structured values"),
    _err("j2-list-complex", lambda: J2Problem([1, 2 + 1j], [1, 2]), "a[1]: times must be numbers, got (2+1j)"),
    _err("j2-list-datetime", lambda: J2Problem([1, np.datetime64("2020")], [1, 2]), "a[1]: times must be numbers"),
    _err("j2-list-timedelta", lambda: J2Problem([1, 2], [np.timedelta64(3, "s"), 2]), "b[0]: times must be numbers"),
    _err("j2-list-masked", lambda: J2Problem([np.ma.array([1, 2])], [[1, 2]]), "masked array"),
    _err("j2-masked-no-mask", lambda: J2Problem(np.ma.array([1, 2]), [1, 2]), "masked arrays are refused"),
    _err("j2-huge-int", lambda: J2Problem([10**400], [1]), "j2 problem"),
    _err("j2-nan", lambda: J2Problem([float("nan")], [1]), "times must be finite"),
    _err("j2-negative", lambda: J2Problem([-1], [1]), "times must be >= 0"),
    _err("j2-fraction-time", lambda: J2Problem([1.5], [1]), "times must be integer microseconds"),
    _ok("j2-integral-floats", lambda: J2Problem(np.array([3.0, 1.0]), [2, 5]), lambda p: p.a.tolist() == [3, 1]),
    _ok("j2-int32", lambda: J2Problem(np.array([3, 1], dtype=np.int32), [2, 5]), lambda p: p.a.dtype == np.int64),
    _ok("j2-fractions-integral", lambda: J2Problem([Fraction(3), Fraction(1)], [2, 5]),
        lambda p: p.a.tolist() == [3, 1]),
    _err("dag-f-timedelta", lambda: _dag(f=np.array([1, 2, 3], dtype="timedelta64[us]")), "dag problem: f"),
    _err("dag-u-masked", lambda: _dag(u=np.ma.array([4, 1, 2], mask=[0, 0, 1])), "dag problem: u: masked"),
    _err("fm-w-rtt-bool", lambda: FmProblem([[1, 2]], w_rtt=True), "w_rtt"),
    _err("fm-w-rtt-string", lambda: FmProblem([[1, 2]], w_rtt="5"), "w_rtt"),
    _ok("dag-w-rtt-numpy", lambda: _dag(w_rtt=np.int64(5)), lambda d: d.w_rtt == 5),
    # -- array kinds (flags and indices) ----------------------------------------------------------
    _err("dag-local-string-array", lambda: _dag(local=np.array(["True", "True", "False"])),
         "local: must be booleans, got an array of strings"),
    _err("dag-local-two", lambda: _dag(local=[2, 1, 0]), "local[0]: must be True or False, got 2"),
    _err("dag-local-floats", lambda: _dag(local=[1.0, 1.0, 0.0]), "local[0]: must be True or False"),
    _err("dag-local-int-array-two", lambda: _dag(local=np.array([1, 2, 0])), "local[1]: must be True or False"),
    _err("dag-local-masked", lambda: _dag(local=np.ma.array([True, True, False])), "local: masked"),
    _err("dag-local-none", lambda: _dag(local=None), "local: must be a list of booleans"),
    _ok("dag-local-ints", lambda: _dag(local=[1, 1, 0]), lambda d: d.local.tolist() == [True, True, False]),
    _ok("dag-local-int-array", lambda: _dag(local=np.array([1, 1, 0])), lambda d: d.cut_nodes.tolist() == [1]),
    _err("dag-preds-string", lambda: _dag(preds="abc"), "preds must be a list of predecessor lists"),
    _err("dag-preds-bool", lambda: _dag(preds=[[], [True], [1]]), "preds[1][0]: must be an integer index"),
    _err("dag-preds-str-entry", lambda: _dag(preds=[[], ["0"], [1]]), "preds[1][0]: must be an integer index"),
    _err("dag-preds-complex-array", lambda: _dag(preds=[[], np.array([0j]), [1]]), "preds[1]: must be integer"),
    _err("dag-preds-none", lambda: _dag(preds=[[], None, [1]]), "preds[1] must be a list of node indices"),
    _ok("dag-preds-integral-floats", lambda: _dag(preds=[[], np.array([0.0]), [1]]), lambda d: d.preds[1] == (0,)),
    _ok("dag-preds-numpy-ints", lambda: _dag(preds=[[], [np.int64(0)], np.array([1])]),
        lambda d: d.preds == ((), (0,), (1,))),
    _err("dag-job-bool", lambda: _dag(job=[0, True, 0]), "job[1]: must be an integer index, got True"),
    _err("dag-job-float-array", lambda: _dag(job=np.array([0.0, 1.5, 0.0])), "job[1]: must be an integer index"),
    _err("dag-job-strings", lambda: _dag(job=["0", "0", "0"]), "job[0]: must be an integer index"),
    _err("dag-job-datetime", lambda: _dag(job=np.array(["2020"] * 3, dtype="datetime64[Y]")), "dag problem: job"),
    _err("dag-names-ints", lambda: _dag(names=[1, 2, 3]), "node name 0 must be a non-empty string"),
    _err("dag-names-string", lambda: _dag(names="abc"), "node names must be a list of strings"),
    _err("fm-jobs-count", lambda: FmProblem([[1, 2], [3, 4]], jobs=["a"]), "1 job names for 2 jobs"),
    _err("fm-jobs-empty-name", lambda: FmProblem([[1, 2], [3, 4]], jobs=["a", ""]), "job name 1 must be a non-empty"),
    _err("j2-machines-duplicate", lambda: J2Problem([1], [2], machines=("m", "m")), "need 2 distinct machine names"),
    # -- layers, platforms, DNNs ------------------------------------------------------------------
    _err("layer-flops-string", lambda: Layer("x", "conv", "1e6", 1), "flops must be a number, got '1e6'"),
    _err("layer-out-bytes-nan", lambda: Layer("x", "conv", 1, np.float64("nan")), "out_bytes must be finite"),
    _err("layer-flops-complex", lambda: Layer("x", "conv", 1 + 2j, 1), "flops must be a number"),
    _err("layer-flops-array", lambda: Layer("x", "conv", np.array([1.0]), 1), "flops must be a number"),
    _err("layer-flops-negative", lambda: Layer("x", "conv", -1, 1), "flops must be >= 0"),
    _ok("layer-flops-numpy", lambda: Layer("x", "conv", np.int64(5), np.float32(2)),
        lambda la: la.flops == 5.0 and type(la.flops) is float and type(la.out_bytes) is float),
    _err("layer-name-int", lambda: Layer(5, "conv", 1, 1), "layer name must be a non-empty string"),
    _err("layer-kind-none", lambda: Layer("x", None, 1, 1), "kind must be a string"),
    _err("platform-bandwidth-huge", lambda: Platform(1e9, 1e10, 10**400), "bandwidth must be finite"),
    _err("platform-w-rtt-bool", lambda: Platform(1e9, 1e10, 1e6, 0.01, w_rtt=True), "w_rtt must be a number"),
    _err("platform-w-msg-inf", lambda: Platform(1e9, 1e10, 1e6, float("inf")), "w_msg must be finite"),
    _err("platform-name-none", lambda: Platform(1e9, 1e10, 1e6, name=None), "name must be a string"),
    _ok("platform-numpy-rates", lambda: Platform(np.float32(1e9), np.int64(10**10), 1e6),
        lambda p: type(p.r_loc) is float and p.r_rem == 1e10),
    _err("network-string-bandwidth", lambda: Network("x", "1e6"), "bandwidth must be a number"),
    _err("dnn-name-int", lambda: DNN(5, [Layer("x", "input", 0, 1)], []), "DNN name must be a string"),
    _err("identical-jobs-bool", lambda: identical_jobs(_dnn(), True), "number of jobs must be an integer"),
    _ok("identical-jobs-numpy", lambda: identical_jobs(_dnn(), np.int64(3)), lambda jobs: len(jobs) == 3),
    _err("identical-jobs-huge", lambda: identical_jobs(_dnn(), 10**8), "1..10000000"),
    _err("identical-jobs-not-dnn", lambda: identical_jobs("alexnet", 2), "is not a DNN"),
    _err("joint-job-string", lambda: JointProblem([_dnn(), "alexnet"], _platform()), "job 1 ('alexnet') is not a DNN"),
    # -- partitions -------------------------------------------------------------------------------
    _ok("partition-bool-mask", lambda: Partition(_dnn(), np.array([True, False, False])),
        lambda p: p.local.tolist() == [True, False, False]),
    _ok("partition-bool-list", lambda: Partition(_dnn(), [True, True, False]),
        lambda p: p.local.tolist() == [True, True, False]),
    _ok("partition-one-name", lambda: Partition(_dnn(), ["in"]), lambda p: p.local.tolist() == [True, False, False]),
    _ok("partition-name-array", lambda: Partition(_dnn(), np.array(["in", "a"])), lambda p: p.cut_points == [1]),
    _ok("partition-indices-array", lambda: Partition(_dnn(), np.array([0, 1])), lambda p: p.cut_points == [1]),
    _err("partition-repeated-index", lambda: Partition(_dnn(), [0, 0]), "is given twice"),
    _err("partition-float-index", lambda: Partition(_dnn(), [0, 1.0]), "integer index, got 1.0"),
    _err("partition-bool-mixed", lambda: Partition(_dnn(), [0, True]), "mixed with layer names or indices"),
    _err("partition-float-array", lambda: Partition(_dnn(), np.array([0.0, 1.0])), "integer index"),
    _err("partition-mask-length", lambda: Partition(_dnn(), np.array([True, False])), "mask has shape (2,)"),
    _err("partition-list-mask-length", lambda: Partition(_dnn(), [True, False]), "mask has 2 entries, expected 3"),
    _err("partition-int", lambda: Partition(_dnn(), 5), "local layers must be a collection"),
    _err("partition-masked", lambda: Partition(_dnn(), np.ma.array([0, 1])), "masked arrays"),
    _err("partition-complex", lambda: Partition(_dnn(), np.array([0j])), "got an array of complex numbers"),
    _err("partition-not-dnn", lambda: Partition("c", [0]), "is not a DNN"),
    # -- files, options ---------------------------------------------------------------------------
    _ok("load-str-path", lambda: _j2_file(False), lambda p: p.n == 3),
    _err("load-int-path", lambda: load(123), "path must be a str, bytes or os.PathLike"),
    _ok("time-limit-numpy-float", lambda: solve(J2, "johnson", time_limit=np.float64(1.5)), lambda r: r.makespan == 9),
    _err("time-limit-bool", lambda: solve(J2, "johnson", time_limit=True), "time_limit must be a positive number"),
    _err("time-limit-nan", lambda: solve(J2, "johnson", time_limit=float("nan")), "time_limit must be a positive"),
    _err("time-limit-negative", lambda: solve(J2, "johnson", time_limit=-1), "time_limit must be a positive"),
    _err("time-limit-inf", lambda: solve(J2, "johnson", time_limit=float("inf")), "time_limit must be a positive"),
    _ok("ig-numpy-options", lambda: solve(J2, "ig", seed=np.int64(3), iterations=np.int64(5)),
        lambda r: r.makespan == 9),
    _ok("mip-path-numpy-workers", lambda: solve(J2, "mip-path", workers=np.int64(1), time_limit=10),
        lambda r: r.makespan == 9 and r.status == "optimal"),
    _err("mip-path-bool-workers", lambda: solve(J2, "mip-path", workers=True), "workers must be an integer in 1..256"),
    _ok("cpsat-numpy-options", lambda: solve(J2, "cpsat-flowshop", workers=np.int64(1), seed=np.int32(2),
                                              time_limit=np.float32(10)),
        lambda r: r.makespan == 9 and r.status == "optimal"),
    _err("ig-fraction-iterations", lambda: solve(J2, "ig", iterations=2.5), "iterations must be an integer"),
    _err("ig-nan-temperature", lambda: solve(J2, "ig", temperature=float("nan")), "temperature must be a finite"),
    # -- instance generators ----------------------------------------------------------------------
    _err("gen-seed-negative", lambda: generators.random_j2(5, seed=-1), "seed must be an integer >= 0"),
    _err("gen-seed-fraction", lambda: generators.random_j2(5, seed=2.5), "seed must be an integer >= 0"),
    _err("gen-seed-string", lambda: generators.random_fm(5, seed="x"), "seed must be an integer >= 0"),
    _err("gen-seed-bool", lambda: generators.random_j2(5, seed=True), "seed must be an integer >= 0"),
    _ok("gen-seed-numpy", lambda: generators.random_j2(5, seed=np.int64(3)),
        lambda p: p.a.tolist() == generators.random_j2(5, seed=3).a.tolist()),
    _err("gen-high-huge", lambda: generators.random_j2(5, high=10**30), "need 0 <= low <= high (integers below 2**62)"),
    _err("gen-high-float", lambda: generators.random_j2(5, high=2.5), "need 0 <= low <= high"),
    _err("gen-n-fraction", lambda: generators.random_j2(2.5), "n must be an integer >= 1"),
    _err("gen-flops-string", lambda: generators.random_dnn(5, flops="ab"), "flops range must be a pair"),
    _err("gen-flops-inf", lambda: generators.random_dnn(5, flops=(1.0, float("inf"))), "flops range must be a pair"),
    _err("gen-n-local-fraction", lambda: generators.random_partition([[], [0]], n_local=1.5),
         "n_local must be in 0..2"),
    _err("gen-models-string", lambda: generators.heterogeneous_mix(3, models="alexnet"),
         "models must be a non-empty list of model names"),
    _err("gen-identical-fraction", lambda: generators.identical("alexnet", 1.5), "number of jobs must be an integer"),
    # -- limits at scale --------------------------------------------------------------------------
    _err("neh-huge-no-limit", lambda: solve(_big_j2(20_000), "neh"), "above its size limit without a time limit"),
    _ok("neh-huge-time-limit", lambda: solve(_big_j2(20_000), "neh", time_limit=0.2),
        lambda r: sorted(r.schedule.order.tolist()) == list(range(20_000)) and "stopped" in r.info),
    _ok("cpsat-flowshop-model-too-big", lambda: solve(_big_j2(3000), "cpsat-flowshop", time_limit=0.5),
        lambda r: r.info.get("model_built") is False and r.status == "optimal" and r.bound == r.makespan),
    _ok("mip-path-model-too-big", lambda: solve(_big_j2(3000), "mip-path", time_limit=0.5),
        lambda r: r.info.get("model_built") is False and r.status in ("optimal", "feasible")),
    _err("cpsat-joint-answer-too-big", lambda: solve(_alexnets(100_000), "cpsat-joint", time_limit=1.0),
         "problem D of any answer takes about"),
    _err("mip-joint-chain-answer-too-big", lambda: solve(_alexnets(100_000), "mip-joint-chain", time_limit=1.0),
         "problem D of any answer takes about"),
    _ok("plot-aggregated", lambda: _gantt_title(6000), lambda title: "12000 operations: busy periods" in title),
    _ok("plot-bars", lambda: _gantt_title(50), lambda title: "busy periods" not in title),
]


def main() -> int:
    counts: Counter[str] = Counter()
    for case in CASES:
        outcome = run_case(case)
        counts[outcome.kind] += 1
        if outcome.kind not in ("clean error", "correct result"):
            print(f"{case.name}: {outcome.kind}: {outcome.detail}")
    print(f"{len(CASES)} API cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0 if counts["wrong"] + counts["traceback"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
