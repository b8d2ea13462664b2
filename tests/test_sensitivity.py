"""Issue 14 item 5: the joint families' latency overrides (``w_msg_ms`` / ``w_rtt_ms``), the
``sensitivity`` suite, and its report section (verdicts per w_msg decided from a results database)."""

from __future__ import annotations

import math
import os

import pytest

from offloadsched.bench import ResultsDB, load_suite, run_suite
from offloadsched.bench.builders import MAX_LATENCY_MS, get_family
from offloadsched.bench.runner import plan
from offloadsched.cli import main
from offloadsched.errors import ValidationError
from offloadsched.report import build_document
from offloadsched.report.render import Table
from offloadsched.report.sensitivity import (
    CONCLUSIONS,
    FLIPS,
    HOLDS,
    sensitivity_blocks,
    sensitivity_frame,
    sensitivity_section,
)

from .test_bench_helpers import write_suite


# -- family parameters ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name, params", [("identical", {"model": "alexnet", "jobs": 2}),
                                          ("mix", {"jobs": 3}), ("random-joint", {"jobs": 2, "layers": 5})])
def test_latency_overrides_reach_the_platform_and_attrs(name, params):
    fam = get_family(name)
    base = fam.build(params)
    built = fam.build({**params, "w_msg_ms": 5.0, "w_rtt_ms": 30.0})
    plat, preset = built.problem.platform, base.problem.platform
    assert (plat.w_msg, plat.w_rtt) == (0.005, 0.030) and plat.rtt_us == 30_000
    assert (plat.bandwidth, plat.r_loc) == (preset.bandwidth, preset.r_loc)
    assert built.attrs["w_msg_ms"] == pytest.approx(5.0) and built.attrs["w_rtt_ms"] == pytest.approx(30.0)
    assert base.attrs["w_msg_ms"] == pytest.approx(preset.w_msg * 1e3)  # the preset's values are recorded too
    only = fam.build({**params, "w_msg_ms": 20.0}).problem.platform
    assert (only.w_msg, only.w_rtt) == (0.020, preset.w_rtt)


def test_w_msg_is_paid_per_uploaded_tensor():
    """One job offloading its raw input: cloud-only pays w_msg once, so 77 ms costs 72 ms more than 5 ms."""
    from offloadsched import solve

    fam = get_family("identical")
    co = {w: solve(fam.build({"model": "alexnet", "network": "3g", "w_msg_ms": w}).problem, "co").makespan
          for w in (5.0, 77.0)}
    assert co[77.0] - co[5.0] == 72_000


@pytest.mark.parametrize("value, message", [(-1.0, "w_msg_ms must be between 0"), (math.nan, "got nan"),
                                            (MAX_LATENCY_MS + 1, "and 10000 ms")])
def test_bad_latencies_are_refused(value, message):
    with pytest.raises(ValidationError, match=message):
        get_family("identical").build({"model": "alexnet", "w_msg_ms": value})
    with pytest.raises(ValidationError, match="w_rtt_ms"):
        get_family("identical").build({"model": "alexnet", "w_rtt_ms": value})


def test_w_rtt_without_w_msg_is_refused():
    with pytest.raises(ValidationError, match="w_rtt > 0 needs w_msg"):
        get_family("identical").build({"model": "alexnet", "w_msg_ms": 0.0, "w_rtt_ms": 10.0})


# -- suites ----------------------------------------------------------------------------------------------
ROW = """
    [[row]]
    family = "identical"
    model = "alexnet"
    network = "3g"
    methods = ["lo"]
"""


def test_latencies_are_named_in_ids_only_when_given(tmp_path):
    unset = plan(load_suite(write_suite(tmp_path, ROW, "unset")))
    given = plan(load_suite(write_suite(tmp_path, ROW + "    w_msg_ms = [5, 77]\n    w_rtt_ms = 40.5\n", "given")))
    assert [u.instance for u in unset] == ["identical(model=alexnet, network=3g)"]
    assert not {"w_msg_ms", "w_rtt_ms"} & set(unset[0].params)  # stored runs keep their unit ids
    assert [u.instance for u in given] == ["identical(model=alexnet, network=3g, w_msg_ms=5.0, w_rtt_ms=40.5)",
                                           "identical(model=alexnet, network=3g, w_msg_ms=77.0, w_rtt_ms=40.5)"]
    assert [u.params["w_msg_ms"] for u in given] == [5.0, 77.0]


