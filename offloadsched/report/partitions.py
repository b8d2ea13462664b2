"""Report section: how many distinct partitions the proven joint optima use (seed 001's JPS mixes two).

A suite hook (``[report] sections = ["offloadsched.report.partitions:partition_types_section"]``):
for every joint instance that ``mip-joint-ideals`` proved optimal, the number of distinct partitions
(per DNN) in its optimal schedule, and the committed claim ``two-partition-types``'s smallest
counterexample (an instance where every schedule with two partition types is worse than the optimum).

References (docs/REFERENCES.md): [Seed001].
"""

from __future__ import annotations

import json
from typing import Any

from ..vocab import Status
from .render import Block, Bullets, Heading, Para, Table

METHOD = "mip-joint-ideals"


def partition_types_section(db, suite: str) -> list[Block]:
    """The table of partition types used by the proven joint optima of ``suite``."""
    raw = db.frame(suite)
    rows = raw[(raw["method"] == METHOD) & (raw["status"] == Status.OPTIMAL)] if len(raw) else raw
    out: list[Block] = [Heading("Partition types in the joint optima")]
    if rows is None or not len(rows):
        return out + [Para(f"No joint instance of this suite was proven optimal by {METHOD}.")]
    table = []
    counts: dict[int, int] = {}
    for (group, instance), g in rows.groupby(["group_name", "instance"], sort=False):
        info = _info(g.iloc[0]["info"])
        per_dnn = info.get("partitions_per_dnn") or {}
        if not per_dnn:
            continue
        most = max(per_dnn.values())
        counts[most] = counts.get(most, 0) + 1
        table.append([str(group), str(instance), ", ".join(f"{k} {v}" for k, v in per_dnn.items()),
                      str(info.get("options", "")), str(sum(info.get("ideals", [])) or "")])
    notes: list[Block] = [Para(
        f"Distinct partitions per DNN in the optimal schedule that {METHOD} returns, on every joint instance it "
        "proved optimal, beside the partitions it kept after pruning and the ideals enumerated (another optimal "
        "schedule may use fewer). Seed 001's JPS mixes two partition types (its Theorem 1 is about the "
        "continuous relaxation). Instances by the most partitions any DNN uses: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + ".")]
    claim = _two_types_claim()
    if claim:
        notes.append(Bullets([claim]))
    return out + notes + [Table(["group", "instance", "partitions per DNN", "partitions kept", "ideals"], table)]


def _info(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    try:
        return json.loads(value) if value else {}
    except (TypeError, ValueError):
        return {}


def _two_types_claim() -> str | None:
    """The committed ``two-partition-types`` record in one line, if present."""
    from ..claims.api import DATA_DIR

    try:
        records = json.loads((DATA_DIR / "claims.json").read_text())["records"]
    except (OSError, ValueError, KeyError):
        return None
    rec = next((r for r in records if r.get("name") == "two-partition-types"), None)
    if rec is None:
        return None
    if rec.get("verdict") != "false":
        return f"claim two-partition-types: {rec.get('verdict')} ({rec.get('tried')} instances tried)"
    return (f"Two types are not enough (claim two-partition-types, smallest counterexample found): genome "
            f"{rec.get('genome')} (jobs, layer FLOPs, upload times): the best schedule with two partition types "
            f"takes {rec.get('heuristic_makespan')}, the optimum {rec.get('optimal_makespan')} with three.")
