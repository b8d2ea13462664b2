"""Gantt charts of timed schedules with matplotlib (lanes: local, uplink, remote).

Above :data:`MAX_GANTT_BARS` operations a chart is aggregated: each lane shows its busy periods
(operations closer than 1/:data:`AGGREGATE_BINS` of the makespan merged into one grey bar), without
names or per-job colours, and the title says so; drawing stays well under a second at 10^5 jobs.
"""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from .schedule import Timing

#: Most operations drawn one bar each; above, the chart shows each lane's busy periods (aggregated).
MAX_GANTT_BARS = 5000
#: Resolution of an aggregated chart: gaps shorter than makespan / AGGREGATE_BINS are merged.
AGGREGATE_BINS = 2000


def gantt(timing: Timing, *, problem=None, ax=None, title: str | None = None, labels: bool | None = None,
          unit: str = "ms", cmap: str = "tab20"):
    """Draw ``timing`` as a Gantt chart and return the matplotlib Axes.

    One lane per resource (``remote`` too when the remote model is ``parallel``: operations
    that need no machine are drawn on it and may overlap); colours by job.  ``labels`` writes
    item names in the bars (default: when there are at most 500 operations); a name is drawn only
    where it fits inside its bar and overlaps no other drawn name, measured in display
    coordinates each time the figure is drawn (so zooming or resizing re-decides), see
    :class:`BarLabels`.  Above :data:`MAX_GANTT_BARS` operations each lane shows its busy periods
    instead (see the module's docstring).
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
        labels = len(timing) <= 500
    start, dur = timing.start * scale, (timing.end - timing.start) * scale
    bars: list[tuple[float, float, float, str]] = []
    aggregate = len(timing) > MAX_GANTT_BARS
    if aggregate:
        labels = False
        title = f"{title + ' - ' if title else ''}{len(timing)} operations: busy periods"
    for y, lane in enumerate(lanes):
        idx = np.flatnonzero(resource == lane)
        idx = idx[dur[idx] > 0]
        if aggregate:
            ax.broken_barh(busy_periods(start[idx], start[idx] + dur[idx], timing.makespan * scale / AGGREGATE_BINS),
                           (y - 0.4, 0.8), facecolors="0.55", edgecolor="none")
            continue
        for jb in np.unique(job[idx]):
            sel = idx[job[idx] == jb]
            ax.broken_barh(list(zip(start[sel], dur[sel])), (y - 0.4, 0.8), facecolors=colors(int(jb) % 20),
                           edgecolor="black", linewidth=0.4)
        if labels:
            for k in idx:
                text = names[timing.item[k]] if names is not None else str(timing.item[k])
                bars.append((float(start[k]), float(start[k] + dur[k]), float(y), text.split("/")[-1]))
    if bars:
        ax.add_artist(BarLabels(bars))
    ax.set_yticks(range(len(lanes)), lanes)
    ax.invert_yaxis()
    ax.set_xlabel(f"time ({unit})")
    ax.set_xlim(0, max(timing.makespan * scale, 1e-9) * 1.02)
    if title:
        ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return ax


def busy_periods(start: np.ndarray, end: np.ndarray, gap: float) -> list[tuple[float, float]]:
    """The union of the intervals ``[start, end)`` as ``(start, width)`` pairs, merging intervals
    separated by less than ``gap``; O(k log k)."""
    if not len(start):
        return []
    order = np.argsort(start, kind="stable")
    s, e = start[order], np.maximum.accumulate(end[order])
    new = np.ones(len(s), dtype=bool)
    new[1:] = s[1:] > e[:-1] + gap  # a period starts where an operation begins after the gap
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, len(s) - 1)
    return list(zip(s[first].tolist(), (e[last] - s[first]).tolist()))


class BarLabels(Artist):
    """Names drawn centred in their bars, only those that fit and overlap no other.

    ``bars`` holds ``(x0, x1, y, name)`` in data coordinates (bar height 0.8 around ``y``).
    At each draw the name's extent is measured with the renderer; it is drawn when it lies
    inside its bar (``pad`` pixels each side), inside the axes and clear of the names already
    drawn.  ``drawn`` keeps ``(name, text_bbox, bar_bbox)`` of the last draw, in pixels.
    O(b log b + b d) per draw for b bars and d drawn names of one lane.
    """

    zorder = 3

    def __init__(self, bars, *, fontsize: float = 7, pad: float = 1.5, height: float = 0.8) -> None:
        super().__init__()
        self.bars = sorted(bars, key=lambda b: (b[2], b[0]))
        self.fontsize, self.pad, self.height = fontsize, pad, height
        self.drawn: list[tuple[str, Bbox, Bbox]] = []

    def draw(self, renderer) -> None:
        self.drawn = []
        if not self.get_visible() or self.axes is None:
            return
        ax = self.axes
        view = ax.get_window_extent(renderer)
        text = Text(0, 0, "", ha="center", va="center", fontsize=self.fontsize)
        text.set_figure(ax.figure)
        text.set_transform(ax.transData)
        lane_boxes: dict[float, list[Bbox]] = {}
        for x0, x1, y, name in self.bars:
            corners = ax.transData.transform([(x0, y - self.height / 2), (x1, y + self.height / 2)])
            bar = Bbox.from_extents(corners[:, 0].min(), corners[:, 1].min(),
                                    corners[:, 0].max(), corners[:, 1].max())
            if bar.width < 2 * self.pad + 1:
                continue
            text.set_text(name)
            text.set_position(((x0 + x1) / 2, y))
            box = text.get_window_extent(renderer)
            fits = (box.x0 >= bar.x0 + self.pad and box.x1 <= bar.x1 - self.pad
                    and box.y0 >= bar.y0 and box.y1 <= bar.y1
                    and box.x0 >= view.x0 and box.x1 <= view.x1)
            placed = lane_boxes.setdefault(y, [])
            if not fits or any(box.overlaps(other) for other in placed):
                continue
            text.draw(renderer)
            placed.append(box)
            self.drawn.append((name, box, bar))


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
