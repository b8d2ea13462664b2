"""Report section: which of the README's conclusions hold as the server slows down (issue 22).

Suite ``servers`` re-runs the quick suite's joint zoo instances with the server's compute modelled
(remote model ``serial`` or ``parallel``, MODEL.md problem D) on every server preset (family parameter
``server``: :data:`offloadsched.instances.platforms.SERVERS`, ``"<preset>/<k>"`` for a shared one).
This section decides the conclusions of :data:`offloadsched.report.sensitivity.CONCLUSIONS` that the
suite's methods can decide, separately on the runs of each server and remote model, from the gaps
against ``mip-joint-ideals``' proven optimum (nothing typed in: verdicts and numbers come from the
database); then, per server and remote model, how many instances ``mip-joint-ideals`` proved, the
largest bracket left and its times, the mean gap of every heuristic, and what a slower server costs
against local-only and cloud-only.

Hook: ``[report] sections = ["offloadsched.report.servers:servers_section"]``.  Servers are ordered
fastest first (their rate, :func:`offloadsched.instances.platforms.get_server`).  O(rows) per conclusion.

References (docs/REFERENCES.md): [Seed001], [Seed002].
"""

from __future__ import annotations

import math

import pandas as pd

from ..instances.platforms import get_server
from ..vocab import Status
from .render import Block, Heading, Para, Table, fmt_pct
from .sensitivity import CONCLUSIONS, HOLDS, OPTIMUM, Conclusion, Verdict, _cell, _mean_gaps, sensitivity_frame

TITLE = "Slower servers: serial and parallel remote compute"
DEFAULT_SERVER = "gtx1080"
REMOTE_MODELS = ("serial", "parallel")
#: the conclusions this suite's methods decide (the ``+sidney`` variants are not run here)
DECIDED: tuple[Conclusion, ...] = tuple(c for c in CONCLUSIONS if c.name != "GoogLeNet: cuts cost")


def servers_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """:func:`~offloadsched.report.sensitivity.sensitivity_frame` with the columns ``server`` (the family
    parameter; the default preset when absent), ``rate`` (its FLOP/s) and ``remote`` (the remote model)."""
    df = sensitivity_frame(raw)
    if df.empty:
        return df.assign(server=[], rate=[], remote=[])
    df["server"] = df["params_d"].map(lambda p: p.get("server") or DEFAULT_SERVER)
    rates = {s: get_server(s).rate for s in df["server"].unique()}
    df["rate"] = df["server"].map(rates)
    df["remote"] = df["params_d"].map(lambda p: p.get("remote_model") or "negligible")
    return df


def _servers(df: pd.DataFrame) -> list[str]:
    """The servers of ``df``, fastest first."""
    return list(df.drop_duplicates("server").sort_values(["rate", "server"], ascending=[False, True])["server"])


def _label(server: str, rate: float) -> str:
    return f"{server} ({rate / 1e9:,.0f} GFLOP/s)" if rate < 1e12 else f"{server} ({rate / 1e12:.3g} TFLOP/s)"


def _across(servers: list[str], verdicts: list[Verdict]) -> str:
    """E.g. "holds on every server" or "holds down to jetson-nano, then flips"."""
    outcomes = [v.outcome for v in verdicts]
    if all(o is None for o in outcomes):
        return "no runs"
    if all(o in (HOLDS, None) for o in outcomes):
        return "holds on every server"
    last = None
    for s, o in zip(servers, outcomes):
        if o not in (HOLDS, None):
            break
        last = s
    first_bad = next(f"**{o}** on {s}" for s, o in zip(servers, outcomes) if o not in (HOLDS, None))
    return f"holds down to {last}, {first_bad}" if last else f"{first_bad} already"


def optimum_table(df: pd.DataFrame, servers: list[str]) -> list[list[str]]:
    """Per server and remote model: ``mip-joint-ideals``' instances, proven, status ``bound`` (none
    expected), largest bracket left, median and largest wall time."""
    rows = []
    for remote in REMOTE_MODELS:
        for s in servers:
            runs = df[(df["method"] == OPTIMUM) & (df["server"] == s) & (df["remote"] == remote)]
            if runs.empty:
                continue
            ok = runs[runs["makespan"].notna() & runs["bound"].notna()]
            bracket = ((ok["makespan"] - ok["bound"]) / ok["makespan"]).max() if len(ok) else math.nan
            count = {st: str(int((runs["status"] == st).sum())) for st in (Status.OPTIMAL, Status.BOUND, Status.ERROR)}
            rows.append([remote, s, str(len(runs)), count[Status.OPTIMAL], count[Status.BOUND], count[Status.ERROR],
                         fmt_pct(bracket, False, 2) if bracket == bracket else "-",
                         f"{runs['wall_time'].median():.1f}", f"{runs['wall_time'].max():.1f}"])
    return rows


