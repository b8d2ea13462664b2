"""Issue 22: the ``servers`` suite (server presets x serial / parallel remote on the quick suite's joint zoo
instances) and its report section (verdicts per server decided from a results database)."""

from __future__ import annotations

import os

from offloadsched.bench import ResultsDB, load_suite, run_suite
from offloadsched.bench.builders import get_family
from offloadsched.instances.platforms import SERVERS
from offloadsched.report import build_document
from offloadsched.report.render import Table
from offloadsched.report.servers import servers_blocks, servers_frame, servers_section

from .test_bench_helpers import write_suite


def test_the_servers_suite():
    suite = load_suite("servers")
    grid = [p for r in suite.rows for p in r.grid]
    assert {(p["model"], p["jobs"], p["network"]) for p in grid} == {  # the quick suite's joint zoo instances
        (m, n, net) for m in ("alexnet", "googlenet", "randwire") for n in (1, 4, 10) for net in ("3g", "4g", "wifi")}
    servers = {p["server"] for p in grid}
    # the fastest and the slowest preset, an embedded GPU board and a shared server
    assert {"gtx1080", "jetson-nano", "i5-8250u"} <= servers <= {*SERVERS, "gtx1080/8"}
    assert any("/" in s for s in servers) and min(SERVERS.values(), key=lambda s: s.rate).name in servers
    assert {p["remote_model"] for p in grid} == {"serial", "parallel"} and len(grid) == 27 * len(servers) * 2
    labels = {m.label for r in suite.rows for m in r.methods_for("joint")}
    assert labels == {"mip-joint-ideals", "lo", "co", "po", "neurosurgeon", "jps", "hps"}
    assert suite.report["sections"] == ["offloadsched.report.servers:servers_section"]


def test_the_family_takes_a_server_preset():
    fam = get_family("identical")
    slow = fam.build({"model": "alexnet", "server": "jetson-nano/4", "remote_model": "serial"}).problem
    assert slow.platform.r_rem == SERVERS["jetson-nano"].rate / 4 and slow.remote_model == "serial"


# -- the report section on a hand-made database ---------------------------------------------------------
def rec(method, kind, status, makespan, server, remote="serial", *, model="googlenet", jobs=1, network="3g",
        bound=None):
    params = {"model": model, "jobs": jobs, "network": network, "server": server, "remote_model": remote}
    bound = makespan if status == "optimal" else bound
    return {"group_name": "g", "family": "identical", "instance": f"{model}x{jobs}-{network}-{server}-{remote}",
            "method": method, "method_name": method, "kind": kind, "status": status, "makespan": makespan,
            "bound": bound, "problem_type": "joint", "wall_time": 0.5, "params": params,
            "attrs": {"model": model, "jobs": jobs, "network": network, "w_rtt_ms": 12.0},
            "info": {"partitions_per_dnn": {model: 1}}}


#: GoogLeNet x1 at 3G: on the GTX 1080 jps beats lo, on the laptop CPU it is slower; on the laptop CPU
#: parallel remote the optimum is only bracketed.
RECORDS = [
    *(rec(m, "heuristic", "heuristic", t, "gtx1080") for m, t in (("lo", 150), ("jps", 120), ("po", 110))),
    rec("mip-joint-ideals", "exact", "optimal", 100, "gtx1080"),
    *(rec(m, "heuristic", "heuristic", t, "i5-8250u") for m, t in (("lo", 150), ("jps", 160), ("po", 140))),
    rec("mip-joint-ideals", "exact", "optimal", 100, "i5-8250u"),
    rec("lo", "heuristic", "heuristic", 150, "i5-8250u", "parallel"),
    rec("mip-joint-ideals", "exact", "feasible", 120, "i5-8250u", "parallel", bound=114),
]


def _tables(blocks):
    return [b for b in blocks if isinstance(b, Table)]


def test_verdicts_per_server(tmp_path):
    with ResultsDB(tmp_path / "r.sqlite") as db:
        for k, r in enumerate(RECORDS):
            db.write_unit("s", f"u{k}", [r])
        df = servers_frame(db.frame("s"))
        assert set(df["server"]) == {"gtx1080", "i5-8250u"} and set(df["remote"]) == {"serial", "parallel"}
        tables = _tables(servers_blocks(df))
        serial = tables[0]
        assert serial.headers[2:4] == ["gtx1080 (8.87 TFLOP/s)", "i5-8250u (51 GFLOP/s)"]  # fastest first
        rows = {row[0]: row[1:] for row in serial.rows}
        slower = rows["GoogLeNet 3G: jps slower than lo"]
        assert slower[1].startswith("**flips**") and slower[2].startswith("holds")
        assert slower[3] == "**flips** on gtx1080 already"
        assert rows["best joint heuristic"][3] == "holds on every server"
        proofs = next(t for t in tables if "largest bracket" in t.headers)
        by = {(r[0], r[1]): r for r in proofs.rows}
        assert by["parallel", "i5-8250u"][2:7] == ["1", "0", "0", "0", "5.00 %"]
        assert by["serial", "gtx1080"][2:7] == ["1", "1", "0", "0", "0.00 %"]
        assert servers_section(db, "empty")[1].text == "No joint runs in this suite."


TINY = """
name = "tinyservers"
[report]
sections = ["offloadsched.report.servers:servers_section"]
[[row]]
family = "identical"
methods = ["lo", "co", "po", "mip-joint-ideals"]
model = "alexnet"
network = "3g"
server = ["gtx1080", "i5-8250u"]
remote_model = ["serial", "parallel"]
"""


def test_the_section_in_a_suite_report(tmp_path):
    """A tiny run of the real machinery: AlexNet x1 at 3G on the GTX 1080 and the laptop CPU."""
    suite = load_suite(write_suite(tmp_path, TINY, "tinyservers"))
    db = ResultsDB(tmp_path / "r.sqlite")
    try:
        run_suite(suite, db, jobs=0, quiet=True, stream=open(os.devnull, "w"))
        blocks = build_document(db, suite.name).blocks
    finally:
        db.close()
    titles = [getattr(b, "text", "") for b in blocks]
    assert "Slower servers: serial and parallel remote compute" in titles
    serial = next(b for b in blocks[titles.index("Conclusions with serial remote"):] if isinstance(b, Table))
    assert serial.headers[2:4] == ["gtx1080 (8.87 TFLOP/s)", "i5-8250u (51 GFLOP/s)"]
    proofs = next(b for b in blocks if isinstance(b, Table) and "largest bracket" in b.headers)
    assert len(proofs.rows) == 4 and all(r[3] == "1" and r[4] == "0" for r in proofs.rows)  # proven, never bound
