"""Report section of benchmark suites over instances with a published optimum (suite ``taillard``):
every instance with the published optimum beside our makespans, statuses and times.

Hook: ``[report] sections = ["offloadsched.report.published_optima:published_optima_section"]``.
An instance has a published optimum when its family attributes carry ``published_optimum``
(family ``taillard``).  :func:`optima_frame` turns result rows into one row per instance and
method; :func:`optima_blocks` renders them (the benchmark script ``benchmarks/bench_taillard.py``
prints the same blocks).  O(rows).
"""

from __future__ import annotations

import json

import pandas as pd

from ..vocab import Status
from .render import Block, Bullets, Heading, Para, Table, fmt_num

SOLVED = [Status.OPTIMAL, Status.FEASIBLE]
TITLE = "Published optima beside ours"
COLUMNS = ["instance", "class", "published", "method", "status", "makespan", "bound", "wall_time"]


def optima_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Rows (database rows: ``attrs`` / ``params`` JSON text or dicts) of instances with a published
    optimum, as columns :data:`COLUMNS`."""
    out = []
    for _, r in raw.iterrows():
        attrs = _json(r.get("attrs"))
        if "published_optimum" not in attrs or r.get("status") == "skipped":
            continue
        params = _json(r.get("params"))
        out.append({"instance": params.get("name", r["instance"]), "class": f"{attrs.get('n')}x{attrs.get('m')}",
                    "published": int(attrs["published_optimum"]), "method": r["method"], "status": r["status"],
                    "makespan": r["makespan"], "bound": r["bound"], "wall_time": r["wall_time"]})
    return pd.DataFrame(out, columns=COLUMNS)


def _json(v) -> dict:
    if isinstance(v, dict):
        return v
    return json.loads(v) if isinstance(v, str) and v else {}


def _cell(r: pd.Series) -> str:
    if r["status"] == Status.ERROR or r["makespan"] != r["makespan"] or r["makespan"] is None:
        return "err"
    mark = {Status.OPTIMAL: "*", Status.FEASIBLE: " (tl)"}.get(r["status"], "")
    return f"{int(r['makespan'])}{mark} {r['wall_time']:.1f} s"


def optima_blocks(df: pd.DataFrame, level: int = 2) -> list[Block]:
    """A summary per class and method, the per-instance table, and the disagreements."""
    if df.empty:
        return [Para("No runs on instances with a published optimum.")]
    methods = list(dict.fromkeys(df["method"]))
    summary = []
    for (cls, method), g in df.groupby(["class", "method"], sort=False):
        ok = g["status"] != Status.ERROR
        at = int((g.loc[ok, "makespan"] == g.loc[ok, "published"]).sum())
        gap = ((g.loc[ok, "makespan"] - g.loc[ok, "published"]) / g.loc[ok, "published"]).max()
        proven = int((g["status"] == Status.OPTIMAL).sum())
        summary.append([cls, method, str(len(g)), str(proven) if g["status"].isin(SOLVED).any()
                        else "-", str(at), f"{100 * gap:.2f} %" if gap == gap else "-",
                        fmt_num(g["wall_time"].mean(), 2), fmt_num(g["wall_time"].max(), 2)])
    rows = []
    for inst, g in df.groupby("instance", sort=True):
        g = g.set_index("method")
        first = g.iloc[0]
        rows.append([inst, first["class"], str(int(first["published"]))] +
                    [_cell(g.loc[m]) if m in g.index else "" for m in methods])
    issues = []
    for _, r in df.iterrows():
        if r["status"] == Status.ERROR or r["makespan"] != r["makespan"]:
            continue
        if r["makespan"] < r["published"]:
            issues.append(f"{r['instance']}: {r['method']} found {int(r['makespan'])} < published {r['published']}")
        elif r["status"] == Status.OPTIMAL and r["makespan"] != r["published"]:
            issues.append(f"{r['instance']}: {r['method']} proved {int(r['makespan'])}, published {r['published']}")
    return [
        Heading("Per class and method", level + 1),
        Table(["class", "method", "instances", "proven optimal", "at published optimum", "max gap to published",
               "mean time (s)", "max time (s)"], summary, align="llrrrrrr"),
        Heading("Per instance", level + 1),
        Para("Each cell: our makespan (the core evaluator's), `*` proved optimal, `(tl)` stopped at the time "
             "limit, and the wall time."),
        Table(["instance", "class", "published optimum", *methods], rows, align="llr" + "r" * len(methods)),
        Bullets(issues) if issues else Para("Every proven optimum equals the published one and no makespan is "
                                            "below it."),
    ]


def published_optima_section(db, suite: str) -> list[Block]:
    """The section of suite ``suite`` (hook ``[report] sections``)."""
    return [Heading(TITLE), *optima_blocks(optima_frame(db.frame(suite)))]
