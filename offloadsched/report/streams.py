"""Report section: online policies on streams of jobs against the clairvoyant optimum (issue 25).

Suite ``streams`` (family ``stream``: jobs of one zoo DNN or a mix arriving periodically, as a Poisson
process or in bursts at an offered load of the best partition's throughput,
:mod:`offloadsched.instances.streams`) runs the online policies (method ``online`` with option
``policy``, one labelled row per policy), the offline heuristics (all release times known, a list
schedule that waits for each job's release) and the exact methods that support release times.

The reference of an instance is the clairvoyant optimum: an exact method's proven optimum, or a
best makespan equal to the best lower bound; otherwise the bracket [best lower bound, best
makespan], where the lower bound is the largest of the exact methods' bounds and of bound-only runs
(``joint-bound``: the release-aware bound of :mod:`offloadsched.bounds`), so a gap is then an upper
limit (≤); these are the references of the report's general tables too.  Response times (completion
- release, MODEL.md "Release times") are the runs' stored ones, or the stored schedule re-evaluated by
the core evaluator for a database without them.

Blocks: the proofs per group; per method its gap, mean and 95th-percentile response time; the gaps
and response times per offered load; which online policy wins where; one Gantt chart of a stream.

Hook: ``[report] sections = ["offloadsched.report.streams:streams_section"]``.  O(rows), plus one
instance build and evaluation per run without stored response times (older databases).

References (docs/REFERENCES.md): [Seed001].
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..vocab import Status
from .gaps import prepare, references, with_gaps
from .render import Block, Bullets, Figure, Heading, Para, Table, fmt_num, fmt_pct

TITLE = "Streams: online policies against the clairvoyant optimum"
ONLINE = "online"
ROLES = ("online", "offline", "exact")
NETWORK_LABELS = {"3g": "3G", "4g": "4G", "wifi": "Wi-Fi"}


def streams_frame(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The runs of the ``stream`` family with gaps to the clairvoyant optimum
    (:func:`~offloadsched.report.gaps.references`), the references per instance, and notes.

    Columns added: ``role`` (online / offline / exact, or ``bound`` for a bound-only run such as
    ``joint-bound``), ``model, network, jobs, load, pattern`` (the instance's parameters),
    ``response_mean``, ``response_p95`` (µs)."""
    notes: list[str] = []
    df = prepare(raw)
    df = df[df["family"] == "stream"].reset_index(drop=True)
    if df.empty:
        return df, pd.DataFrame(), notes
    refs, _ = references(df)
    df = with_gaps(df, refs)
    params = df["params_d"]
    df["model"] = params.map(lambda p: p.get("model"))
    df["network"] = params.map(lambda p: p.get("network", "4g"))
    df["jobs"] = params.map(lambda p: p.get("jobs"))
    df["load"] = params.map(lambda p: p.get("load"))
    df["pattern"] = params.map(lambda p: p.get("pattern", "poisson"))
    df["role"] = np.select([df["status"] == Status.BOUND, df["kind"] == "exact", df["method_name"] == ONLINE],
                           ["bound", "exact", "online"], "offline")
    _responses(df, notes)
    return df, refs, notes


def _responses(df: pd.DataFrame, notes: list[str]) -> None:
    """``response_mean`` / ``response_p95`` per run: the stored columns, else the stored schedule replayed."""
    from .plots import replay

    for col in ("response_mean", "response_p95"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float) if col in df else math.nan
    missing = df.index[df["response_mean"].isna() & df["schedule"].notna() & df["role"].isin(ROLES)
                       & (df["status"] != Status.ERROR)]
    failed = 0
    for i in sorted(missing, key=lambda i: df.at[i, "key"]):  # one instance after the other: builds are cached
        try:
            resp = replay(df.loc[i])[1].response
        except Exception:
            failed += 1
            continue
        df.at[i, "response_mean"] = float(resp.mean())
        df.at[i, "response_p95"] = float(np.percentile(resp, 95, method="inverted_cdf"))
    if failed:
        notes.append(f"response times of {failed} runs not recomputed (their schedules do not replay)")


def _ms(us: float) -> str:
    return fmt_num(us / 1e3, 1) if us == us else "-"


def _gap_cells(runs: pd.DataFrame) -> list[str]:
    """Mean gap over the proven instances, mean and largest gap (≤ where only bracketed) over all."""
    ok = runs[runs["gap"].notna()]
    proven = ok[~ok["gap_upper"]]
    upper = bool(ok["gap_upper"].any())
    return [fmt_pct(proven["gap"].mean()) if len(proven) else "-", fmt_pct(ok["gap"].mean(), upper),
            fmt_pct(ok["gap"].max(), upper)]


