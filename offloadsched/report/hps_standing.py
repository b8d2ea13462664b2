"""Report section: HPS (seed 001 Sec. 6) on GoogLeNet - faithful, and which of its steps loses the time.

A suite hook (``[report] sections = ["offloadsched.report.hps_standing:hps_section"]``) computed when
the report is written (not from the database): four identical GoogLeNet jobs on the calibrated
platform at 3G, 4G and Wi-Fi (negligible remote, seed 001's model), with local-only, ``jps``,
``hps``, and the best order of HPS's own partitions (``sidney``: Sidney-Monma, exact for their
series-parallel local graphs), beside the time the first upload of HPS's schedule starts.
The step-by-step check of HPS against seed 001 Alg. 2 and Alg. 4 is the test
``tests/test_jps_paths.py::test_hps_step_by_step_against_seed_001_alg_4``.

References (docs/REFERENCES.md): [Seed001], [Sidney1979], [Monma1979].
"""

from __future__ import annotations

import numpy as np

from ..problems import JointProblem, identical_jobs
from ..solve import solve
from ..vocab import Status
from .render import Block, Heading, Para, Table

MODEL, JOBS, NETWORKS = "googlenet", 4, ("3g", "4g", "wifi")


def _ms(us: int) -> str:
    return f"{us / 1000:,.0f}"


def hps_standing(network: str) -> dict:
    """GoogLeNet x 4 at ``network``: makespans (µs) of ``lo``, ``jps``, ``hps`` and ``best`` (the best
    order of HPS's partitions, ``best_proven`` whether Sidney-Monma proved it), HPS's ``scheduler``,
    its ``first_upload`` start, ``local`` work, ``uploads`` and the platform's ``w_rtt``."""
    from ..instances import get_model
    from ..instances.platforms import make_platform

    jp = JointProblem(identical_jobs(get_model(MODEL), JOBS), make_platform("rpi4", "gtx1080", network))
    lo, jps, hps = (solve(jp, m) for m in ("lo", "jps", "hps"))
    best = solve(hps.problem, "sidney")
    ev = hps.timing
    assert ev is not None  # a heuristic always returns a schedule
    res, start, end = np.asarray(ev.resource), np.asarray(ev.start), np.asarray(ev.end)
    up, loc = res == "uplink", res == "local"
    return {"lo": lo.makespan, "jps": jps.makespan, "hps": hps.makespan, "scheduler": hps.info.get("scheduler"),
            "best": best.makespan, "best_proven": best.status == Status.OPTIMAL,
            "first_upload": int(start[up].min()) if up.any() else None, "local": int((end[loc] - start[loc]).sum()),
            "uploads": int((end[up] - start[up]).sum()), "w_rtt": hps.problem.w_rtt}


def hps_section(db, suite: str) -> list[Block]:
    """The HPS finding (computed now; ``db`` and ``suite`` are not used)."""
    rows = []
    for net in NETWORKS:
        h = hps_standing(net)
        rows.append([net, _ms(h["lo"]), _ms(h["jps"]), _ms(h["hps"]), str(h["scheduler"]),
                     _ms(h["best"]) + ("" if h["best_proven"] else " (not proven)"),
                     "–" if h["first_upload"] is None else _ms(h["first_upload"]), _ms(h["local"]), _ms(h["uploads"])])
    return [
        Heading(f"HPS on GoogLeNet x {JOBS}: faithful, and where it loses time"),
        Para("`hps` follows seed 001 Sec. 6 step by step (a test checks each step on a hand-sized pair of jobs): "
             "Alg. 2 on every source-to-sink path of the merged graph (the same partitions as `jps`), then the "
             "local layers by Alg. 5 (tree merge) when the local graph is a forest of out-trees, else by Alg. 4. "
             "Alg. 4 loses the time wherever it runs (3G and 4G here): it peels the local graph from its sinks, "
             "and every cut-point is a sink of the local graph, so the first round holds every job's uploading "
             "layers and places them last; the device computes nearly all local layers of all jobs before the "
             "first upload starts, and the uploads then run back to back (makespan = first upload + uploads + "
             "w_rtt). Where the cuts leave out-trees (Wi-Fi), HPS uses Alg. 5 and reaches the best order of its "
             "partitions. The partitions (seed 001's per-path cuts, the same as JPS's) are good at 4G - in their "
             "best order they beat local-only - but not at 3G, where each job uploads 2-4 branch tensors and even "
             "their best order is slower than local-only: there both steps lose. "
             "Times in ms; negligible remote (seed 001's model)."),
        Table(["network", "LO", "JPS", "HPS", "HPS scheduler", "best order of HPS's partitions",
               "HPS first upload at", "local work", "uploads"], rows),
    ]
