"""The claims section of every report: the verdicts a ``claims`` suite stored, else the committed run's.

Contract for a claims suite (rows ``task = "module:function"``): its task returns records with
``kind = "claim"``, ``method`` = the claim's name, ``status`` = ``holds`` / ``refuted`` /
``inconclusive`` (or ``error``), ``instance`` = what was checked, and ``info`` = a JSON object with
any of ``statement``, ``source``, ``checked`` (instances), ``worst`` (e.g. the worst ratio found),
``evidence`` (the minimal counterexample in words and numbers, or a note) and ``counterexample``
(the path of the counterexample's problem file, its schedules in ``<stem>.schedules.json`` beside
it: the report draws both schedules, :func:`offloadsched.claims.plot_counterexample`).  The
suite's task :func:`offloadsched.claims.bench.claim_task` follows it.  When the database holds no
claim records, the section shows the committed full run (``offloadsched/claims/data``).  A suite
may instead name its own section renderer in ``[report] claims_section = "module:function"``:
``fn(db) -> list of report blocks`` (:mod:`offloadsched.report.render`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from .render import Block, Bullets, Figure, Heading, Para, Table

STATUS_ORDER = {"refuted": 0, "inconclusive": 1, "error": 2, "holds": 3}


def claim_rows(db) -> pd.DataFrame:
    """The claim records of every suite's current units (``info`` as JSON text)."""
    frames = [df[df["kind"] == "claim"] for df in (db.frame(s) for s in db.suites())]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def claims_section(db) -> list[Block]:
    """The report blocks of the claims section (a hook of a suite, the stored verdicts, or the committed run)."""
    for suite in db.suites():
        spec = db.suite_spec(suite) or {}
        hook = spec.get("report", {}).get("claims_section")
        if hook:
            from ..bench.suite import load_target

            return list(load_target(hook)(db))
    rows = claim_rows(db)
    if rows.empty:
        return committed_section()
    records = [{**r, "info": json.loads(r["info"]) if isinstance(r["info"], str) and r["info"] else {}}
               for r in rows.to_dict("records")]
    suites = ", ".join(f"`{s}`" for s in dict.fromkeys(rows["suite"]))
    when = sorted(rows["finished_at"].dropna().str.slice(0, 10).unique())
    intro = (f"Verdicts stored by the claims suite {suites} in this database (run "
             f"{' .. '.join(dict.fromkeys([when[0], when[-1]])) if when else 'at an unknown date'}; "
             f"{_budgets(records)}).")
    return render_claims(records, intro)


def committed_section() -> list[Block]:
    """The committed full run's verdicts (``offloadsched/claims/data``), labelled as such."""
    from ..claims.bench import committed_records

    try:
        records, date = committed_records()
    except Exception as exc:  # no or unreadable package data: say so, the report goes on
        return [Para(f"No claims suite in the database, and the committed claims data cannot be read "
                     f"({type(exc).__name__}: {exc}); `offloadsched bench --suite claims` checks the claims.")]
    intro = (f"**From the committed full run of {date or 'an unknown date'}** ({_budgets(records)}; files in "
             "`offloadsched/claims/data`): this database holds no claims suite; `offloadsched bench --suite "
             "claims` re-runs it.")
    return render_claims(records, intro)


def _budgets(records: list[dict[str, Any]]) -> str:
    budgets = sorted({r["info"].get("budget_s") for r in records} - {None})
    seeds = sorted({r["info"].get("seed") for r in records} - {None})
    if not budgets:
        return "search budget not recorded"
    return (f"{' / '.join(f'{b:g}' for b in budgets)} s of search per claim"
            + (f", seed {', '.join(map(str, seeds))}" if seeds else ""))


def render_claims(records: list[dict[str, Any]], intro: str) -> list[Block]:
    """The verdict table (one row per claim, the worst verdict of its records) and, per refuted claim,
    its minimal counterexample's two schedules."""
    order = _catalog_order()
    claims: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        claims.setdefault(r["method"], []).append(r)
    names = sorted(claims, key=lambda n: (order.get(n, len(order)), n))
    table: list[list[str]] = []
    figures: list[Block] = []
    notes: list[str] = []
    for name in names:
        group = claims[name]
        verdict = min((r["status"] for r in group), key=lambda s: STATUS_ORDER.get(s, 1))
        info = {k: v for r in group for k, v in r["info"].items()}
        checked = [r["info"]["checked"] for r in group if isinstance(r["info"].get("checked"), (int, float))]
        worst = [r["info"]["worst"] for r in group if isinstance(r["info"].get("worst"), (int, float))]
        evidence = info.get("evidence") or "; ".join(dict.fromkeys(str(r["message"]) for r in group
                                                                   if r.get("message")))
        table.append([name, str(info.get("statement", "")), str(info.get("source", "")), verdict,
                      str(sum(checked)) if checked else str(len(group)), _ratio(max(worst)) if worst else "-",
                      str(evidence or "")])
        for r in group:
            if r["status"] == "refuted" and r["info"].get("counterexample"):
                figures += _counterexample_figure(name, r["info"], notes)
    counts = pd.Series([row[3] for row in table]).value_counts()
    out: list[Block] = [Para(intro), Para("Each claim searched for counterexamples (exhaustive small instances, "
                                          "random sampling, adversarial local search; MODEL.md section 4): "
                                          + ", ".join(f"{n} {s}" for s, n in counts.items()) + "."),
                        Table(["claim", "statement", "source", "verdict", "checked", "worst ratio", "evidence"],
                              table, align="lllllrl")]
    if figures:
        out += [Heading("Minimal counterexamples", 3), Para(
            "Per refuted claim, its smallest counterexample: the claim's schedule (left) and the optimal one "
            "(right), re-evaluated by the core evaluator from the stored files, on one time scale."), *figures]
    if notes:
        out.append(Bullets(notes))
    return out


def _ratio(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:.4g}"


def _catalog_order() -> dict[str, int]:
    from ..claims import claim_names

    return {name: k for k, name in enumerate(claim_names())}


def _counterexample_figure(name: str, info: dict[str, Any], notes: list[str]) -> list[Figure]:
    """Both schedules of the counterexample file ``info["counterexample"]`` (a note when it is gone)."""
    from ..claims import plot_counterexample
    from ..claims.bench import shown
    from .plots import _plt, _png, _slug

    _plt()  # the Agg backend
    path = Path(info["counterexample"])
    if not path.is_file():
        notes.append(f"{name}: counterexample file {shown(path)} not found (deleted or moved); re-run the claims "
                     "suite to draw it")
        return []
    try:
        fig = plot_counterexample(path.name.removesuffix(".json"), path.parent)
    except Exception as exc:  # a file that no longer loads is reported, not fatal
        notes.append(f"{name}: counterexample {shown(path)} not drawn: {type(exc).__name__}: {exc}")
        return []
    return [Figure(f"claim_{_slug(name)}", _png(fig), f"{name}: {info.get('evidence', '')}")]