def method_table(df: pd.DataFrame) -> Table:
    """Per method (online policies, offline heuristics, exact): instances, proven, gaps, responses, times."""
    rows = []
    for role in ROLES:
        for method, runs in sorted(df[df["role"] == role].groupby("method"), key=lambda mr: mr[1]["gap"].mean()):
            good = runs[runs["status"] != Status.ERROR]
            errors = len(runs) - len(good)
            rows.append([role, method, str(good["key"].nunique()), str(int(good["proven"].fillna(False).sum())),
                         *_gap_cells(good), _ms(good["response_mean"].mean()), _ms(good["response_p95"].mean()),
                         fmt_num(good["wall_time"].mean(), 2), str(errors) if errors else ""])
    return Table(["role", "method", "instances", "proven", "mean gap (proven)", "mean gap", "max gap",
                  "mean response (ms)", "mean p95 response (ms)", "mean time (s)", "errors"], rows,
                 align="ll" + "r" * 9)


def _by_load(df: pd.DataFrame, value: Callable[[pd.DataFrame], str]) -> Table:
    loads = sorted(df["load"].dropna().unique())
    rows = []
    for role in ("online", "offline"):
        for method, runs in sorted(df[df["role"] == role].groupby("method")):
            rows.append([role, method, *(value(runs[runs["load"] == x]) for x in loads)])
    return Table(["role", "method", *(f"load {100 * x:.0f} %" for x in loads)], rows, align="ll" + "r" * len(loads))


def winners_table(df: pd.DataFrame) -> Table:
    """Per model, network and load: the online policy with the smallest mean response time (mean over the
    instances) and the one with the smallest mean makespan gap, and the best offline heuristic's gap."""
    rows = []
    ok = df[(df["status"] != Status.ERROR)]
    for (model, network, load), g in ok.groupby(["model", "network", "load"], sort=True):
        online, offline = g[g["role"] == "online"], g[g["role"] == "offline"]
        if online.empty:
            continue
        resp = online.groupby("method")["response_mean"].mean().dropna()
        gaps = online.groupby("method")["gap"].mean().dropna()
        off = offline.groupby("method")["gap"].mean().dropna()
        gap = functools.partial(fmt_pct, upper=bool(g["gap_upper"].any()))
        rows.append([model, NETWORK_LABELS.get(network, network), f"{100 * load:.0f} %",
                     _best(resp, lambda v: _ms(v) + " ms"), _best(gaps, gap), _best(off, gap)])
    return Table(["model", "network", "load", "online: best mean response", "online: best makespan gap",
                  "offline: best makespan gap"], rows, align="llllll")


def _best(values: pd.Series, fmt: Callable[[float], str]) -> str:
    if values.empty:
        return "-"
    low = values.min()
    names = sorted(values.index[values <= low + 1e-9 * max(1.0, abs(low))])
    return f"{', '.join(names)} ({fmt(low)})"


def proofs_table(df: pd.DataFrame, refs: pd.DataFrame) -> Table:
    """Per group: instances, proven by an exact method, proven by a bound, open and its largest bracket."""
    rows = []
    for group, r in refs.groupby("group_name", sort=True):
        by_exact = r["proven"] & (r["source"] != "best makespan = lower bound")
        by_bound = r["proven"] & ~by_exact
        open_ = r[~r["proven"].astype(bool)]
        bracket = ((open_["best"] - open_["bound"]) / open_["best"]).max() if len(open_) else math.nan
        rows.append([group, str(len(r)), str(int(by_exact.sum())), str(int(by_bound.sum())), str(len(open_)),
                     fmt_pct(bracket) if bracket == bracket else "-"])
    return Table(["group", "instances", "proven by an exact method", "best makespan = lower bound", "open",
                  "largest bracket"], rows, align="l" + "r" * 5)


