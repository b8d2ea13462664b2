"""The ``offloadsched instances`` subcommand."""

import pytest

from offloadsched.cli import main
from offloadsched.instances import get_model
from offloadsched.instances.platforms import make_platform
from offloadsched.io import load


def run(capsys, *argv):
    code = main(["instances", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["model", "layers", "edges", "params", "GMACs", "structure"]
    row = next(line.split() for line in lines if line.startswith("alexnet "))
    assert row == ["alexnet", "12", "11", "61,100,840", "0.714", "chain"]
    assert any(line.split()[0] == "googlenet" and line.split()[-1] == "DAG" for line in lines[2:])


def test_show_chain_has_cut_curve(capsys):
    code, out, _ = run(capsys, "show", "alexnet", "--network", "3g")
    assert code == 0
    p = make_platform(network="3g")
    dnn = get_model("alexnet")
    f, u = p.local_times(dnn), p.upload_times(dnn)
    assert f"local-only {int(f.sum()):,d} us" in out
    conv2 = next(line.split() for line in out.splitlines() if line.split()[:2] == ["3", "conv2"])
    # columns: #, layer, kind, f, u, t', out_bytes, F(l), g(l)
    assert conv2[3] == f"{f[3]:,d}" and conv2[4] == f"{u[3]:,d}" and conv2[6] == "559,872"
    assert conv2[7] == f"{f[:4].sum():,d}" and conv2[8] == f"{u[3]:,d}"


def test_show_dag_lists_predecessors(capsys):
    code, out, _ = run(capsys, "show", "resnet18", "-p", "fold=false", "--network", "wifi")
    assert code == 0
    assert "preds" in out and "F(l)" not in out
    assert "layer1.0.conv1.bn" in out and "@Wi-Fi" in out


def test_export_round_trip(tmp_path, capsys):
    path = tmp_path / "rw.json"
    code, out, _ = run(capsys, "export", "randwire", "-p", "seed=3", "-p", "generator=er", "-o", str(path))
    assert code == 0 and "wrote" in out
    back = load(path)
    dnn = get_model("randwire", seed=3, generator="er")
    assert back.names == dnn.names and back.edges == dnn.edges
    assert list(back.flops) == list(dnn.flops) and list(back.out_bytes) == list(dnn.out_bytes)


@pytest.mark.parametrize("argv, words", [
    (["show", "lenet"], "unknown model 'lenet'"),
    (["show", "alexnet", "--device", "pixel"], "unknown device 'pixel'"),
    (["show", "alexnet", "-p", "depth=3"], "unknown option(s) depth"),
    (["show", "alexnet", "-p", "nonsense"], "not of the form key=value"),
    (["export", "randwire", "-p", "regime=huge", "-o", "x.json"], "unknown regime 'huge'"),
])
def test_user_mistakes_exit_2(capsys, argv, words):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert words in err and len(err.strip().splitlines()) == 1
