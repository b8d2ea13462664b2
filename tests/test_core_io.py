"""Files: JSON round trips with a schema version, Taillard text, atomic writes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from offloadsched import (
    DNN,
    DagProblem,
    FmProblem,
    J2Problem,
    JointProblem,
    Layer,
    Platform,
    ValidationError,
    load,
    save,
    solve,
)
from offloadsched.atomic import atomic_write
from offloadsched.io import format_taillard, parse_taillard, to_dict

TAILLARD = """number of jobs, number of machines, initial seed, upper bound and lower bound :
           3           2   873654221          10           9
processing times :
  1  2  3
  4  5  6
number of jobs, number of machines, initial seed, upper bound and lower bound :
           2           3           7          11          11
processing times :
 1 2
 3 4
 5 6
"""


def small_dnn() -> DNN:
    layers = [Layer("x", "input", 0, 600), Layer("a", "conv", 2e6, 400, {"kernel": 3}),
              Layer("b", "conv", 1e6, 200), Layer("y", "linear", 5e5, 40)]
    return DNN("small", layers, [("x", "a"), ("x", "b"), ("a", "y"), ("b", "y")])


@pytest.mark.parametrize("obj", [
    J2Problem([1, 2, 3], [3, 2, 1], name="j"),
    FmProblem([[1, 2, 3], [4, 5, 6]], machines=("local", "uplink", "remote")),
    DagProblem(f=[1, 2, 0], u=[3, 4, 0], r=[0, 0, 5], local=[1, 1, 0], preds=[[], [0], [1]], remote_model="serial",
               names=["a", "b", "c"]),
])
def test_problem_round_trip(tmp_path, obj):
    path = tmp_path / "p.json"
    save(obj, path)
    back = load(path)
    assert to_dict(back) == to_dict(obj)
    data = json.loads(path.read_text())
    assert data["schema_version"] == 2 and data["format"] == "offloadsched"


def test_dnn_and_joint_round_trip(tmp_path):
    d = small_dnn()
    save(d, tmp_path / "d.json")
    back = load(tmp_path / "d.json")
    assert back.names == d.names and back.edges == d.edges and back["a"].attrs == {"kernel": 3}
    jp = JointProblem([d, d], Platform(1e9, 1e11, 1e7, 0.001, "p"), remote_model="parallel")
    save(jp, tmp_path / "j.json")
    jb = load(tmp_path / "j.json")
    assert len(jb.jobs) == 2 and jb.remote_model == "parallel" and jb.platform == jp.platform
    assert [t[0].tolist() for t in jb.times] == [t[0].tolist() for t in jp.times]


def test_result_file_has_required_keys(tmp_path):
    res = solve(J2Problem([1, 2], [2, 1]), "bruteforce")
    save(res, tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert {"method", "status", "makespan", "bound", "wall_time_s", "schedule"} <= set(data)
    assert data["makespan"] == 4 and data["schedule"] == {"local": [0, 1], "uplink": [0, 1]}


def test_taillard_parsing(tmp_path):
    probs = parse_taillard(TAILLARD)
    assert len(probs) == 2
    assert probs[0].times.tolist() == [[1, 4], [2, 5], [3, 6]]
    assert probs[0].info == {"seed": 873654221, "upper_bound": 10, "lower_bound": 9}
    assert probs[1].times.shape == (2, 3)
    f = tmp_path / "ta.txt"
    f.write_text(TAILLARD)
    assert load(f, instance=2).times.tolist() == probs[1].times.tolist()
    with pytest.raises(ValidationError, match="--instance"):
        load(f)
    with pytest.raises(ValidationError, match="out of range"):
        load(f, instance=3)
    assert parse_taillard(format_taillard(probs[1]))[0].times.tolist() == probs[1].times.tolist()


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError):
        with atomic_write(target) as fh:
            fh.write("{half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_truncated_and_invalid_files(tmp_path):
    f = tmp_path / "t.json"
    save(J2Problem([1, 2], [3, 4]), f)
    f.write_text(f.read_text()[:40])
    with pytest.raises(ValidationError, match="not valid JSON"):
        load(f)
    f.write_text(json.dumps({"type": "j2", "a": [1, 2]}))
    with pytest.raises(ValidationError, match="missing field 'b'"):
        load(f)
    f.write_text(json.dumps({"type": "dnn", "name": "d", "layers": [
        {"name": "x", "flops": 0, "out_bytes": 4}, {"name": "conv3", "flops": -5, "out_bytes": 4, "preds": ["x"]}]}))
    with pytest.raises(ValidationError, match=r"layers\[1\]\.flops: must be >= 0, got -5 \(layer 'conv3'\)"):
        load(f)
    f.write_text(json.dumps({"type": "dag", "nodes": [{"name": "a", "f": 1, "preds": ["b"]},
                                                      {"name": "b", "f": 1, "preds": ["a"]}]}))
    with pytest.raises(ValidationError, match="cycle"):
        load(f)
    f.write_text(json.dumps({"type": "fm", "times": [[1, 2], [3, float("nan")]]}).replace("NaN", "NaN"))
    with pytest.raises(ValidationError, match=r"times\[1\]\[1\]: expected an integer, got NaN"):
        load(f)
    f.write_text(json.dumps({"type": "j2", "schema_version": 99, "a": [], "b": []}))
    with pytest.raises(ValidationError, match="schema_version"):
        load(f)
    with pytest.raises(ValidationError, match="no such file"):
        load(tmp_path / "missing.json")


def test_platform_times_are_rounded_once():
    d = small_dnn()
    p = Platform(r_loc=3e9, r_rem=1e12, bandwidth=8e6, w_msg=0.0005)
    assert p.local_times(d).tolist() == [0, 667, 333, 167]
    assert p.upload_times(d).tolist() == [1100, 900, 700, 540]
    assert p.local_times(d).dtype == np.int64


def test_jsonable_one_rule():
    import json
    import math

    import numpy as np

    from offloadsched.jsonable import jsonable

    value = {1: (np.int64(3), np.float32(0.5)), "a": [math.nan, math.inf, -math.inf], "arr": np.arange(3),
             "none": None, "flag": np.bool_(True), "obj": frozenset()}
    out = jsonable(value)
    assert out == {"1": [3, 0.5], "a": [None, "inf", "-inf"], "arr": [0, 1, 2], "none": None, "flag": True,
                   "obj": "frozenset()"}
    assert json.loads(json.dumps(out, allow_nan=False)) == out