def gantt_of_stream(df: pd.DataFrame, notes: list[str]) -> Figure | None:
    """One stream: the instance of the median load, fewest jobs and most proven rows; the online policy
    with the smallest makespan above the best exact (else offline) schedule, release times marked."""
    from ..plotting import gantt
    from .plots import _plt, _png, replay

    runs = df[df["schedule"].notna() & (df["status"] != Status.ERROR)]
    online = runs[runs["role"] == "online"]
    if online.empty:
        return None
    loads = sorted(online["load"].unique())
    mid = loads[len(loads) // 2]
    pick = online[online["load"] == mid].sort_values(["jobs", "proven", "key"], ascending=[True, False, True])
    key = pick.iloc[0]["key"]
    here = runs[runs["key"] == key]
    first = here[here["role"] == "online"].sort_values(["makespan", "method"]).iloc[0]
    other = here[here["role"] == "exact"]
    other = other if len(other) else here[here["role"] == "offline"]
    shown = [first] + ([other.sort_values(["makespan", "method"]).iloc[0]] if len(other) else [])
    plt = _plt()
    fig, axes = plt.subplots(len(shown), 1, figsize=(11, 2.4 * len(shown) + 0.4), squeeze=False)
    try:
        for ax, row in zip(axes.flat, shown):
            problem, timing, _ = replay(row)
            gantt(timing, problem=problem, ax=ax, unit="ms", title=f"{row['method']} ({row['role']}): makespan "
                  f"{timing.makespan / 1e3:,.1f} ms, mean response {timing.response.mean() / 1e3:,.1f} ms")
            for r in np.unique(problem.release):
                ax.axvline(r / 1e3, color="0.5", lw=0.6, ls=":", zorder=0)
        xmax = max(ax.get_xlim()[1] for ax in axes.flat)
        for ax in axes.flat:
            ax.set_xlim(0, xmax)
    except Exception as exc:  # a schedule that no longer replays is reported, not fatal
        plt.close(fig)
        notes.append(f"Gantt of the stream {first['instance']} not drawn: {type(exc).__name__}: {exc}")
        return None
    return Figure("stream_gantt", _png(fig), f"{first['instance']} (seed {first['seed']}, "
                  f"{NETWORK_LABELS.get(first['network'], first['network'])}, load {100 * mid:.0f} %): "
                  "the online policy with the smallest makespan above the best "
                  f"{'exact' if shown[-1]['role'] == 'exact' else 'offline'} schedule; dotted lines: release times.")


def streams_blocks(df: pd.DataFrame, refs: pd.DataFrame, notes: list[str], level: int = 2) -> list[Block]:
    if df.empty:
        return [Para("No runs of the stream family in this suite.")]
    proven = int(refs["proven"].sum())
    out: list[Block] = [
        Para(f"{len(refs)} stream instances, {proven} with the clairvoyant optimum proven (an exact method's "
             "`optimal`, or a best makespan equal to the best lower bound: the exact methods' bounds and "
             "`joint-bound`, the release-aware bound of `offloadsched.bounds`). Gap = (makespan - optimum) / "
             "optimum; where the optimum is not proven, against the best lower bound (an upper limit, ≤). "
             "*online*: a policy that sees each job at its release time (method `online`); *offline*: a heuristic "
             "knowing every release time; "
             "*exact*: a clairvoyant exact method. Response time = completion - release, per job; its mean and "
             "nearest-rank 95th percentile per run, averaged over the instances."),
        Heading("Proofs", level + 1), proofs_table(df, refs),
        Heading("Per method", level + 1),
        Para("*mean gap (proven)*: over the instances with a proven optimum only; *mean gap*, *max gap*: over all, "
             "≤ when some are bracketed."), method_table(df),
        Heading("Per offered load", level + 1),
        Para("Mean makespan gap (≤: some instances bracketed) and mean response time (ms), per offered load "
             "(the arrival rate times the best partition's bottleneck time)."),
        _by_load(df, lambda r: fmt_pct(r["gap"].mean(), bool(r["gap_upper"].any())) if r["gap"].notna().any()
                 else "-"),
        _by_load(df, lambda r: _ms(r["response_mean"].mean())),
        Heading("Which online policy wins where", level + 1),
        Para("Per model, network and load (means over the instances: arrival patterns and job counts); ties "
             "listed together."), winners_table(df)]
    fig = gantt_of_stream(df, notes)
    if fig is not None:
        out += [Heading("A stream", level + 1), fig]
    if notes:
        out += [Heading("Notes", level + 1), Bullets(notes[:40])]
    return out


def streams_section(db, suite: str) -> list[Block]:
    """The section of suite ``suite`` (hook ``[report] sections``)."""
    df, refs, notes = streams_frame(db.frame(suite))
    return [Heading(TITLE), *streams_blocks(df, refs, notes)]
