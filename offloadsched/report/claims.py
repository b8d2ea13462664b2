"""The claims section of every report: the verdicts a ``claims`` suite stored.

Contract for a claims suite (rows ``task = "module:function"``): its task returns records with
``kind = "claim"``, ``method`` = the claim's name, ``status`` = ``holds`` / ``refuted`` /
``inconclusive``, ``instance`` = what was checked, and ``info`` = a JSON object with any of
``statement``, ``source``, ``checked`` (instances), ``worst`` (e.g. the worst ratio found) and
``evidence`` (a counterexample or a note).  The suite may instead name its own section renderer
in ``[report] claims_section = "module:function"``: ``fn(db) -> list of report blocks``
(:mod:`offloadsched.report.render`).
"""

from __future__ import annotations

import json

import pandas as pd

from .render import Block, Para, Table

STATUS_ORDER = {"refuted": 0, "inconclusive": 1, "error": 2, "holds": 3}


def claim_rows(db) -> pd.DataFrame:
    """Every stored claim verdict, across suites."""
    return pd.read_sql_query("SELECT * FROM runs WHERE kind = 'claim' ORDER BY suite, method, instance", db.conn)


def claims_section(db) -> list[Block]:
    """The report blocks of the claims section (a hook of the claims suite, or the default table)."""
    for suite in db.suites():
        spec = db.suite_spec(suite) or {}
        hook = spec.get("report", {}).get("claims_section")
        if hook:
            from ..bench.suite import load_target

            return list(load_target(hook)(db))
    rows = claim_rows(db)
    if rows.empty:
        return [Para("No claims suite in the database yet: the named claims of MODEL.md section 4 are checked by "
                     "a `claims` suite (`offloadsched bench --suite claims`), whose verdicts appear here.")]
    table = []
    for claim, g in rows.groupby("method", sort=False):
        verdict = min(g["status"], key=lambda s: STATUS_ORDER.get(s, 1))
        info = {}
        for text in g["info"].dropna():
            info.update(json.loads(text))
        evidence = info.get("evidence") or "; ".join(g["message"].dropna().unique()[:2])
        table.append([claim, str(info.get("statement", "")), str(info.get("source", "")), verdict,
                      str(info.get("checked", len(g))), str(info.get("worst", "")), str(evidence)])
    return [Table(["claim", "statement", "source", "verdict", "checked", "worst found", "evidence"], table,
                  align="lllllll")]