def _ratio(df: pd.DataFrame, method: str) -> str:
    """Mean of the optimum over ``method``'s makespan - 1 (negative: the optimum is faster), proven only."""
    runs = df[(df["method"] == method) & df["proven"].fillna(False).astype(bool) & df["makespan"].notna()]
    if runs.empty:
        return "-"
    gain = 1 - runs["optimum"] / runs["makespan"]
    return f"{_pct(gain.mean())} (max {_pct(gain.max())})"


def _pct(x: float) -> str:
    return fmt_pct(x, False, 1)


def servers_blocks(df: pd.DataFrame, level: int = 2) -> list[Block]:
    """Verdict tables per remote model, the optimum's proofs, and mean gaps per heuristic and server."""
    if df.empty:
        return [Para("No joint runs in this suite.")]
    servers = _servers(df)
    rates = df.drop_duplicates("server").set_index("server")["rate"]
    labels = [_label(s, rates[s]) for s in servers]
    out: list[Block] = [
        Para("Each README conclusion on the joint zoo instances, decided separately on the runs of each server "
             "(fastest first) and remote model from the gaps against mip-joint-ideals' proven optimum: *holds* on "
             "all of them, *partly* on some, **flips** on none; the numbers are the evidence. The README's "
             "conclusions were drawn with negligible remote times on the GTX 1080; here the server computes "
             "(serial: one machine; parallel: no contention). Errors are recorded as they happened (seed 001's "
             "jps / hps refuse some DNNs with a server)."),
    ]
    for remote in REMOTE_MODELS:
        sub = df[df["remote"] == remote]
        if sub.empty:
            continue
        frames = [sub[sub["server"] == s] for s in servers]
        verdicts = [[c.test(f) for f in frames] for c in DECIDED]
        out += [Heading(f"Conclusions with {remote} remote", level + 1),
                Table(["conclusion", "README says", *labels, "as the server slows"],
                      [[c.name, c.readme, *map(_cell, vs), _across(servers, vs)] for c, vs in zip(DECIDED, verdicts)],
                      align="ll" + "l" * (len(servers) + 1))]
    out += [Heading("The optimum: proofs and brackets", level + 1),
            Para(f"{OPTIMUM} per server and remote model: instances, proven optimal, status bound (never expected), "
                 "errors, the largest bracket (makespan - bound) / makespan left, and its wall times (s)."),
            Table(["remote", "server", "instances", "optimal", "bound", "errors", "largest bracket", "median s",
                   "max s"], optimum_table(df, servers))]
    gap_rows = []
    for remote in REMOTE_MODELS:
        sub = df[df["remote"] == remote]
        gaps = {s: _mean_gaps(sub[sub["server"] == s]) for s in servers}
        methods = sorted({m for g in gaps.values() for m in g.index},
                         key=lambda m: sum(g.get(m, math.inf) for g in gaps.values()))
        gap_rows += [[remote, m, *(_pct(gaps[s][m]) if m in gaps[s].index else "-" for s in servers)]
                     for m in methods]
    gain_rows = [[remote, base, *(_ratio(df[(df["remote"] == remote) & (df["server"] == s)], base) for s in servers)]
                 for remote in REMOTE_MODELS for base in ("lo", "co")]
    errors = df[df["status"] == Status.ERROR].groupby(["method", "model"]).size()
    out += [Heading("Mean gap per heuristic and server", level + 1),
            Para("Mean gap to the proven optimum over the instances where each heuristic gave a schedule. Errors "
                 "left out: " + (", ".join(f"{m} on {d} {n}" for (m, d), n in errors.items()) + " runs"
                                 if len(errors) else "none") + "."),
            Table(["remote", "method", *labels], gap_rows),
            Heading("What the optimum gains over local-only and cloud-only", level + 1),
            Para("Mean (largest) of 1 - optimum / baseline over the instances with a proven optimum."),
            Table(["remote", "baseline", *labels], gain_rows)]
    return out


def servers_section(db, suite: str) -> list[Block]:
    """The section of suite ``suite`` (hook ``[report] sections``)."""
    return [Heading(TITLE), *servers_blocks(servers_frame(db.frame(suite)))]
