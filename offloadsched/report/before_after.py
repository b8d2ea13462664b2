"""Report section: the papers' tables before and after issue 14 (two latencies, per-operator device
rates, the two-tower AlexNet-Parallel), beside the published numbers, with the remaining differences.

"Before" is a committed snapshot (:data:`BEFORE`, ``data/paper_before.json``) of the numbers the paper
report printed for its ``[[published]]`` tables before issue 14 (its "Ours" tables, as rounded there),
with where they came from; "after" are this database's numbers for the same cells
(:func:`offloadsched.report.papers.ours`).  Per table: one grid, each cell ``before → after
[published]``; how many cells agree within the table's tolerance before and after; and the
*remaining differences*: every cell still off by more than the tolerance (or without a number of
ours), generated from the results, each with its cause from the committed mapping
``data/paper_causes.json`` (first matching entry; "not identified" otherwise).

Hook: ``[report] sections = ["offloadsched.report.before_after:before_after_section"]`` (suite
``paper``).  Re-make the snapshot from a report (e.g. ``git show 0b21e05:docs/reports/paper.md``)::

    python -m offloadsched.report.before_after REPORT.md --suite paper --source "..." -o data/paper_before.json

O(cells x rows of the database).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from ..bench.suite import PublishedTable
from ..errors import ValidationError
from .gaps import scored
from .papers import deviation, fmt_cell, ours, published_tables
from .render import Block, Bullets, Heading, Para, Table

DATA_DIR = Path(__file__).resolve().parent / "data"
BEFORE = DATA_DIR / "paper_before.json"
CAUSES = DATA_DIR / "paper_causes.json"
TITLE = "Before and after issue 14"
UNKNOWN = "cause not identified yet (add it to offloadsched/report/data/paper_causes.json)"


# -- the snapshot ----------------------------------------------------------------------------------------
def _number(cell: str) -> float:
    text = cell.strip().rstrip("†").replace(",", "").replace("−", "-")
    if text in ("", "–", "-"):
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise ValidationError(f"snapshot: cell {cell!r} is not a number") from None


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def snapshot(markdown: str, tables: list[PublishedTable], source: str, model: str) -> dict[str, Any]:
    """The "Ours" numbers of each published table in a paper report's Markdown (the first table after
    the line ``**Ours**`` below the heading ``### <source>: <caption>``)."""
    lines = markdown.splitlines()
    out: dict[str, Any] = {"source": source, "model": model, "tables": {}}
    for table in tables:
        heading = f"### {table.source}: {table.caption}"
        try:
            start = lines.index(heading)
            ours_at = next(k for k in range(start, len(lines)) if lines[k].startswith("**Ours**"))
            top = next(k for k in range(ours_at, len(lines)) if lines[k].startswith("|"))
        except (ValueError, StopIteration):
            raise ValidationError(f"snapshot: no heading {heading!r} followed by an **Ours** table") from None
        header = _cells(lines[top])[1:]
        rows = {}
        for line in lines[top + 2:]:
            if not line.startswith("|"):
                break
            cells = _cells(line)
            rows[cells[0]] = [_number(c) for c in cells[1:]]
        out["tables"][table.id] = {"heading": heading, "metric": table.metric, "columns": header,
                                   "rows": {k: [None if v != v else v for v in vals] for k, vals in rows.items()}}
    return out


