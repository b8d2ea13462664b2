"""The report's figures (matplotlib, Agg): gaps per method, makespan against bandwidth (seed 001
Fig. 17), makespan against the number of jobs (seed 001 Fig. 15), solve time against size, and
Gantt charts of each heuristic's worst-gap instance beside the optimum, re-evaluated from the
stored schedules.

References (docs/REFERENCES.md): [Seed001], [Seed003]."""

from __future__ import annotations

import io
import json
import math
import re

import numpy as np
import pandas as pd

from ..vocab import Status
from .render import Figure

MAX_PANELS = 9


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def FuncFormatter(fn):  # noqa: N802  (matplotlib's class, imported lazily)
    from matplotlib.ticker import FuncFormatter as Formatter

    return Formatter(fn)


def _png(fig, tight: bool = True) -> bytes:
    buf = io.BytesIO()
    if tight:
        fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110)
    _plt().close(fig)
    return buf.getvalue()


def _panels(n: int, width: float = 4.2, height: float = 3.2):
    plt = _plt()
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def _style(methods: list[str]) -> dict[str, dict]:
    plt = _plt()
    cmap = plt.get_cmap("tab10" if len(methods) <= 10 else "tab20")
    markers = "osD^v<>pPX*h"
    return {m: {"color": cmap(k % cmap.N), "marker": markers[k % len(markers)]} for k, m in enumerate(methods)}


# -- gaps -----------------------------------------------------------------------------------------------
def gap_figure(df: pd.DataFrame) -> Figure | None:
    """Each heuristic's gaps over the instances (dots; hollow: an upper limit against a bound) and mean (bar)."""
    heur = df[(df["kind"] == "heuristic") & df["gap"].notna()]
    if heur.empty:
        return None
    types = sorted(heur["problem_type"].dropna().unique())
    fig, axes = _panels(len(types), width=5.5, height=0.5 + 0.42 * heur.groupby("problem_type")["method"].nunique()
                        .max() + 1.2)
    rng = np.random.default_rng(0)
    for ax, ptype in zip(axes, types):
        sub = heur[heur["problem_type"] == ptype]
        methods = sorted(sub["method"].unique())
        for y, m in enumerate(methods):
            g = sub[sub["method"] == m]
            gaps = 100 * g["gap"].to_numpy()
            jitter = y + rng.uniform(-0.18, 0.18, len(gaps))
            upper = g["gap_upper"].to_numpy(bool)
            ax.barh(y, gaps.mean(), color="#cfe0f3", edgecolor="#5b8fc7", height=0.6)
            ax.scatter(gaps[~upper], jitter[~upper], s=12, color="#1f4e8c", zorder=3)
            ax.scatter(gaps[upper], jitter[upper], s=14, facecolors="none", edgecolors="#c0392b", zorder=3)
        ax.set_yticks(range(len(methods)), methods)
        ax.set_xlim(min(0.0, 100 * sub["gap"].min()), max(1.0, 105 * sub["gap"].max()))
        if sub["gap"].max() > 1:  # gaps beyond 100 %: linear up to 10 %, logarithmic beyond
            ax.set_xscale("symlog", linthresh=10)
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.invert_yaxis()
        ax.set_xlabel("gap to the optimum (%)")
        ax.set_title(f"{ptype} instances")
        ax.grid(axis="x", alpha=0.3)
    return Figure("gaps", _png(fig), "Gap of each heuristic per instance (dots; hollow red: only an upper limit "
                  "against the best bound) and its mean (bar).")


# -- series against a parameter ----------------------------------------------------------------------
def _series(df: pd.DataFrame, refs: pd.DataFrame, x: str, keys: tuple[str, ...]) -> list[tuple[tuple, pd.DataFrame]]:
    """Joint instances grouped by ``keys`` (attributes) in which attribute ``x`` takes >= 2 values."""
    joint = df[(df["problem_type"] == "joint") & df["makespan"].notna()].copy()
    if joint.empty:
        return []
    for k in (x, *keys):
        if k not in joint.columns:
            joint[k] = joint["attrs_d"].map(lambda a, k=k: a.get(k))
    joint = joint[joint[x].notna()]
    out = []
    for key, g in joint.groupby(list(keys), sort=False, dropna=False):
        if g[x].nunique() >= 2:
            out.append((key, g))
    out.sort(key=lambda kg: -kg[1][x].nunique())
    return sorted(out[:MAX_PANELS], key=lambda kg: [(0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v))
                                                    for v in kg[0]])


