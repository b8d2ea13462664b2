"""Streams (offloadsched.instances.streams): release-time generators and the offered load."""

import itertools

import numpy as np
import pytest

from offloadsched.dnn import DNN, Layer
from offloadsched.errors import ValidationError
from offloadsched.ideals import enumerate_ideals
from offloadsched.instances.generators import random_dnn
from offloadsched.instances.streams import (
    PATTERNS,
    bottleneck_time,
    burst,
    offered_load,
    periodic,
    poisson,
    rate_for_load,
    release_times,
    stage_front,
)
from offloadsched.partition import Partition
from offloadsched.platform import Platform
from offloadsched.problems import build_fm


@pytest.mark.parametrize("pattern", PATTERNS)
def test_release_times_sorted_integer_seeded(pattern):
    kw = {"jitter": 0.4} if pattern == "periodic" else {}
    a = release_times(pattern, 500, 30.0, seed=3, **kw)
    assert a.dtype == np.int64 and len(a) == 500
    assert (np.diff(a) >= 0).all() and a[0] >= 0
    assert np.array_equal(a, release_times(pattern, 500, 30.0, seed=3, **kw))
    assert not np.array_equal(a, release_times(pattern, 500, 30.0, seed=4, **kw))
    assert np.array_equal(a, release_times(pattern, 500, 30.0, seed=np.random.default_rng(3), **kw))


def test_periodic_spacing_exact():
    assert np.array_equal(periodic(7, 10), np.arange(7) * 100_000)
    t = periodic(1001, 30)  # 33,333.3 µs: each frame rounded on its own, no drift
    assert t[-1] == 33_333_333 and t[3] == 100_000 and t[1] == 33_333 and t[2] == 66_667
    assert set(np.diff(t).tolist()) == {33_333, 33_334}
    assert np.array_equal(periodic(50, 24, seed=1), periodic(50, 24, seed=2))  # no jitter: no draw


def test_periodic_jitter_stays_in_its_slot():
    t = periodic(2000, 25, jitter=0.9, seed=5)
    slot = np.arange(2000) * 40_000
    assert (t >= slot).all() and (t <= slot + 36_000).all()
    assert (t > slot).mean() > 0.99  # jitter moves (almost) every frame


def test_poisson_mean_rate():
    rate = 40.0
    t = poisson(20_000, rate, seed=11)
    assert t[0] == 0
    gaps = np.diff(t)
    # exponential gaps of mean 25,000 µs; the sample mean of 19,999 has a standard error of 0.7 %
    assert abs(gaps.mean() / (1e6 / rate) - 1) < 0.03
    assert abs(gaps.std() / gaps.mean() - 1) < 0.05  # coefficient of variation 1


def test_burst_sizes_and_rate():
    t = burst(23, 10.0, size=5, seed=2)
    assert np.array_equal(t[:5], [0] * 5)
    starts = np.unique(t)
    assert len(starts) == 5 and [int((t == s).sum()) for s in starts] == [5, 5, 5, 5, 3]
    spread = burst(10, 10.0, size=5, spread=7, seed=2)
    assert spread[:5].tolist() == [0, 7, 14, 21, 28]
    long = burst(50_000, 100.0, size=10, seed=1)
    assert abs(len(long) / (long[-1] / 1e6) / 100.0 - 1) < 0.05


@pytest.mark.parametrize("call, match", [
    (lambda: periodic(0, 10), "number of jobs"),
    (lambda: periodic(5, 0), "fps must be a number"),
    (lambda: periodic(5, 10, jitter=1.0), "jitter"),
    (lambda: poisson(5, float("nan")), "rate"),
    (lambda: burst(5, 10, size=0), "size"),
    (lambda: burst(5, 10, spread=-1), "spread"),
    (lambda: release_times("uniform", 5, 10), "unknown arrival pattern 'uniform'"),
    (lambda: poisson(3, 10, seed=-1), "seed"),
    (lambda: periodic(100_000, 1e-9), "ceiling"),
])
def test_generator_errors(call, match):
    with pytest.raises(ValidationError, match=match):
        call()


# -- offered load ----------------------------------------------------------------------------------
def _chain(name: str, flops: list[float], out_bytes: list[float]) -> DNN:
    names = ["input"] + [f"l{k}" for k in range(1, len(flops) - 1)] + ["output"]
    layers = [Layer(n, "input" if k == 0 else "layer", fl, ob) for k, (n, fl, ob) in
              enumerate(zip(names, flops, out_bytes))]
    return DNN(name, layers, list(zip(names, names[1:])))


