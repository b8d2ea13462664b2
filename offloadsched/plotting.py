"""Gantt charts of timed schedules with matplotlib (lanes: local, uplink, remote)."""

from __future__ import annotations

import numpy as np

from .schedule import Timing


def gantt(timing: Timing, *, problem=None, ax=None, title: str | None = None, labels: bool | None = None,
          unit: str = "ms", cmap: str = "tab20"):
    """Draw ``timing`` as a Gantt chart and return the matplotlib Axes.

    One lane per resource (``remote`` too when the remote model is ``parallel``: operations
    that need no machine are drawn on it and may overlap); colours by job.  ``labels`` writes
    item names in the bars (default: when there are at most 60 operations).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 2.6))
    scale = {"us": 1.0, "ms": 1e-3, "s": 1e-6}[unit]
    lanes = list(timing.resources)
    resource = np.array([r if r else "remote" for r in timing.resource.astype(str)], dtype=object)
    if "remote" in set(resource) and "remote" not in lanes:
        lanes.append("remote")
    if problem is not None and getattr(problem, "type", "") == "dag":
        job = np.asarray(problem.job)[timing.item]
        names = problem.names
    else:
        job = timing.item
        names = getattr(problem, "jobs", None)
    colors = plt.get_cmap(cmap)
    if labels is None:
        labels = len(timing) <= 60
    start, dur = timing.start * scale, (timing.end - timing.start) * scale
    for y, lane in enumerate(lanes):
        idx = np.flatnonzero(resource == lane)
        idx = idx[dur[idx] > 0]
        for jb in np.unique(job[idx]):
            sel = idx[job[idx] == jb]
            ax.broken_barh(list(zip(start[sel], dur[sel])), (y - 0.4, 0.8), facecolors=colors(int(jb) % 20),
                           edgecolor="black", linewidth=0.4)
        if labels:
            for k in idx:
                text = names[timing.item[k]] if names is not None else str(timing.item[k])
                ax.text(start[k] + dur[k] / 2, y, text.split("/")[-1], ha="center", va="center", fontsize=7,
                        clip_on=True)
    ax.set_yticks(range(len(lanes)), lanes)
    ax.invert_yaxis()
    ax.set_xlabel(f"time ({unit})")
    ax.set_xlim(0, max(timing.makespan * scale, 1e-9) * 1.02)
    if title:
        ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return ax


def save_gantt(timing: Timing, path, *, problem=None, title: str | None = None) -> None:
    """Write a Gantt chart PNG to ``path`` (atomically)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .atomic import atomic_write

    ax = gantt(timing, problem=problem, title=title)
    fig = ax.figure
    fig.tight_layout()
    with atomic_write(path, binary=True) as fh:
        fig.savefig(fh, format="png", dpi=120)
    plt.close(fig)