def _series_figure(df: pd.DataFrame, refs: pd.DataFrame, x: str, keys: tuple[str, ...], xlabel: str,
                   logx: bool) -> tuple | None:
    series = _series(df, refs, x, keys)
    if not series:
        return None
    methods = sorted({m for _, g in series for m in g["method"].unique()})
    style = _style(methods)
    fig, axes = _panels(len(series))
    for ax, (key, g) in zip(axes, series):
        for m, gm in g.groupby("method"):
            if (gm["status"] == Status.BOUND).all():  # a bound-only method: its bound, dotted
                pts = gm.groupby(x)["bound"].mean().sort_index()
                ax.plot(pts.index, pts.to_numpy() / 1e3, label=f"{m} (bound)", linewidth=1, linestyle=":",
                        markersize=3, **style[m])
                continue
            pts = gm.groupby(x)["makespan"].mean().sort_index()
            ax.plot(pts.index, pts.to_numpy() / 1e3, label=m, linewidth=1.2, markersize=4, **style[m])
        ref = refs.loc[g["key"].unique()].copy()
        ref[x] = g.groupby("key")[x].first().reindex(ref.index)
        opt = ref[ref["proven"]].groupby(x)["optimum"].mean().sort_index()
        if len(opt):
            ax.plot(opt.index, opt.to_numpy() / 1e3, "k--", linewidth=1.5, label="optimum (proven)", zorder=5)
        bnd = ref[~ref["proven"] & (ref["bound"] > 0)].groupby(x)["bound"].mean().sort_index()
        if len(bnd):
            ax.plot(bnd.index, bnd.to_numpy() / 1e3, "k:", marker="^", markersize=4, label="best bound")
        if logx:
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xlabel(xlabel)
        ax.set_ylabel("makespan (ms)")
        ax.set_title(title(dict(zip(keys, key))), fontsize=9)
        ax.grid(alpha=0.3)
    _legend(fig, axes)
    return fig


def _legend(fig, axes) -> None:
    """One legend below the panels for every line drawn."""
    handles: dict = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    rows = math.ceil(len(handles) / 6)
    fig.tight_layout(rect=(0, min(0.4, (0.35 + 0.25 * rows) / fig.get_figheight()), 1, 1))
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=min(len(handles), 6), fontsize=8)


def title(key: dict) -> str:
    """A panel title: ``group: model, 4 jobs, 5.85 Mbit/s``."""
    parts = [str(key["model"])] if key.get("model") else []
    if key.get("jobs") is not None:
        parts.append(f"{key['jobs']} job{'s' if key['jobs'] != 1 else ''}")
    if key.get("bandwidth_mbps") is not None:
        parts.append(f"{key['bandwidth_mbps']:g} Mbit/s")
    return f"{key.get('group_name', '')}: {', '.join(parts)}"


def bandwidth_figure(df: pd.DataFrame, refs: pd.DataFrame) -> Figure | None:
    """Makespan against uplink bandwidth per model and job count (seed 001 Fig. 17)."""
    fig = _series_figure(df, refs, "bandwidth_mbps", ("group_name", "model", "jobs"), "bandwidth (Mbit/s)", True)
    if fig is None:
        return None
    return Figure("bandwidth", _png(fig, tight=False), "Makespan against uplink bandwidth (cf. seed 001 Fig. 17); "
                  "panels: group, model, number of jobs.")


def jobs_figure(df: pd.DataFrame, refs: pd.DataFrame) -> Figure | None:
    """Makespan against the number of jobs per model and bandwidth, with the optimum (seed 001 Fig. 15)."""
    fig = _series_figure(df, refs, "jobs", ("group_name", "model", "bandwidth_mbps"), "number of jobs", False)
    if fig is None:
        return None
    return Figure("jobs", _png(fig, tight=False), "Makespan against the number of jobs, heuristics and the proven "
                  "optimum (cf. seed 001 Fig. 15, JPS against brute force); panels: group, model, Mbit/s.")