# device 1 GFLOP/s (1 µs per kFLOP), server 0.5 GFLOP/s, 0.8 Mbit/s uplink (10 µs per byte), no latencies
PLATFORM = Platform(1e9, 5e8, 8e5, 0.0)
# f = 0, 4000, 2000, 1000; u = 10000, 5000, 2500, 100; t' = 0, 8000, 4000, 2000 (µs)
CHAIN = _chain("chain", [0, 4e6, 2e6, 1e6], [1000, 500, 250, 10])
# f = 0, 1000, 1000; u = 2000, 1000, 10
SHORT = _chain("short", [0, 1e6, 1e6], [200, 100, 1])


def test_bottleneck_hand_computed():
    # partitions of CHAIN (f, u, t'): {input} (0, 10000, 14000), up to l1 (4000, 5000, 6000),
    # up to l2 (6000, 2500, 2000), local-only (7000, 0, 0): the output uploads nothing
    assert bottleneck_time(CHAIN, PLATFORM) == 5000  # max(f, u) smallest at the cut after l1
    assert bottleneck_time(CHAIN, PLATFORM, "parallel") == 5000  # no contention at the server
    assert bottleneck_time(CHAIN, PLATFORM, "serial") == 6000  # after l1 or after l2
    assert stage_front(CHAIN, PLATFORM).tolist() == [[0, 10000], [4000, 5000], [6000, 2500], [7000, 0]]
    assert offered_load(100.0, CHAIN, PLATFORM) == pytest.approx(0.5)
    assert rate_for_load(1.2, CHAIN, PLATFORM) == pytest.approx(240.0)
    assert rate_for_load(0.7, [CHAIN] * 3, PLATFORM, "serial") == pytest.approx(0.7e6 / 6000)


def test_bottleneck_of_a_mix_hand_computed():
    # SHORT's partitions (f, u): (0, 2000), (1000, 1000), (2000, 0).  Half the jobs of each DNN:
    # CHAIN after l2 + SHORT cloud-only: (6000 + 0, 2500 + 2000) / 2 = (3000, 2250); no pair does better
    # (CHAIN's f alone is 4000 or more unless it sends 10000 µs: max >= 3000 with a share of one half)
    assert bottleneck_time([CHAIN, SHORT], PLATFORM) == pytest.approx(3000)
    # two thirds CHAIN: (2 * 4000 + 2000, 2 * 5000 + 0) / 3 or (2 * 6000 + 0, 2 * 2500 + 2000) / 3
    assert bottleneck_time([CHAIN, SHORT, CHAIN], PLATFORM) == pytest.approx(10000 / 3)


def _brute_tau(dnns, platform, remote_model):
    """min over one partition per DNN of the busiest machine's mean time, through build_fm."""
    distinct = list({id(d): d for d in dnns}.values())
    share = {id(d): sum(x is d for x in dnns) / len(dnns) for d in distinct}
    options = []
    for d in distinct:
        rows = []
        for ideal in enumerate_ideals(d):
            part = Partition(d, np.array([ideal >> v & 1 for v in range(len(d))], dtype=bool))
            rows.append(build_fm([d], platform, [part]).times[0] * share[id(d)])
        options.append(rows)
    cols = slice(None) if remote_model == "serial" else slice(0, 2)
    return min(max(sum(combo)[cols]) for combo in itertools.product(*options))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("remote_model", ["negligible", "serial"])
def test_bottleneck_against_enumeration(seed, remote_model):
    platform = Platform(2e8, 1e9, 2e6, 0.003)
    a, b = random_dnn(7, seed, "sp"), random_dnn(6, seed + 10, "tree").rename("other")
    assert bottleneck_time(a, platform, remote_model) == _brute_tau([a], platform, remote_model)
    assert bottleneck_time([a, b, b], platform, remote_model) == pytest.approx(
        _brute_tau([a, b, b], platform, remote_model))


def test_load_errors():
    with pytest.raises(ValidationError, match="load must be a number > 0"):
        rate_for_load(0, CHAIN, PLATFORM)
    with pytest.raises(ValidationError, match="unknown remote model 'fast'"):
        bottleneck_time(CHAIN, PLATFORM, "fast")
    with pytest.raises(ValidationError, match="at least one job"):
        bottleneck_time([], PLATFORM)
    with pytest.raises(ValidationError, match="rate must be"):
        offered_load(-1, CHAIN, PLATFORM)


