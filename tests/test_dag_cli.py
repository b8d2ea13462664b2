"""``offloadsched dag``: problem D of a joint problem and the partitions of a method, of a result
file or given by hand, for DAG methods; bad inputs exit 2 with one line naming the item."""

from __future__ import annotations

import json

import pytest

from offloadsched import JointProblem, identical_jobs, load, save, solve
from offloadsched.cli import main
from offloadsched.instances import get_model
from offloadsched.instances.platforms import make_platform
from offloadsched.io import to_dict


@pytest.fixture
def joint(tmp_path):
    jp = JointProblem(identical_jobs(get_model("googlenet"), 2), make_platform("rpi4", "gtx1080", "4g"),
                      remote_model="serial")
    path = tmp_path / "joint.json"
    save(jp, path)
    return load(path), path


def test_dag_from_a_method_a_result_file_and_by_hand(joint, tmp_path, capsys):
    jp, path = joint
    out = tmp_path / "d.json"
    assert main(["dag", str(path), "--partitions-from", "hps", "-o", str(out)]) == 0
    hps = solve(jp, "hps")
    assert to_dict(load(out)) == to_dict(hps.problem)
    assert solve(load(out), "sidney").makespan == solve(hps.problem, "sidney").makespan
    result = tmp_path / "r.json"
    assert main(["solve", str(path), "-m", "jps", "--json", str(result)]) == 0
    assert main(["dag", str(path), "--partition", str(result), "-o", str(out)]) == 0
    assert to_dict(load(out)) == to_dict(solve(jp, "jps").problem)
    layers = tmp_path / "local.json"
    layers.write_text(json.dumps([["input", "conv1"], [0]]))
    assert main(["dag", str(path), "--local", str(layers), "-o", str(out)]) == 0
    d = load(out)
    assert d.remote_model == "serial" and list(d.names[: 2]) == ["googlenet#0/input", "googlenet#0/conv1"]
    assert d.local.sum() == 3 and "problem D of 2 jobs" in capsys.readouterr().out


@pytest.mark.parametrize("argv, local, message", [
    (["--local", "{local}"], [[0, 2], [0]], "job 0 ('googlenet#0'): partition of 'googlenet' is not predecessor"),
    (["--local", "{local}"], [[0], [0, 999]], "job 1 ('googlenet#1'): DNN 'googlenet': layer index 999 out of range"),
    (["--local", "{local}"], [[0]], "1 partitions for 2 jobs"),
    (["--local", "{local}"], [[1], [0]], "must contain the input layer 'input'"),
    (["--local", "{local}"], [[0, True], [0]], "local layer True is neither an index nor a name"),
    (["--local", "{local}"], {"a": 1}, "expected a list of per-job local layer lists"),
    (["--partitions-from", "sidney"], None, "method 'sidney' takes dag problems, not joint ones"),
    (["--partitions-from", "nope"], None, "unknown method"),
    (["--partition", "{local}"], [[0], [0]], "not a result file"),
    (["--local", "{local}", "--time-limit", "1"], [[0], [0]], "apply only to --partitions-from"),
])
def test_dag_refuses_bad_partitions(joint, tmp_path, capsys, argv, local, message):
    _, path = joint
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(local))
    out = tmp_path / "d.json"
    code = main(["dag", str(path), *[a.format(local=spec) for a in argv], "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert not out.exists()


def test_dag_needs_a_joint_problem(joint, tmp_path, capsys):
    jp, path = joint
    d = tmp_path / "d.json"
    save(solve(jp, "lo").problem, d)
    assert main(["dag", str(d), "--partitions-from", "jps", "-o", str(tmp_path / "x.json")]) == 2
    assert "holds a dag document, not a joint problem" in capsys.readouterr().err
    result = tmp_path / "r.json"
    assert main(["solve", str(d), "-m", "sidney", "--json", str(result)]) == 0
    assert main(["dag", str(path), "--partition", str(result), "-o", str(tmp_path / "x.json")]) == 2
    assert "records no partitions" in capsys.readouterr().err