# -- solve time ----------------------------------------------------------------------------------------
def time_figure(df: pd.DataFrame) -> Figure | None:
    """Wall time against instance size on log axes, per method (hollow: not proven optimal by an exact method)."""
    data = df[df["wall_time"].notna() & df["size"].notna() & (df["status"] != Status.ERROR)]
    if data.empty or data["size"].nunique() < 2:
        return None
    types = sorted(data["problem_type"].dropna().unique())
    methods = sorted(data["method"].unique())
    style = _style(methods)
    fig, axes = _panels(len(types), width=5.0, height=3.8)
    for ax, ptype in zip(axes, types):
        sub = data[data["problem_type"] == ptype]
        for m, g in sub.groupby("method"):
            pts = g.groupby("size")["wall_time"].median().sort_index()
            st = style[m]
            ax.plot(pts.index, np.maximum(pts.to_numpy(), 1e-5), color=st["color"], linewidth=1, label=m)
            hollow = (g["kind"] == "exact") & (g["status"] != Status.OPTIMAL)
            ax.scatter(g.loc[~hollow, "size"], np.maximum(g.loc[~hollow, "wall_time"], 1e-5), s=14,
                       marker=st["marker"], color=st["color"])
            ax.scatter(g.loc[hollow, "size"], np.maximum(g.loc[hollow, "wall_time"], 1e-5), s=18,
                       marker=st["marker"], facecolors="none", edgecolors=st["color"])
        ax.set_xscale("log")
        ax.set_yscale("log")
        sizes = sorted(sub["size"].unique())
        if len(sizes) <= 12:
            ax.set_xticks(sizes, [f"{v:g}" for v in sizes])
            ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        ax.set_xlabel("instance size (jobs, or nodes)")
        ax.set_ylabel("wall time (s)")
        ax.set_title(f"{ptype} instances")
        ax.grid(alpha=0.3)
    _legend(fig, axes)
    return Figure("solve_time", _png(fig, tight=False), "Solve time against instance size (median line; hollow "
                  "markers: an exact method that did not prove optimality within its time limit).")


# -- Gantt charts ---------------------------------------------------------------------------------------
class NotReplayable(Exception):
    """A stored row whose scheduled problem cannot be rebuilt from what the row holds."""


def replay(row: pd.Series):
    """Rebuild a stored row's instance and re-evaluate its stored schedule with the core evaluator
    (without overlap for a method that scores so, e.g. DSL).

    Returns ``(problem, timing, same_instance)``: the scheduled problem (for joint methods the
    DAG of the stored partitions, on the DNNs the method scheduled: see :func:`scheduled_jobs`),
    the timed schedule, and whether the rebuilt instance has the stored hash.  Raises
    :class:`NotReplayable` for a row whose scheduled problem cannot be rebuilt (a task row
    without an instance family, a DNN of the method's own that its info does not describe)."""
    from ..bench.runner import build_instance, problem_digest
    from ..evaluate import evaluate
    from ..partition import Partition
    from ..problems import JointProblem
    from ..schedule import Schedule
    from .gaps import _json

    if str(row["family"]).startswith("task:"):
        raise NotReplayable("a task's row that names no instance family to rebuild it")
    built = build_instance(row["family"], json.loads(row["params"]), int(row["seed"]))
    stored = json.loads(row["schedule"])
    problem = built.problem
    if stored.get("partitions") is not None:
        info = row["info"] if isinstance(row["info"], dict) else _json(row["info"])
        jobs = scheduled_jobs(problem.jobs, info, row["method"])
        parts = []
        for dnn, local in zip(jobs, stored["partitions"]):
            if local and max(local) >= len(dnn):
                raise NotReplayable(f"{row['method']} partitioned a DNN larger than the instance's {dnn.name!r}")
            mask = np.zeros(len(dnn), dtype=bool)
            mask[local] = True
            parts.append(Partition(dnn, mask))
        if any(a is not b for a, b in zip(jobs, problem.jobs)):
            problem = JointProblem(jobs, problem.platform, remote_model=problem.remote_model, name=problem.name,
                                   release=problem.release)
        problem = problem.dag(parts)
    timing = evaluate(problem, Schedule.from_dict(stored["schedule"]), overlap=stored.get("overlap", True))
    return problem, timing, problem_digest(built.problem) == row["problem_hash"]


