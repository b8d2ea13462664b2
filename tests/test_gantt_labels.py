"""Gantt labels: a name is drawn only where it fits its bar, and no two drawn names overlap."""

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from offloadsched import JointProblem, solve  # noqa: E402
from offloadsched.instances.platforms import make_platform  # noqa: E402
from offloadsched.instances.zoo import googlenet  # noqa: E402
from offloadsched.plotting import BarLabels  # noqa: E402


@pytest.fixture(scope="module")
def googlenet_result():
    problem = JointProblem([googlenet(), googlenet()], make_platform("rpi4", "gtx1080", "wifi"))
    return solve(problem, "jps")


def _labels(ax):
    found = [a for a in ax.get_children() if isinstance(a, BarLabels)]
    assert len(found) == 1
    return found[0]


def test_googlenet_labels_fit_and_do_not_overlap(googlenet_result, tmp_path):
    ax = googlenet_result.plot()
    fig = ax.figure
    fig.tight_layout()
    fig.savefig(tmp_path / "googlenet.png", dpi=120)
    labels = _labels(ax)
    local = [b for b in labels.bars if b[2] == 0.0]
    assert len(local) >= 10  # the local lane holds many short layers
    assert 0 < len(labels.drawn) < len(labels.bars)  # some names fit, the crowded ones are skipped
    for name, box, bar in labels.drawn:
        assert bar.x0 <= box.x0 and box.x1 <= bar.x1 and bar.y0 <= box.y0 and box.y1 <= bar.y1, name
    for (n1, b1, _), (n2, b2, _) in itertools.combinations(labels.drawn, 2):
        assert not b1.overlaps(b2), (n1, n2)
    plt.close(fig)


def test_labels_follow_the_zoom(googlenet_result):
    """Narrowing the view widens the bars: more names fit than on the full chart."""
    ax = googlenet_result.plot()
    fig = ax.figure
    fig.canvas.draw()
    labels = _labels(ax)
    full = list(labels.drawn)
    shown = {name for name, _, _ in full}
    x0, x1, _, _ = max((b for b in labels.bars if b[3] not in shown), key=lambda b: b[1] - b[0])
    ax.set_xlim(x0 - (x1 - x0), x1 + (x1 - x0))  # the longest bar without a name, at a third of the view
    fig.canvas.draw()
    zoomed = _labels(ax).drawn
    assert all(box.x1 <= ax.get_window_extent().x1 for _, box, _ in zoomed)
    assert {name for name, _, _ in zoomed} - {name for name, _, _ in full}  # a name that only fits zoomed in
    plt.close(fig)