# -- the benchmark family ----------------------------------------------------------------------------
def test_stream_family():
    from offloadsched.bench.builders import get_family
    from offloadsched.instances.platforms import make_platform
    from offloadsched.instances.zoo import get_model

    fam = get_family("stream")
    built = fam.build({"model": "resnet18", "jobs": 12, "load": 0.8, "pattern": "periodic", "network": "wifi"}, seed=0)
    p = built.problem
    dnn = get_model("resnet18")
    tau = bottleneck_time(dnn, make_platform("rpi4", "gtx1080", "wifi"))
    assert built.attrs["tau_ms"] * 1e3 == tau and built.attrs["rate_hz"] == pytest.approx(0.8e6 / tau)
    assert np.array_equal(p.release, periodic(12, 0.8e6 / tau))
    assert offered_load(built.attrs["rate_hz"], p.jobs, p.platform) == pytest.approx(0.8)
    mix = fam.build({"model": "googlenet+resnet18", "jobs": 9, "load": 1.2}, seed=4)
    assert sorted({d.name for d in mix.problem.jobs}) == ["googlenet", "resnet18"]
    assert mix.problem.has_release and (np.diff(mix.problem.release) >= 0).all()
    again = fam.build({"model": "googlenet+resnet18", "jobs": 9, "load": 1.2}, seed=4).problem
    assert np.array_equal(again.release, mix.problem.release) and [d.name for d in again.jobs] == [
        d.name for d in mix.problem.jobs]
    with pytest.raises(ValidationError, match="load must be > 0"):
        fam.build({"model": "resnet18", "jobs": 3, "load": 0.0})
    with pytest.raises(ValidationError, match="unknown arrival pattern"):
        fam.build({"model": "resnet18", "jobs": 3, "load": 1.0, "pattern": "steady"})


# -- the report section on a hand-made database -------------------------------------------------------
def _rec(jobs, load, method, makespan, *, kind="heuristic", status="heuristic", bound=None, resp=(None, None)):
    params = {"model": "resnet18", "jobs": jobs, "load": load, "pattern": "poisson", "network": "4g"}
    name = "online" if method.startswith("online-") else method
    return {"group_name": "streams: ResNet-18", "family": "stream", "instance": f"stream-j{jobs}-l{load}",
            "method": method, "method_name": name, "kind": kind, "status": status, "makespan": makespan,
            "bound": makespan if status == "optimal" else bound, "problem_type": "joint", "wall_time": 0.25,
            "params": params, "attrs": {}, "response_mean": resp[0], "response_p95": resp[1]}


#: j4: cpsat-joint proves 100; j5: bracketed by joint-bound's 130 (cpsat-joint's own bound 100);
#: j6: the best makespan 200 reaches joint-bound's 200.
RECORDS = [
    _rec(4, 0.5, "online-fifo", 120, resp=(30_000, 50_000)), _rec(4, 0.5, "online-greedy", 110, resp=(25_000, 40_000)),
    _rec(4, 0.5, "po", 105, resp=(20_000, 30_000)),
    _rec(4, 0.5, "cpsat-joint", 100, kind="exact", status="optimal", resp=(19_000, 29_000)),
    _rec(5, 1.2, "online-fifo", 150, resp=(60_000, 90_000)), _rec(5, 1.2, "online-greedy", 160, resp=(70_000, 80_000)),
    _rec(5, 1.2, "po", 140, resp=(50_000, 70_000)),
    _rec(5, 1.2, "cpsat-joint", 145, kind="exact", status="feasible", bound=100, resp=(55_000, 75_000)),
    _rec(6, 0.8, "online-fifo", 200, resp=(40_000, 60_000)), _rec(6, 0.8, "online-greedy", 200, resp=(40_000, 60_000)),
    _rec(6, 0.8, "po", 210, resp=(45_000, 65_000)),
    *(_rec(jobs, load, "joint-bound", makespan, kind="exact", status="bound", bound=bound)  # PO's schedule beside
      for jobs, load, makespan, bound in ((4, 0.5, 105, 90), (5, 1.2, 140, 130), (6, 0.8, 210, 200))),
]


def _tables(blocks):
    from offloadsched.report.render import Table

    return {tuple(b.headers[:3]): b for b in blocks if isinstance(b, Table)}