def scheduled_jobs(jobs, info: dict, method: str) -> list:
    """The DNNs a joint method scheduled: the instance's ``jobs``, or for a method that converts its one
    DNN (seed 003's fused-layer methods: ``info["dnn"]`` names the conversion, ``tau`` and ``rows`` /
    ``cols`` or a ``k x k`` ``tiles`` label describe it) the conversion rebuilt by
    :func:`offloadsched.instances.fused.fuse_layers`.  :class:`NotReplayable` when ``info`` names another DNN
    that it does not describe."""
    name = info.get("dnn")
    if not name or name in {d.name for d in jobs}:
        return list(jobs)
    square = re.fullmatch(r"(\d+)x(\d+)", str(info.get("tiles", "")))
    tiles = ({"rows": info["rows"], "cols": info["cols"]} if "rows" in info and "cols" in info
             else (int(square[1]), int(square[2])) if square else None)
    if len(jobs) == 1 and "tau" in info and tiles is not None:
        from offloadsched.instances.fused import fuse_layers

        fused = fuse_layers(jobs[0], int(info["tau"]), tiles)
        if fused.name == name:
            return [fused]
    raise NotReplayable(f"{method} scheduled {name!r}, a problem of its own that the stored row does not rebuild")


def gantt_figures(df: pd.DataFrame, refs: pd.DataFrame, notes: list[str]) -> list[Figure]:
    """Per heuristic, its worst-gap instance: its schedule above an optimal (or best exact) one."""
    from ..plotting import gantt

    figs = []
    heur = df[(df["kind"] == "heuristic") & df["gap"].notna() & df["schedule"].notna()]
    for method, g in sorted(heur.groupby("method"), key=lambda mg: mg[0]):
        g = g.sort_values(["gap_upper", "gap"], ascending=[True, False])
        worst = g.iloc[0]
        if worst["gap"] <= 0:
            continue
        exact = df[(df["key"] == worst["key"]) & (df["kind"] == "exact") & df["schedule"].notna()
                   & (df["status"] != Status.ERROR)].sort_values("makespan")
        shown = [worst] + ([exact.iloc[0]] if len(exact) else [])
        plt = _plt()
        fig, axes = plt.subplots(len(shown), 1, figsize=(11, 2.3 * len(shown) + 0.4), squeeze=False)
        try:
            for ax, row in zip(axes.flat, shown):
                problem, timing, same = replay(row)
                if timing.makespan != row["makespan"]:
                    notes.append(f"{row['method']} on {row['instance']}: stored makespan {row['makespan']:g}, "
                                 f"re-evaluated {timing.makespan}")
                if not same:
                    notes.append(f"{row['instance']}: the instance rebuilt today differs from the one solved")
                gantt(timing, problem=problem, ax=ax, title=f"{row['method']} ({row['status']}): makespan "
                      f"{timing.makespan / 1e3:,.3f} ms" if row["problem_type"] == "joint" else
                      f"{row['method']} ({row['status']}): makespan {timing.makespan}",
                      unit="ms" if row["problem_type"] == "joint" else "us")
            xmax = max(ax.get_xlim()[1] for ax in axes.flat)
            for ax in axes.flat:
                ax.set_xlim(0, xmax)
        except NotReplayable as exc:
            plt.close(fig)
            notes.append(f"Gantt of {method} on {worst['instance']} skipped: {exc}")
            continue
        except Exception as exc:  # a schedule that no longer replays is reported, not fatal
            plt.close(fig)
            notes.append(f"Gantt of {method} on {worst['instance']} not drawn: {type(exc).__name__}: {exc}")
            continue
        gap = f"{'≤ ' if worst['gap_upper'] else ''}{100 * worst['gap']:.2f} %"
        seed = f", seed {worst['seed']}" if worst["seed"] else ""
        figs.append(Figure(f"gantt_{_slug(method)}", _png(fig), f"{method}: worst gap {gap} on "
                           f"{worst['instance']}{seed}, above the best exact schedule."))
    return figs


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)
