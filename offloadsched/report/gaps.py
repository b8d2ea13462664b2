"""Reference optima and optimality gaps (MODEL.md section 3).

The reference of an instance is the best makespan an exact method proved optimal (status
``optimal``).  Failing that, the instance's best bound is the largest proven lower bound (the
exact methods' bounds, ``bound``-status methods such as relaxations and, for fixed-partition
problems, the core's lower bound); when the best makespan found reaches that bound the optimum
is proven too.  Otherwise a gap is measured against the bound and is an upper limit ("≤").
Runs not made (status ``skipped``: the runner's adaptive stop) are left out of all of it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..vocab import Status

RESULT_KINDS = ("heuristic", "exact")


def _json(text) -> dict:
    return json.loads(text) if isinstance(text, str) and text else {}


def prepare(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of methods (not tasks or claims, nor runs skipped) with parsed JSON columns and an instance ``key``."""
    df = df[df["kind"].isin(RESULT_KINDS) & (df["status"] != Status.SKIPPED)].copy()
    df["key"] = df["instance"] + "#" + df["seed"].astype(str)
    for col in ("params", "attrs", "options", "info"):
        df[col + "_d"] = df[col].map(_json) if len(df) else []
    for col in ("makespan", "bound", "lower_bound", "wall_time"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    return df.reset_index(drop=True)


@dataclass
class Conflict:
    key: str
    text: str


def references(df: pd.DataFrame) -> tuple[pd.DataFrame, list[Conflict]]:
    """Per instance key: optimum (if proven), how, best makespan, best bound, lower bound; and conflicts.

    Columns: ``group_name, instance, seed, problem_type, optimum, proven, source, best, bound, lower``."""
    rows, conflicts = [], []
    for key, g in df.groupby("key", sort=False):
        ok = g[g["status"] != Status.ERROR]
        ms = ok["makespan"].dropna()
        best = float(ms.min()) if len(ms) else math.nan
        exact_opt = ok[(ok["kind"] == "exact") & (ok["status"] == Status.OPTIMAL) & ok["makespan"].notna()]
        ptype = g["problem_type"].iloc[0]
        core_lb = float(ok["lower_bound"].max()) if ptype != "joint" and ok["lower_bound"].notna().any() else math.nan
        bound_lb = ok.loc[ok["status"] == Status.BOUND, "bound"].max()
        lower = np.nanmax([core_lb, bound_lb]) if not (math.isnan(core_lb) and pd.isna(bound_lb)) else math.nan
        bounds = ok.loc[ok["kind"] == "exact", "bound"].dropna()
        bound = np.nanmax([lower, *bounds]) if (len(bounds) or not math.isnan(lower)) else math.nan
        optimum, proven, source = math.nan, False, ""
        if len(exact_opt):
            claims = exact_opt.groupby("makespan")["method"].apply(list)
            optimum, proven, source = float(claims.index.min()), True, ", ".join(claims.iloc[0])
            if len(claims) > 1:
                conflicts.append(Conflict(key, "optimality claims disagree: " + "; ".join(
                    f"{', '.join(m)}: {v:g}" for v, m in claims.items())))
            if best < optimum:
                better = ok.loc[ok["makespan"] == best, "method"].iloc[0]
                conflicts.append(Conflict(key, f"{better} found {best:g} below the claimed optimum {optimum:g} "
                                               f"({source})"))
        elif not math.isnan(best) and not math.isnan(bound) and math.ceil(bound - 1e-6) >= best:
            optimum, proven, source = best, True, "best makespan = lower bound"
        if proven and not math.isnan(bound) and bound > optimum + 1e-6 * max(1.0, optimum):
            high = ok.loc[ok["bound"] > optimum + 1e-6 * max(1.0, optimum), "method"].tolist()
            conflicts.append(Conflict(key, f"bound {bound:g} ({', '.join(high) or 'core'}) exceeds the optimum "
                                           f"{optimum:g}"))
        first = g.iloc[0]
        rows.append({"key": key, "group_name": first["group_name"], "instance": first["instance"],
                     "seed": int(first["seed"]), "problem_type": ptype, "size": first["size"], "optimum": optimum,
                     "proven": proven, "source": source, "best": best, "bound": bound, "lower": lower})
    refs = pd.DataFrame(rows, columns=["key", "group_name", "instance", "seed", "problem_type", "size", "optimum",
                                       "proven", "source", "best", "bound", "lower"])
    return refs.set_index("key"), conflicts


def with_gaps(df: pd.DataFrame, refs: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``optimum, proven, ref_bound, gap, gap_upper, at_optimum`` per row.

    ``gap`` is against the proven optimum, else against the best bound (``gap_upper``: an upper
    limit); NaN for errors and instances without either."""
    out = df.join(refs[["optimum", "proven", "bound"]].rename(columns={"bound": "ref_bound"}), on="key")
    ms = out["makespan"].where(out["status"] != Status.ERROR)
    opt, bnd = out["optimum"], out["ref_bound"]
    proven = out["proven"].fillna(False).astype(bool)
    gap_opt = _ratio(ms, opt)
    gap_bnd = _ratio(ms, bnd)
    out["gap"] = np.where(proven, gap_opt, gap_bnd)
    out["gap_upper"] = ~proven & out["gap"].notna()
    out["at_optimum"] = proven & (ms == opt)
    return out


def _ratio(ms: pd.Series, ref: pd.Series) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (ms - ref) / ref
    r = r.where(ref > 0)
    return r.where(~((ref == 0) & (ms == 0)), 0.0)


def scored(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The method runs of a results frame with their gaps (:func:`prepare`, :func:`with_gaps`) and the
    references per instance key (:func:`references`); conflicts are the main report's business."""
    df = prepare(raw)
    refs, _ = references(df)
    return with_gaps(df, refs), refs


def method_order(df: pd.DataFrame) -> list[str]:
    """Method labels: heuristics first, then exact methods, each alphabetically."""
    kinds = df.groupby("method")["kind"].first()
    return sorted(kinds.index, key=lambda m: (kinds[m] != "heuristic", m))


def gap_table(df: pd.DataFrame, by: tuple[str, ...] = ("group_name",)) -> pd.DataFrame:
    """Per ``by`` and method: instances, errors, instances with a proven optimum, mean / max gap
    (``upper``: some gaps are against a bound), share optimal, mean wall time.

    ``share_optimal``: for exact methods the share of instances they proved optimal; for
    heuristics the share of instances with a proven optimum where they reach it.  Rows of
    bound-only methods (status ``bound``) are left out: see :func:`bound_table`."""
    rows = []
    df = df[df["status"] != Status.BOUND]
    order = {m: k for k, m in enumerate(method_order(df))}
    for keys, g in df.groupby([*by, "method"], sort=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        kind = g["kind"].iloc[0]
        gaps = g["gap"].dropna()
        proven = g[g["proven"].fillna(False).astype(bool)]
        if kind == "exact":
            share = (g["status"] == Status.OPTIMAL).mean()
        else:
            share = proven["at_optimum"].mean() if len(proven) else math.nan
        rows.append({**dict(zip([*by, "method"], keys)), "kind": kind, "instances": g["key"].nunique(),
                     "errors": int((g["status"] == Status.ERROR).sum()), "proven": int(len(proven)),
                     "mean_gap": gaps.mean() if len(gaps) else math.nan,
                     "max_gap": gaps.max() if len(gaps) else math.nan,
                     "upper": bool(g.loc[gaps.index, "gap_upper"].any()), "share_optimal": share,
                     "mean_time": g["wall_time"].mean(), "order": order[keys[-1]]})
    cols = [*by, "method", "kind", "instances", "errors", "proven", "mean_gap", "max_gap", "upper", "share_optimal",
            "mean_time"]
    table = pd.DataFrame(rows, columns=[*cols, "order"])
    return table.sort_values([*by, "order"], kind="stable").drop(columns="order").reset_index(drop=True)


def bound_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per exact method, the quality of its lower bounds: (reference - bound) / reference, where the
    reference is the proven optimum, else the best makespan found (``upper``: then only an upper limit)."""
    rows = []
    has = df[(df["kind"] == "exact") & df["bound"].notna() & (df["status"] != Status.ERROR)]
    for method, g in has.groupby("method", sort=True):
        proven = g["proven"].fillna(False).astype(bool)
        ref = g["optimum"].where(proven, g["key"].map(df.groupby("key")["makespan"].min()))
        gap = ((ref - g["bound"]) / ref).where(ref > 0).dropna()
        rows.append({"method": method, "instances": g["key"].nunique(), "bound_only": bool((g["status"] == Status.BOUND)
                     .all()), "mean_gap": gap.mean() if len(gap) else math.nan,
                     "max_gap": gap.max() if len(gap) else math.nan, "upper": bool((~proven[gap.index]).any()),
                     "tight": int((gap <= 1e-9).sum()), "mean_time": g["wall_time"].mean()})
    return pd.DataFrame(rows, columns=["method", "instances", "bound_only", "mean_gap", "max_gap", "upper", "tight",
                                       "mean_time"])
