"""The papers' published tables beside ours: same rows and columns, then the differences."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..bench.suite import PublishedTable, parse_published
from ..vocab import Status
from .render import Block, Bullets, Para, Table


def published_tables(spec: dict, suite: str) -> list[PublishedTable]:
    """The ``[[published]]`` tables of a stored suite definition (:meth:`ResultsDB.suite_spec`)."""
    groups = {r.get("group", r.get("family")) for r in spec.get("row", [])}
    path = Path(spec.get("__path__", suite))
    return [parse_published(raw, k + 1, path, groups) for k, raw in enumerate(spec.get("published", []))]


def ours(table: PublishedTable, df: pd.DataFrame, refs: pd.DataFrame) -> list[list[tuple[float, bool]]]:
    """Our number for every cell of ``table`` (rows x columns): (value, rests on an unproven optimum)."""
    return [[_value(df, refs, table, r, c) for c in table.columns] for r in table.rows]


def _matches(params: dict, selectors: dict) -> bool:
    return all(params.get(k) == v for k, v in selectors.items() if k not in ("label", "method"))


def _value(df: pd.DataFrame, refs: pd.DataFrame, table: PublishedTable, row: dict, col: dict) -> tuple[float, bool]:
    """Our number for one cell (mean over seeds) and whether it rests on an unproven optimum."""
    sub = df[(df["group_name"] == table.group) & df["params_d"].map(lambda p: _matches(p, row) and _matches(p, col))]
    values, unproven = [], False
    for key, g in sub.groupby("key"):
        ref = refs.loc[key]
        if col["method"] == "optimum":
            x = ref["optimum"] if ref["proven"] else ref["best"]
            unproven |= not ref["proven"]
        else:
            x = g.loc[(g["method"] == col["method"]) & (g["status"] != Status.ERROR), "makespan"].min()
        if table.metric == "reduction_pct":
            base = g.loc[g["method"] == table.baseline, "makespan"].min()
            x = 100 * (base - x) / base if base and base > 0 else math.nan
        else:
            x = x / 1e3
        values.append(x)
    values = [v for v in values if v == v]
    return (sum(values) / len(values) if values else math.nan), unproven


def fmt_cell(x: float, metric: str, mark: bool = False) -> str:
    """A cell of a published table's metric (``–`` when missing, ``†`` when marked)."""
    if x != x:
        return "–"
    text = f"{x:.2f}" if metric == "reduction_pct" else f"{x:,.0f}"
    return text + ("†" if mark else "")


def compare(table: PublishedTable, df: pd.DataFrame, refs: pd.DataFrame) -> list[Block]:
    """The published table, ours with the same rows and columns, and the differences stated."""
    headers = [""] + [c["label"] for c in table.columns]
    values = ours(table, df, refs)
    unit = "reduction against " + (table.baseline or "").upper() + " (%)" if table.metric == "reduction_pct" else "ms"
    blocks: list[Block] = [
        Table(headers, [[r["label"]] + [fmt_cell(v, table.metric) for v in vals]
                        for r, vals in zip(table.rows, table.values)],
              caption=f"**Published** ({table.source}): {table.caption} [{unit}]"),
        Table(headers, [[r["label"]] + [fmt_cell(v, table.metric, u) for v, u in vals]
                        for r, vals in zip(table.rows, values)],
              caption=f"**Ours** (this database, same rows and columns) [{unit}]"
                      + ("; † the optimum is not proven, the best schedule found is shown" if any(
                          u for vals in values for _, u in vals) else "")),
    ]
    blocks += differences(table, values)
    if table.notes:
        blocks.append(Para(table.notes))
    return blocks


def deviation(table: PublishedTable, paper: float, ours: float) -> tuple[float, str]:
    """How far ``ours`` is from the published ``paper`` in the table's terms (points of a reduction,
    else per cent of the published value), compared with ``table.tolerance``, and as text."""
    diff = ours - paper
    if table.metric == "reduction_pct":
        return diff, f"{diff:+.1f} points"
    rel = 100 * diff / paper if paper else math.inf
    return rel, f"{rel:+.0f} %"


def differences(table: PublishedTable, ours: list[list[tuple[float, bool]]]) -> list[Block]:
    """Cells that differ by more than the tolerance, and the best method per column group that differs."""
    pct = table.metric == "reduction_pct"
    cells, far, missing = 0, [], 0
    for r, pvals, ovals in zip(table.rows, table.values, ours):
        for c, p, (o, _) in zip(table.columns, pvals, ovals):
            if p != p:
                continue
            if o != o:
                missing += 1
                continue
            cells += 1
            off, delta = deviation(table, p, o)
            if abs(off) > table.tolerance:
                far.append(f"{r['label']}, {c['label']}: paper {fmt_cell(p, table.metric)}, ours "
                           f"{fmt_cell(o, table.metric)} ({delta})")
    unit = "points" if pct else "%"
    summary = (f"Of {cells} published cells, {cells - len(far)} agree within ±{table.tolerance:g} {unit}"
               + (f"; {missing} have no result of ours" if missing else "") + ".")
    blocks: list[Block] = [Para(f"**Differences.** {summary}")]
    if far:
        blocks.append(Bullets(far))
    blocks += _best_method(table, ours)
    return blocks


def _best_method(table: PublishedTable, ours) -> list[Block]:
    """Within each row and column group (columns that differ only in method), the paper's best
    method against ours."""
    groups: dict[tuple, list[int]] = {}
    for j, c in enumerate(table.columns):
        if c["method"] == "optimum":
            continue
        groups.setdefault(tuple(sorted((k, str(v)) for k, v in c.items() if k not in ("label", "method"))), []
                          ).append(j)
    better = max if table.metric == "reduction_pct" else min
    disagree = []
    for r, pvals, ovals in zip(table.rows, table.values, ours):
        for cols in groups.values():
            if len(cols) < 2:
                continue
            pv = [(pvals[j], j) for j in cols if pvals[j] == pvals[j]]
            ov = [(ovals[j][0], j) for j in cols if ovals[j][0] == ovals[j][0]]
            if len(pv) < 2 or len(ov) < 2:
                continue
            pbest, obest = better(pv)[1], better(ov)[1]
            if table.columns[pbest]["method"] != table.columns[obest]["method"] and ovals[pbest][0] != ovals[obest][0]:
                disagree.append(f"{r['label']}: the paper's best is {table.columns[pbest]['label']}, ours is "
                                f"{table.columns[obest]['label']}")
    if not groups or not any(len(c) > 1 for c in groups.values()):
        return []
    if not disagree:
        return [Para("The best method of every row and network is the same in the paper and here.")]
    return [Para("The best method differs in:"), Bullets(disagree)]