def test_streams_section_on_a_hand_made_db(tmp_path):
    from offloadsched.bench import ResultsDB
    from offloadsched.report.streams import streams_blocks, streams_frame, streams_section

    with ResultsDB(tmp_path / "r.sqlite") as db:
        for k, r in enumerate(RECORDS):
            db.write_unit("s", f"u{k}", [r])
        df, refs, notes = streams_frame(db.frame("s"))
        assert notes == []
        by_jobs = refs.set_index(refs["instance"].str.extract(r"j(\d)", expand=False).astype(int))
        assert by_jobs.loc[4, "optimum"] == 100 and by_jobs.loc[4, "source"] == "cpsat-joint"
        assert not by_jobs.loc[5, "proven"] and by_jobs.loc[5, "bound"] == 130
        assert by_jobs.loc[6, "proven"] and by_jobs.loc[6, "source"] == "best makespan = lower bound"
        tables = _tables(streams_blocks(df, refs, notes))
        proofs = tables["group", "instances", "proven by an exact method"]
        assert proofs.rows == [["streams: ResNet-18", "3", "1", "1", "1", "7.14 %"]]
        methods = {r[1]: r for r in tables["role", "method", "instances"].rows}
        # online-fifo: gaps 20 % (proven), (150 - 130) / 130 = 15.38 % (bracketed), 0 % (proven)
        assert methods["online-fifo"][:8] == ["online", "online-fifo", "3", "2", "10.00 %", "≤ 11.79 %", "≤ 20.00 %",
                                              "43.3"]
        assert methods["cpsat-joint"][0] == "exact" and methods["po"][0] == "offline"
        assert "joint-bound" not in methods  # a bound, not a schedule to rank
        wins = {r[2]: r for r in tables["model", "network", "load"].rows}
        assert wins["50 %"][3:5] == ["online-greedy (25.0 ms)", "online-greedy (10.00 %)"]
        assert wins["80 %"][3:] == ["online-fifo, online-greedy (40.0 ms)", "online-fifo, online-greedy (0.00 %)",
                                    "po (5.00 %)"]
        assert wins["120 %"][3] == "online-fifo (60.0 ms)"
        assert streams_section(db, "empty")[1].text == "No runs of the stream family in this suite."


def test_the_streams_suite():
    from offloadsched.bench import load_suite

    suite = load_suite("streams")
    grid = [p for r in suite.rows for p in r.grid]
    poisson_cells = {(p["model"], p["jobs"], p["load"], p["network"]) for p in grid if p["pattern"] == "poisson"}
    assert poisson_cells == {(m, n, x, net) for m in ("googlenet", "resnet18", "googlenet+resnet18")
                             for n in (10, 30, 100) for x in (0.5, 0.8, 1.0, 1.2) for net in ("3g", "4g", "wifi")}
    assert {p["pattern"] for p in grid} == set(PATTERNS)
    for row in suite.rows:
        methods = {m.label: m for m in row.methods_for("joint")}
        online = {label: m.options["policy"] for label, m in methods.items() if m.name == "online"}
        assert online == {f"online-{p}": p for p in ("fifo", "greedy", "po", "jps", "hps")}
        assert set(methods) - set(online) == {"lo", "co", "po", "neurosurgeon", "jps", "hps", "cpsat-joint",
                                              "joint-bound"}
    assert suite.report["sections"] == ["offloadsched.report.streams:streams_section"]


TINY = """
name = "tinystreams"
time_limit = 2
[report]
sections = ["offloadsched.report.streams:streams_section"]
[options.cpsat-joint]
workers = 1
[[row]]
family = "stream"
model = "resnet18"
jobs = 3
load = [0.5, 1.2]
network = "wifi"
methods = [{method = "online", label = "online-fifo", options = {policy = "fifo"}},
           {method = "online", label = "online-greedy", options = {policy = "greedy"}}, "po", "cpsat-joint",
           "joint-bound"]
"""


def test_the_section_in_a_suite_report(tmp_path):
    """A tiny run of the real machinery: three ResNet-18 jobs over Wi-Fi at 50 and 120 % load."""
    import os

    from offloadsched.bench import ResultsDB, load_suite, run_suite
    from offloadsched.report import build_document
    from offloadsched.report.render import Figure

    from .test_bench_helpers import write_suite

    suite = load_suite(write_suite(tmp_path, TINY, "tinystreams"))
    db = ResultsDB(tmp_path / "r.sqlite")
    try:
        run_suite(suite, db, jobs=0, quiet=True, stream=open(os.devnull, "w"))
        raw = db.frame(suite.name)
        blocks = build_document(db, suite.name).blocks
    finally:
        db.close()
    assert raw["response_mean"].notna().all() and (raw["status"] != "error").all()
    titles = [getattr(b, "text", "") for b in blocks]
    start = titles.index("Streams: online policies against the clairvoyant optimum")
    section = blocks[start:]
    tables = _tables(section)
    assert tables["group", "instances", "proven by an exact method"].rows[0][1] == "2"
    methods = {r[1]: r for r in tables["role", "method", "instances"].rows}
    assert {m: r[0] for m, r in methods.items()} == {"online-fifo": "online", "online-greedy": "online",
                                                      "po": "offline", "cpsat-joint": "exact"}
    assert any(isinstance(b, Figure) and b.name == "stream_gantt" for b in section)
    assert "Notes" not in titles[start:]  # every schedule replayed, no bound failed