@pytest.mark.parametrize("extra, message", [("w_msg_ms = 'x'", "parameter 'w_msg_ms' must be float"),
                                            ("w_msg_ms = -5", "cannot build the instance"),
                                            ("w_rtt_ms = [1, 1e9]", "w_rtt_ms must be between 0")])
def test_bad_latencies_in_a_suite(tmp_path, extra, message, capsys):
    path = write_suite(tmp_path, ROW + f"    {extra}\n", "bad")
    with pytest.raises(ValidationError, match=message) as err:
        plan(load_suite(path))
    assert str(path) in str(err.value)
    assert main(["bench", "--suite", str(path), "--db", str(tmp_path / "r.sqlite")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_the_sensitivity_suite():
    suite = load_suite("sensitivity")
    joint = {(p["model"], p["jobs"], p["network"]) for r in suite.rows for p in r.grid}
    quick = {(p["model"], p["jobs"], p["network"]) for r in load_suite("quick").rows if r.family
             and r.family.name == "identical" for p in r.grid}
    assert joint == quick  # the quick suite's joint zoo instances
    values = {p.get("w_msg_ms") for r in suite.rows for p in r.grid}  # None: the presets' calibrated 10 ms
    assert values == {5.0, 20.0, 77.0, None}
    assert all("w_rtt_ms" not in p for r in suite.rows for p in r.grid)  # w_rtt calibrated
    labels = {m.label for r in suite.rows for m in r.methods_for("joint")}
    assert {"lo", "po", "jps", "hps", "jps+sidney", "mip-joint-ideals"} <= labels
    assert suite.report["sections"] == ["offloadsched.report.sensitivity:sensitivity_section"]


# -- the report section on a hand-made database ---------------------------------------------------------
def rec(method, kind, status, makespan, w, *, model="googlenet", jobs=1, network="3g", info=None):
    params = {"model": model, "jobs": jobs, "network": network, "w_msg_ms": w}
    return {"group_name": "g", "family": "identical", "instance": f"{model}x{jobs}-{network}-{w}", "method": method,
            "method_name": method, "kind": kind, "status": status, "makespan": makespan,
            "bound": makespan if status == "optimal" else None, "problem_type": "joint", "wall_time": 0.1,
            "params": params, "attrs": {"model": model, "jobs": jobs, "network": network, "w_msg_ms": w,
                                        "w_rtt_ms": 12.0}, "info": info or {}}


#: GoogLeNet x1 at 3G: at 5 ms jps beats lo, at 77 ms it is slower; po is the best heuristic at both.
RECORDS = [
    *(rec(m, "heuristic", "heuristic", t, 5.0) for m, t in (("lo", 150), ("jps", 120), ("hps", 130), ("po", 110))),
    rec("mip-joint-ideals", "exact", "optimal", 100, 5.0, info={"partitions_per_dnn": {"googlenet": 3}}),
    *(rec(m, "heuristic", "heuristic", t, 77.0) for m, t in (("lo", 150), ("jps", 200), ("hps", 210), ("po", 105))),
    rec("mip-joint-ideals", "exact", "optimal", 100, 77.0, info={"partitions_per_dnn": {"googlenet": 1}}),
    {**rec("fifo", "heuristic", "heuristic", 7, 5.0), "problem_type": "j2"},  # not joint: left out
]


@pytest.fixture
def hand_db(tmp_path):
    with ResultsDB(tmp_path / "r.sqlite") as db:
        for k, r in enumerate(RECORDS):
            db.write_unit("s", f"u{k}", [r])
        yield db


def _verdicts(blocks):
    table = next(b for b in blocks if isinstance(b, Table))
    return {row[0]: row[1:] for row in table.rows}, table.headers


def test_verdicts_per_w_msg(hand_db):
    df = sensitivity_frame(hand_db.frame("s"))
    assert sorted(df["w_msg"].unique()) == [5.0, 77.0] and set(df["method"]) == {"lo", "jps", "hps", "po",
                                                                                 "mip-joint-ideals"}
    rows, headers = _verdicts(sensitivity_blocks(df))
    assert headers == ["conclusion", "README says", "w_msg = 5 ms", "w_msg = 77 ms", "across the range"]
    assert len(rows) == len(CONCLUSIONS)
    slower = rows["GoogLeNet 3G: jps slower than lo"]
    assert slower[1].startswith(f"**{FLIPS}** (0 of 1 job counts") and "-20.0 %" in slower[1]
    assert slower[2].startswith(f"{HOLDS} (1 of 1 job counts") and "33.3 %" in slower[2]
    assert slower[3] == f"holds at 77 ms, **{FLIPS}** at 5 ms"
    best = rows["best joint heuristic"]
    assert best[1] == f"{HOLDS} (best: po 10.0 %, jps 20.0 %, hps 30.0 %)" and best[3] == "holds at every value"
    mixes = rows["optima mix partitions"]
    assert mixes[1].startswith(HOLDS) and mixes[2].startswith(f"**{FLIPS}**")
    assert rows["GoogLeNet: po beats jps / hps"][3] == "holds at every value"
    assert rows["AlexNet x10 at 4G"][1:3] == ["no runs", "no runs"]


def test_preset_runs_form_a_calibrated_column(hand_db):
    hand_db.write_unit("s", "preset", [{**rec("lo", "heuristic", "heuristic", 150, None)}])
    df = sensitivity_frame(hand_db.frame("s"))
    _, headers = _verdicts(sensitivity_blocks(df))
    assert headers[2:5] == ["w_msg = calibrated", "w_msg = 5 ms", "w_msg = 77 ms"]


def test_section_hook(hand_db):
    blocks = sensitivity_section(hand_db, "s")
    assert blocks[0].text == "Sensitivity to the per-tensor latency w_msg"
    assert "w_rtt stays at each network's calibrated value: 3G 12 ms." in blocks[1].text  # from the attrs
    assert "Instances with a proven optimum (the gaps use these only): 5 ms 1 of 1, 77 ms 1 of 1." in blocks[1].text
    assert "Errors left out: none runs" not in blocks[4].text and "Errors left out: none" in blocks[4].text
    assert sensitivity_section(hand_db, "empty")[1].text == "No joint runs in this suite."


def test_the_section_in_a_suite_report(tmp_path):
    """A tiny run of the real machinery: AlexNet x1 at 3G with w_msg at 5 and 77 ms."""
    path = write_suite(tmp_path, """
        name = "tinysens"
        [[row]]
        family = "identical"
        methods = ["lo", "co", "po", "jps", "hps", "mip-joint-ideals"]
        model = "alexnet"
        w_msg_ms = [5, 77]
        network = "3g"
        [report]
        sections = ["offloadsched.report.sensitivity:sensitivity_section"]
    """, "tinysens")
    with ResultsDB(tmp_path / "r.sqlite") as db:
        run_suite(load_suite(path), db, jobs=0, quiet=True, stream=open(os.devnull, "w"))
        doc = build_document(db, "tinysens")
    titles = [getattr(b, "text", "") for b in doc.blocks]
    assert "Sensitivity to the per-tensor latency w_msg" in titles
    rows, headers = _verdicts(doc.blocks[titles.index("Sensitivity to the per-tensor latency w_msg"):])
    assert headers[2:4] == ["w_msg = 5 ms", "w_msg = 77 ms"]
    assert all(r[1] != "no runs" for name, r in rows.items() if name in ("best joint heuristic",
                                                                          "jps / hps never optimal"))