def load_json(path: Path) -> Any:
    """A committed data file (a clear error when it is missing or damaged)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(f"{path}: cannot read ({exc})") from None


def before_values(snap: dict[str, Any], table: PublishedTable) -> list[list[float]] | None:
    """The snapshot's numbers for ``table``'s rows and columns (NaN where it has none); None when the
    snapshot does not hold the table."""
    entry = snap.get("tables", {}).get(table.id)
    if entry is None:
        return None
    cols = {label: k for k, label in enumerate(entry["columns"])}
    out = []
    for r in table.rows:
        vals = entry["rows"].get(r["label"], [])
        out.append([math.nan if (k := cols.get(c["label"])) is None or k >= len(vals) or vals[k] is None
                    else float(vals[k]) for c in table.columns])
    return out


# -- causes ----------------------------------------------------------------------------------------------
def cause(causes: list[dict[str, Any]], table: str, row: str, column: str) -> str:
    """The first entry of ``causes`` matching the cell: ``table`` (id), ``rows`` (labels; all when
    absent) and ``columns`` (label substrings; all when absent)."""
    for entry in causes:
        if entry.get("table") not in (None, table):
            continue
        if "rows" in entry and row not in entry["rows"]:
            continue
        if "columns" in entry and not any(c in column for c in entry["columns"]):
            continue
        return str(entry["cause"])
    return UNKNOWN


# -- the section -------------------------------------------------------------------------------------------
def _within(table: PublishedTable, paper: float, value: float) -> bool:
    return value == value and abs(deviation(table, paper, value)[0]) <= table.tolerance


def _state(table: PublishedTable, paper: float, value: float) -> str:
    return "no result" if value != value else f"{fmt_cell(value, table.metric)} ({deviation(table, paper, value)[1]})"


def compare_before_after(table: PublishedTable, before: list[list[float]], after: list[list[float]],
                         causes: list[dict[str, Any]]) -> list[Block]:
    """The grid ``before → after [published]``, the agreement counts and the remaining differences
    (a table of the cells, each with the number of its cause, then the causes)."""
    unit = "points" if table.metric == "reduction_pct" else "%"
    grid: list[list[str]] = []
    remaining: list[list[str]] = []
    fixed: list[str] = []
    reasons: dict[str, int] = {}
    cells = agree_before = agree_after = 0
    for r, pvals, bvals, avals in zip(table.rows, table.values, before, after):
        grid.append([r["label"]] + [f"{fmt_cell(b, table.metric)} → {fmt_cell(a, table.metric)} "
                                    f"[{fmt_cell(p, table.metric)}]" for p, b, a in zip(pvals, bvals, avals)])
        for c, p, b, a in zip(table.columns, pvals, bvals, avals):
            if p != p:
                continue
            cells += 1
            was, now = _within(table, p, b), _within(table, p, a)
            agree_before += was
            agree_after += now
            if now and not was:
                fixed.append(f"{r['label']}, {c['label']}")
            elif not now:
                why = reasons.setdefault(cause(causes, table.id, r["label"], c["label"]), len(reasons) + 1)
                remaining.append([f"{r['label']}, {c['label']}" + (" (new)" if was else ""),
                                  fmt_cell(p, table.metric), _state(table, p, b), _state(table, p, a), f"({why})"])
    missing = sum(a != a for pvals, avals in zip(table.values, after) for p, a in zip(pvals, avals) if p == p)
    what = f"reduction against {(table.baseline or '').upper()}, %" if unit == "points" else "ms"
    blocks: list[Block] = [
        Heading(f"{table.source}: before and after", 3),
        Table([""] + [c["label"] for c in table.columns], grid,
              caption=f"Each cell: before → after [published] ({what})"),
        Para(f"Of {cells} published cells, {agree_before} agreed within ±{table.tolerance:g} {unit} before and "
             f"{agree_after} agree after" + (f" ({missing} without a result of ours)" if missing else "") + "."
             + (f" Now within it: {'; '.join(fixed)}." if fixed else "")),
    ]
    if not remaining:
        return blocks + [Para("**Remaining differences**: none.")]
    return blocks + [
        Table(["cell", "published", "before", "after", "cause"], remaining, align="lrrrl",
              caption=f"**Remaining differences**: {len(remaining)} cells off by more than ±{table.tolerance:g} {unit} "
                      "or without a result of ours ((new): within it before)"),
        Bullets([f"({k}) {text}" for text, k in reasons.items()]),
    ]


def before_after_blocks(tables: list[PublishedTable], df: pd.DataFrame, refs: pd.DataFrame, snap: dict[str, Any],
                        causes: list[dict[str, Any]]) -> list[Block]:
    """The section's blocks for the published ``tables`` held by the snapshot ``snap``."""
    held = [(t, b) for t in tables if (b := before_values(snap, t)) is not None]
    if not held:
        return [Para("The before snapshot holds none of this suite's published tables.")]
    out: list[Block] = [Para(f"Before: {snap.get('model', '')} Numbers as printed by {snap.get('source', '')}. After: "
                             "this database, the same cells as in the section above.")]
    for table, before in held:
        after = [[v for v, _ in row] for row in ours(table, df, refs)]
        out += compare_before_after(table, before, after, causes)
    return out


def before_after_section(db, suite: str) -> list[Block]:
    """The section of suite ``suite`` (hook ``[report] sections``)."""
    df, refs = scored(db.frame(suite))
    tables = published_tables(db.suite_spec(suite) or {}, suite)
    return [Heading(TITLE), *before_after_blocks(tables, df, refs, load_json(BEFORE), load_json(CAUSES)["causes"])]


def dumps(data: Any) -> str:
    """JSON with one line per innermost list (a table row stays on one line)."""
    text = json.dumps(data, indent=1, ensure_ascii=False)
    return re.sub(r"\[[^\[\]{}]*\]", lambda m: re.sub(r"\n\s*", " ", m.group(0)), text) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write a snapshot of a paper report's "Ours" tables (see the module doc)."""
    from ..atomic import atomic_write
    from ..bench.suite import load_suite

    ap = argparse.ArgumentParser(prog="python -m offloadsched.report.before_after", description=main.__doc__)
    ap.add_argument("report", help="a paper report in Markdown (e.g. git show 0b21e05:docs/reports/paper.md)")
    ap.add_argument("--suite", default="paper", help="the suite whose [[published]] tables to take (default paper)")
    ap.add_argument("--source", required=True, help="where the report comes from (commit, database)")
    ap.add_argument("--model", required=True, help="the model the numbers were made with, in one sentence")
    ap.add_argument("-o", "--output", default=str(BEFORE))
    args = ap.parse_args(argv)
    try:
        snap = snapshot(Path(args.report).read_text(encoding="utf-8"), load_suite(args.suite).published, args.source,
                        args.model)
    except (OSError, ValidationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with atomic_write(Path(args.output)) as fh:
        fh.write(dumps(snap))
    print(f"{args.output}: {', '.join(snap['tables'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
