"""Measured per-layer times: the CSV, the platform override, the problem file and the command line."""

import numpy as np
import pytest

from offloadsched import JointProblem, Platform, ValidationError, identical_jobs, solve
from offloadsched.cli import main
from offloadsched.instances import get_model, measured_platform, read_times_csv
from offloadsched.instances.platforms import make_platform
from offloadsched.io import load, save


@pytest.fixture
def alexnet():
    return get_model("alexnet")


def write_csv(path, rows, header=True):
    lines = (["layer,ms"] if header else []) + [f"{name},{ms}" for name, ms in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def times_ms(dnn, scale=1.0):
    """One measured time per layer but the input: 1.2345 ms, 2.2345 ms, ... (scaled)."""
    return [(layer.name, round(scale * (k + 0.2345), 4)) for k, layer in enumerate(dnn.layers[1:], 1)]


def test_csv_rows_to_integer_us(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("# phone, 20 runs\nlayer,ms\nconv1, 1.2344\nconv2,0.0004\n\nfc,12\n")
    assert read_times_csv(path) == {"conv1": 1234, "conv2": 0, "fc": 12000}


@pytest.mark.parametrize("text, words", [
    ("layer,ms\nconv1,-0.5\n", "line 2: time of layer 'conv1' must be >= 0 ms, got -0.5"),
    ("conv1,1\nconv1,2\n", "line 2: layer 'conv1' is listed twice"),
    ("conv1,1\nconv2,fast\n", "line 2: time 'fast' of layer 'conv2' is not a number"),
    ("conv1,1,2\n", "line 1: expected 'layer,ms', got 3 fields"),
    ("layer,ms\n", "no 'layer,ms' rows"),
])
def test_csv_errors_name_the_row(tmp_path, text, words):
    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(ValidationError, match=words.replace("(", r"\(").replace(")", r"\)")):
        read_times_csv(path)


def test_measured_times_replace_the_rate_model(tmp_path, alexnet):
    base = make_platform()
    csv = write_csv(tmp_path / "dev.csv", times_ms(alexnet))
    srv = write_csv(tmp_path / "srv.csv", times_ms(alexnet, 0.01))
    p = measured_platform(base, alexnet, device_times=csv, server_times=srv)
    expected = np.array([0] + [round(1000 * (k + 0.2345)) for k in range(1, len(alexnet))])
    assert p.local_times(alexnet).tolist() == expected.tolist()
    assert p.remote_times(alexnet).tolist() == [0] + [round(10 * (k + 0.2345)) for k in range(1, len(alexnet))]
    assert p.upload_times(alexnet).tolist() == base.upload_times(alexnet).tolist()  # bandwidth model
    assert p.with_network("wifi").local_times(alexnet).tolist() == expected.tolist()
    assert hash(p) != hash(base) and p != base and p == measured_platform(base, alexnet, device_times=csv,
                                                                         server_times=srv)
    only_device = measured_platform(base, alexnet, device_times=csv)
    assert only_device.remote_times(alexnet).tolist() == base.remote_times(alexnet).tolist()


def test_missing_unknown_and_uncovered(tmp_path, alexnet):
    base = make_platform()
    rows = times_ms(alexnet)
    with pytest.raises(ValidationError, match=r"no time for layer 'fc8'"):
        measured_platform(base, alexnet, device_times=write_csv(tmp_path / "a.csv", rows[:-1]))
    with pytest.raises(ValidationError, match=r"a.csv: .*unknown layer 'conv9'"):
        measured_platform(base, alexnet, device_times=write_csv(tmp_path / "a.csv", [*rows, ("conv9", 1)]))
    p = measured_platform(base, alexnet, device_times=write_csv(tmp_path / "a.csv", rows))
    with pytest.raises(ValidationError, match="given for 'alexnet' only, not for DNN 'vgg16'"):
        p.local_times(get_model("vgg16"))
    with pytest.raises(ValidationError, match="integer number of µs"):
        Platform(1e9, 1e12, 1e6, measured={"device": {"alexnet": {"conv1": 1.5}}})
    with pytest.raises(ValidationError, match="unknown side 'phone'"):
        Platform(1e9, 1e12, 1e6, measured={"phone": {}})


def test_problem_file_keeps_measured_times_and_methods_use_them(tmp_path, alexnet):
    csv = write_csv(tmp_path / "dev.csv", times_ms(alexnet))
    platform = measured_platform(make_platform(), alexnet, device_times=csv)
    problem = JointProblem(identical_jobs(alexnet, 3), platform)
    save(problem, tmp_path / "p.json")
    back = load(tmp_path / "p.json")
    assert back.platform == platform
    f = back.times[0][0]
    assert f.tolist() == platform.local_times(alexnet).tolist()
    # local-only runs every layer of the 3 jobs on the device, one after another: 3 x sum f
    assert solve(back, "lo").makespan == 3 * int(f.sum())
    exact = solve(back, "cpsat-joint", time_limit=20, workers=1, seed=0)
    assert exact.status == "optimal"
    assert exact.problem.f[exact.problem.local].sum() <= 3 * f.sum()
    # the scheduled problem D carries the measured local times of the chosen local layers
    for v in np.flatnonzero(exact.problem.local):
        name = exact.problem.names[v].split("/", 1)[1]
        assert exact.problem.f[v] == f[alexnet.index[name]]


def run(capsys, *argv):
    code = main(["instances", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_profile(tmp_path, capsys, alexnet):
    dnn_path = tmp_path / "a.json"
    save(alexnet, dnn_path)
    csv = write_csv(tmp_path / "dev.csv", times_ms(alexnet))
    srv = write_csv(tmp_path / "srv.csv", times_ms(alexnet, 0.01))
    out = tmp_path / "p.json"
    code, stdout, _ = run(capsys, "profile", str(dnn_path), "--device-times", str(csv), "--server-times", str(srv),
                          "--jobs", "2", "-o", str(out))
    assert code == 0 and "measured device and server times" in stdout
    problem = load(out)
    assert problem.remote_model == "serial" and len(problem.jobs) == 2
    assert problem.times[0][0][1] == 1234 and problem.times[0][2][1] == 12
    code, stdout, _ = run(capsys, "profile", "alexnet", "-o", str(tmp_path / "m.json"))  # a zoo name, modelled
    assert code == 0 and "modelled times" in stdout and load(tmp_path / "m.json").platform.measured is None


@pytest.mark.parametrize("case", ["missing", "negative", "unknown", "server_negligible", "not_dnn"])
def test_cli_profile_errors(tmp_path, capsys, alexnet, case):
    dnn_path = tmp_path / "a.json"
    save(alexnet, dnn_path)
    rows = times_ms(alexnet)
    args = ["profile", str(dnn_path), "-o", str(tmp_path / "p.json")]
    if case == "missing":
        args += ["--device-times", str(write_csv(tmp_path / "t.csv", rows[1:]))]
        words = "no time for layer 'conv1'"
    elif case == "negative":
        args += ["--device-times", str(write_csv(tmp_path / "t.csv", [*rows[:-1], ("fc8", -3)]))]
        words = "time of layer 'fc8' must be >= 0 ms"
    elif case == "unknown":
        args += ["--device-times", str(write_csv(tmp_path / "t.csv", [*rows, ("fc9", 1)]))]
        words = "unknown layer 'fc9'"
    elif case == "server_negligible":
        args += ["--server-times", str(write_csv(tmp_path / "t.csv", rows)), "--remote-model", "negligible"]
        words = "--server-times needs --remote-model serial or parallel"
    else:
        save(JointProblem([alexnet], make_platform()), dnn_path)
        words = "is a joint document, not a DNN"
    code, _, err = run(capsys, *args)
    assert code == 2 and err.count("\n") == 1 and words in err and "Traceback" not in err
    assert not (tmp_path / "p.json").exists()


def test_solve_names_a_layer_missing_from_a_hand_edited_file(tmp_path, capsys, alexnet):
    platform = measured_platform(make_platform(), alexnet,
                                 device_times=write_csv(tmp_path / "dev.csv", times_ms(alexnet)))
    save(JointProblem([alexnet], platform), tmp_path / "p.json")
    text = (tmp_path / "p.json").read_text().replace('"fc8": ', '"fc_8": ')
    (tmp_path / "p.json").write_text(text)
    code = main(["solve", str(tmp_path / "p.json"), "-m", "lo"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "unknown layer 'fc_8'" in err
