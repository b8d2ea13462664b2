"""Report section: whether the README's headline conclusions hold across the per-tensor latency ``w_msg``.

Issue 14 (item 5) asks whether the conclusions the README draws from the joint zoo instances rest on
the latency model.  Suite ``sensitivity`` re-runs them with ``w_msg`` at 5, 20 and 77 ms (family
parameter ``w_msg_ms``; ``w_rtt`` calibrated); this section evaluates every conclusion of
:data:`CONCLUSIONS` separately on the runs of each ``w_msg`` value and renders one table: per
conclusion, *holds* / *partly* / **flips** at each value, with the numbers behind the verdict, and
the range where it holds.  Nothing in it is typed in: the verdicts and numbers come from the
database (gaps against the proven optimum, :mod:`~offloadsched.report.gaps`); only the statements
(what the README says, and the test that decides it) are code.  A second table gives the mean gap
of every heuristic at each value.

Hook: ``[report] sections = ["offloadsched.report.sensitivity:sensitivity_section"]``.  Runs without
a ``w_msg_ms`` parameter (the presets' value) form a column "calibrated".  O(rows) per conclusion.

References (docs/REFERENCES.md): [Seed001], [Seed002].
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ..vocab import Status
from .gaps import scored
from .render import Block, Heading, Para, Table, fmt_pct

TITLE = "Sensitivity to the per-tensor latency w_msg"
OPTIMUM = "mip-joint-ideals"
NETWORK_LABELS = {"3g": "3G", "4g": "4G", "wifi": "Wi-Fi"}
#: A heuristic is "far" from the optimum above this gap.
FAR = 0.10
HOLDS, PARTLY, FLIPS = "holds", "partly", "flips"


@dataclass(frozen=True)
class Verdict:
    """Whether a conclusion holds on some runs (``None``: no runs to decide it) and the numbers why."""

    outcome: str | None
    detail: str = ""


@dataclass(frozen=True)
class Conclusion:
    """A README conclusion: a short name, what the README says, and the test deciding it on a frame of
    runs (one ``w_msg`` value; columns of :func:`sensitivity_frame`)."""

    name: str
    readme: str
    test: Callable[[pd.DataFrame], Verdict]


def sensitivity_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """The joint method runs of a results frame with gaps (``gap``, ``at_optimum``) and the columns
    ``model, jobs, network, w_msg`` (the ``w_msg_ms`` parameter; NaN: the preset's) and ``partitions``
    (the most partitions of one DNN in a ``mip-joint-ideals`` optimum)."""
    df, _ = scored(raw)
    df = df[df["problem_type"] == "joint"].copy() if len(df) else df
    if df.empty:
        return df.assign(model=[], jobs=[], network=[], w_msg=[], partitions=[])
    df["model"] = df["attrs_d"].map(lambda a: a.get("model"))
    df["jobs"] = df["attrs_d"].map(lambda a: a.get("jobs"))
    df["network"] = df["params_d"].map(lambda p: p.get("network") if p.get("bandwidth") is None else None)
    df["w_msg"] = df["params_d"].map(lambda p: math.nan if p.get("w_msg_ms") is None else float(p["w_msg_ms"]))
    df["partitions"] = df["info_d"].map(lambda i: max((i.get("partitions_per_dnn") or {0: math.nan}).values()))
    return df.reset_index(drop=True)


# -- the conclusions' tests ----------------------------------------------------------------------------
def _ok(df: pd.DataFrame) -> pd.DataFrame:
    return df[(df["status"] != Status.ERROR) & df["gap"].notna()]


def _mean_gaps(df: pd.DataFrame) -> pd.Series:
    """Mean gap per heuristic (runs with a proven optimum), smallest first."""
    h = _ok(df)
    h = h[(h["kind"] == "heuristic") & h["proven"].fillna(False).astype(bool)]
    return h.groupby("method")["gap"].mean().sort_values(kind="stable")


def _pct(x: float) -> str:
    return fmt_pct(x, False, 1)


def _share(hits: int, total: int, what: str) -> Verdict:
    if total == 0:
        return Verdict(None)
    outcome = HOLDS if hits == total else FLIPS if hits == 0 else PARTLY
    return Verdict(outcome, f"{hits} of {total} {what}")


def best_heuristic(df: pd.DataFrame) -> Verdict:
    """``po`` / ``neurosurgeon`` have the smallest mean gap of the joint heuristics."""
    gaps = _mean_gaps(df)
    if gaps.empty:
        return Verdict(None)
    best = gaps.index[0]
    detail = ", ".join(f"{m} {_pct(g)}" for m, g in gaps.head(3).items())
    return Verdict(HOLDS if best in ("po", "neurosurgeon") else FLIPS, f"best: {detail}")


def jps_hps_never_optimal(df: pd.DataFrame) -> Verdict:
    """``jps`` and ``hps`` reach the proven optimum on no instance."""
    runs = _ok(df)
    runs = runs[runs["method"].isin(["jps", "hps"]) & runs["proven"].fillna(False).astype(bool)]
    if runs.empty:
        return Verdict(None)
    at = int(runs["at_optimum"].sum())
    return Verdict(HOLDS if at == 0 else FLIPS if at == len(runs) else PARTLY,
                   f"at the optimum in {at} of {len(runs)} runs")


def alexnet_10_4g(df: pd.DataFrame) -> Verdict:
    """On 10 AlexNet jobs at 4G, ``jps`` and ``hps`` are more than :data:`FAR` above the optimum."""
    runs = _ok(df)
    runs = runs[(runs["model"] == "alexnet") & (runs["jobs"] == 10) & (runs["network"] == "4g")
                & runs["method"].isin(["jps", "hps"])]
    if runs.empty:
        return Verdict(None)
    gaps = runs.groupby("method")["gap"].mean()
    far = int((gaps > FAR).sum())
    return Verdict(HOLDS if far == len(gaps) else FLIPS if far == 0 else PARTLY,
                   ", ".join(f"{m} {_pct(g)}" for m, g in gaps.items()))


def googlenet_po_beats_jps(df: pd.DataFrame) -> Verdict:
    """On GoogLeNet ``po`` has a smaller mean gap than both ``jps`` and ``hps``."""
    gaps = _mean_gaps(df[df["model"] == "googlenet"])
    if not {"po", "jps", "hps"} <= set(gaps.index):
        return Verdict(None)
    holds = gaps["po"] < min(gaps["jps"], gaps["hps"])
    return Verdict(HOLDS if holds else FLIPS, f"po {_pct(gaps['po'])}, jps {_pct(gaps['jps'])}, "
                                              f"hps {_pct(gaps['hps'])}")


def sidney_keeps_gap(df: pd.DataFrame) -> Verdict:
    """On GoogLeNet the ``+sidney`` variants (the heuristics' cuts, scheduled optimally) keep at least
    half of the heuristics' mean gap: the cuts cost more than the order."""
    gaps = _mean_gaps(df[df["model"] == "googlenet"])
    pairs = [(m, f"{m}+sidney") for m in ("jps", "hps") if {m, f"{m}+sidney"} <= set(gaps.index)]
    if not pairs:
        return Verdict(None)
    kept = [gaps[s] >= gaps[m] / 2 for m, s in pairs]
    detail = ", ".join(f"{m} {_pct(gaps[m])} → {_pct(gaps[s])}" for m, s in pairs)
    return Verdict(HOLDS if all(kept) else FLIPS if not any(kept) else PARTLY, detail)


def jps_against_lo(network: str, slower: bool) -> Callable[[pd.DataFrame], Verdict]:
    """On GoogLeNet at ``network``, ``jps`` is slower (``slower``) or faster than ``lo``, per job count."""
    def test(df: pd.DataFrame) -> Verdict:
        runs = _ok(df)
        runs = runs[(runs["model"] == "googlenet") & (runs["network"] == network) & runs["method"].isin(["jps", "lo"])]
        per = runs.pivot_table(index="jobs", columns="method", values="makespan", aggfunc="min")
        if not {"jps", "lo"} <= set(per.columns):
            return Verdict(None)
        per = per.dropna()
        ratio = per["jps"] / per["lo"] - 1
        hits = int(((ratio > 0) if slower else (ratio < 0)).sum())
        verdict = _share(hits, len(per), "job counts")
        spread = f"jps {_pct(ratio.min())} .. {_pct(ratio.max())} against lo" if len(ratio) else ""
        return Verdict(verdict.outcome, f"{verdict.detail}; {spread}" if spread else verdict.detail)
    test.__doc__ = f"GoogLeNet at {network}: jps {'slower' if slower else 'faster'} than lo."
    return test


def optimum_mixes(df: pd.DataFrame) -> Verdict:
    """Some proven optimum uses three or more partitions of one DNN (JPS mixes two)."""
    opt = df[(df["method"] == OPTIMUM) & (df["status"] == Status.OPTIMAL)].dropna(subset=["partitions"])
    if opt.empty:
        return Verdict(None)
    top = opt.loc[opt["partitions"].idxmax()]
    many = int((opt["partitions"] >= 3).sum())
    where = f"{top['model']} x{top['jobs']}, {NETWORK_LABELS.get(top['network'], '-')}"
    return Verdict(HOLDS if many else FLIPS, f"{many} of {len(opt)} optima; most {int(top['partitions'])} ({where})")


def optimum_beats_lo(df: pd.DataFrame) -> Verdict:
    """On every model and network with 10 jobs, the optimum is below local-only."""
    runs = _ok(df)
    runs = runs[(runs["jobs"] == 10) & runs["proven"].fillna(False).astype(bool)]
    lo = runs[runs["method"] == "lo"].drop_duplicates("key").set_index("key")
    if lo.empty:
        return Verdict(None)
    gain = 1 - lo["optimum"] / lo["makespan"]
    verdict = _share(int((gain > 0).sum()), len(gain), "instances")
    return Verdict(verdict.outcome, f"{verdict.detail}; gain {_pct(gain.min())} .. {_pct(gain.max())}")


#: The README's headline conclusions on the joint zoo instances (section "Results"), each with its test.
CONCLUSIONS: tuple[Conclusion, ...] = (
    Conclusion("best joint heuristic", "`po` / `neurosurgeon` (one cut per job) have the smallest mean gap of the "
               "joint heuristics", best_heuristic),
    Conclusion("jps / hps never optimal", "`jps` and `hps` reach the optimum on no joint zoo instance",
               jps_hps_never_optimal),
    Conclusion("AlexNet x10 at 4G", "on 10 AlexNet jobs over 4G `jps` and `hps` are far (17 %) above the optimum",
               alexnet_10_4g),
    Conclusion("GoogLeNet: po beats jps / hps", "on GoogLeNet `po` is far closer to the optimum than `jps` and "
               "`hps`", googlenet_po_beats_jps),
    Conclusion("GoogLeNet: cuts cost", "the `+sidney` variants (the heuristics' cuts scheduled optimally) keep "
               "most of the gap on GoogLeNet", sidney_keeps_gap),
    Conclusion("GoogLeNet 3G: jps slower than lo", "on GoogLeNet `jps` is slower than local-only at 3G",
               jps_against_lo("3g", slower=True)),
    Conclusion("GoogLeNet 4G: jps slower than lo", "on GoogLeNet `jps` is slower than local-only at 4G",
               jps_against_lo("4g", slower=True)),
    Conclusion("GoogLeNet Wi-Fi: jps faster than lo", "on GoogLeNet `jps` beats local-only at Wi-Fi",
               jps_against_lo("wifi", slower=False)),
    Conclusion("optima mix partitions", "the joint optima mix three or more partitions of one DNN (JPS two)",
               optimum_mixes),
    Conclusion("optimum beats lo", "the optimum gains over local-only on every model and network (10 jobs)",
               optimum_beats_lo),
)


# -- rendering -----------------------------------------------------------------------------------------
def _label(w: float) -> str:
    return "calibrated" if w != w else f"{w:g} ms"


def _cell(v: Verdict) -> str:
    if v.outcome is None:
        return "no runs"
    word = f"**{v.outcome}**" if v.outcome != HOLDS else v.outcome
    return f"{word} ({v.detail})" if v.detail else word


def _range(values: list[float], verdicts: list[Verdict]) -> str:
    """E.g. "holds at 5 / 20 ms, flips at 77 ms"."""
    parts = []
    for outcome in (HOLDS, PARTLY, FLIPS):
        at = [_label(w).removesuffix(" ms") for w, v in zip(values, verdicts) if v.outcome == outcome]
        if at:
            unit = " ms" if any(a != "calibrated" for a in at) else ""
            parts.append(f"{'**' + outcome + '**' if outcome != HOLDS else outcome} at {' / '.join(at)}{unit}")
    if parts and len(parts) == 1 and parts[0].startswith(HOLDS):
        return "holds at every value"
    return ", ".join(parts) or "no runs"


def verdict_table(df: pd.DataFrame, conclusions: tuple[Conclusion, ...] = CONCLUSIONS) -> tuple[list[float],
                                                                                                 list[list[Verdict]]]:
    """The ``w_msg`` values (NaN first: the presets') and, per conclusion, its verdict at each."""
    values = sorted(df["w_msg"].unique(), key=lambda w: (w == w, w if w == w else 0)) if len(df) else []
    frames = [_at(df, w) for w in values]
    return values, [[c.test(f) for f in frames] for c in conclusions]


def _at(df: pd.DataFrame, w: float) -> pd.DataFrame:
    """The runs at ``w_msg`` value ``w`` (NaN: the presets')."""
    return df[df["w_msg"].isna()] if w != w else df[df["w_msg"] == w]


def sensitivity_blocks(df: pd.DataFrame, level: int = 2) -> list[Block]:
    """The verdict table, the mean gap per heuristic and value, and the latencies used."""
    if df.empty:
        return [Para("No joint runs in this suite.")]
    values, verdicts = verdict_table(df)
    rows = [[c.name, c.readme, *map(_cell, vs), _range(values, vs)] for c, vs in zip(CONCLUSIONS, verdicts)]
    gaps = {w: _mean_gaps(_at(df, w)) for w in values}
    methods = sorted({m for g in gaps.values() for m in g.index},
                     key=lambda m: sum(g.get(m, math.inf) for g in gaps.values()))
    gap_rows = [[m, *(_pct(gaps[w][m]) if m in gaps[w].index else "-" for w in values)] for m in methods]
    rtt = (df.drop_duplicates("network").set_index("network")["attrs_d"]
           .map(lambda a: a.get("w_rtt_ms")).dropna())
    proven = [(_label(w), sub.drop_duplicates("key")["proven"].fillna(False).astype(bool))
              for w in values for sub in [_at(df, w)]]
    errors = df[df["status"] == Status.ERROR]["method"].value_counts().sort_index()
    calibrated = sorted({round(float(a["w_msg_ms"]), 3) for a in df.loc[df["w_msg"].isna(), "attrs_d"]
                         if a.get("w_msg_ms") is not None})
    return [
        Para("Each README conclusion on the joint zoo instances, decided separately on the runs at each per-tensor "
             "latency w_msg (family parameter `w_msg_ms`) from the gaps against the proven optimum: *holds* on all "
             "of them, *partly* on some, **flips** on none; the numbers are the evidence. w_rtt stays at each "
             "network's calibrated value: " + (", ".join(f"{NETWORK_LABELS.get(n, n)} {v:g} ms" for n, v in
                                                         rtt.items()) or "-")
             + (". Column *calibrated*: the presets' w_msg, " + " / ".join(f"{v:g} ms" for v in calibrated)
                if len(calibrated) else "")
             + ". Instances with a proven optimum (the gaps use these only): "
             + ", ".join(f"{w} {int(p.sum())} of {len(p)}" for w, p in proven) + "."),
        Table(["conclusion", "README says", *(f"w_msg = {_label(w)}" for w in values), "across the range"], rows,
              align="ll" + "l" * (len(values) + 1)),
        Heading("Mean gap per heuristic and w_msg", level + 1),
        Para("Mean gap to the proven optimum over the instances where each heuristic gave a schedule, smallest "
             "first overall. Errors left out: " + (", ".join(f"{m} {n}" for m, n in errors.items()) + " runs"
                                                    if len(errors) else "none") + "."),
        Table(["method", *(f"w_msg = {_label(w)}" for w in values)], gap_rows),
    ]


def sensitivity_section(db, suite: str) -> list[Block]:
    """The section of suite ``suite`` (hook ``[report] sections``)."""
    return [Heading(TITLE), *sensitivity_blocks(sensitivity_frame(db.frame(suite)))]
