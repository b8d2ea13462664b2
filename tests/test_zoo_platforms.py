"""Device and network presets against seed 002 Table I, the per-class device model, and the
calibration report."""

import pytest

from offloadsched.device import DeviceRates, layer_work, local_seconds
from offloadsched.errors import ValidationError
from offloadsched.instances import get_model
from offloadsched.instances.platforms import (
    CALIBRATION_FILE,
    CO_FIT,
    COMPARED,
    DEVICES,
    LO_FIT,
    LO_HELD_OUT,
    PI4_STREAM,
    SERVERS,
    TABLE_I,
    W_MSG,
    calibration_errors,
    calibration_markdown,
    cloud_only_us,
    fit_conv_rate,
    fit_device_rates,
    fit_network_rtt,
    local_only_us,
    make_platform,
)
from offloadsched.platform import NETWORKS, Platform


def test_device_rates_are_the_fit():
    fitted, rates = fit_device_rates(), DEVICES["rpi4"].rates
    assert set(rates) == {"conv", "dwconv", "fc", "memory"}
    assert rates["conv"] == pytest.approx(fitted["conv"], rel=5e-3)
    assert rates["dwconv"] == pytest.approx(fitted["dwconv"], rel=5e-3)
    # not fitted: the STREAM bandwidth, and fc tied to it (one 4-byte weight per 2 FLOPs)
    assert rates["memory"] == PI4_STREAM and rates["fc"] == PI4_STREAM / 2
    assert DEVICES["rpi4"].rate == rates["conv"]


def test_conv_fit_minimises_the_log_errors():
    rate = fit_conv_rate()

    def loss(r):
        plat = Platform(r, 1e12, 1e6, rates={**DEVICES["rpi4"].rates, "conv": r})
        return sum((local_only_us(get_model(m), plat) / 1e3 / TABLE_I[row][0] - 1) ** 2 for m, row in LO_FIT.items())

    assert loss(rate) < loss(rate * 1.02) and loss(rate) < loss(rate / 1.02)


@pytest.mark.parametrize("net", ["3g", "4g", "wifi"])
def test_network_presets_are_the_fit(net):
    assert NETWORKS[net].w_msg == W_MSG
    assert 0.005 <= W_MSG <= 0.020  # seed 002 Sec. V.D.5: 5-20 ms per offloaded tensor
    assert NETWORKS[net].w_rtt == pytest.approx(fit_network_rtt(net), abs=1e-4)
    assert NETWORKS[net].bandwidth == {"3g": 1.1e6, "4g": 5.85e6, "wifi": 18.88e6}[net]


def test_table_i_targets():
    """Every LO row within 15 %, every CO cell within 5 %; the held-out row is a prediction."""
    errors = calibration_errors()
    assert set(errors) == set(COMPARED)
    for model, errs in errors.items():
        assert abs(errs[0]) < 0.15, (model, "LO", errs[0])
        for net, err in zip(["3g", "4g", "wifi"], errs[1:]):
            assert abs(err) < 0.05, (model, net, err)
    for model in LO_HELD_OUT:
        assert model not in LO_FIT and model not in CO_FIT
        assert abs(errors[model][0]) < 0.05


def test_cloud_only_by_hand():
    p = make_platform(network="wifi")
    dnn = get_model("googlenet")
    upload = round((NETWORKS["wifi"].w_msg + 8 * 602_112 / 18.88e6) * 1e6)
    assert cloud_only_us(dnn, p) == upload + int(p.remote_times(dnn).sum()) + round(NETWORKS["wifi"].w_rtt * 1e6)
    assert local_only_us(dnn, p) == int(p.local_times(dnn).sum())


def test_local_time_by_hand():
    """AlexNet-P's conv1 (48 filters 11x11 on 224x224x3, padding 2, folded ReLU) on the Pi 4:
    conv FLOPs at r_conv plus the ReLU's bytes (read and write 48x55x55 floats) at r_mem."""
    p = make_platform()
    dnn = get_model("alexnet_parallel")
    conv_flops = 2 * 48 * 3 * 11 * 11 * 55 * 55
    relu_bytes = 2 * 4 * 48 * 55 * 55
    layer = dnn["tower0.conv1"]
    assert layer.attrs["work"] == {"conv": conv_flops, "memory": 48 * 55 * 55, "memory_bytes": relu_bytes}
    want = conv_flops / DEVICES["rpi4"].rates["conv"] + relu_bytes / PI4_STREAM
    assert p.local_times(dnn)[dnn.index["tower0.conv1"]] == round(want * 1e6)
    fc8 = dnn.index["fc8"]
    assert p.local_times(dnn)[fc8] == round(2 * 4096 * 1000 / (PI4_STREAM / 2) * 1e6)


def test_device_model_without_work_attrs():
    """A layer without ``attrs["work"]``: one class from its kind; memory in bytes moved."""
    from offloadsched.dnn import DNN, Layer

    dnn = DNN("t", [Layer("in", "input", 0, 400), Layer("c", "conv", 1e6, 800, {"groups": 1}),
                    Layer("d", "conv", 2e6, 800, {"groups": 8, "in_shape": (8, 5, 5)}),
                    Layer("r", "relu", 200, 800), Layer("cat", "concat", 0, 1600), Layer("f", "linear", 3e6, 40)],
              [("in", "c"), ("c", "d"), ("d", "r"), ("r", "cat"), ("d", "cat"), ("cat", "f")])
    rates = DeviceRates.from_dict({"conv": 1e9, "dwconv": 1e7, "fc": 1e8, "memory": 1e9})
    got = local_seconds(dnn, 5e9, rates)
    assert list(got) == pytest.approx([0, 1e-3, 0.2, 1.6e-6, 3.2e-6, 0.03])
    assert list(local_seconds(dnn, 5e9)) == pytest.approx(list(dnn.flops / 5e9))
    # a class the rates do not name runs at r_loc over its FLOPs
    partial = local_seconds(dnn, 5e9, DeviceRates.from_dict({"dwconv": 1e7}))
    assert partial[dnn.index["r"]] == pytest.approx(200 / 5e9) and partial[dnn.index["d"]] == pytest.approx(0.2)


def test_work_split_is_scaled_to_the_layer_flops():
    """A copy of a layer with a fraction of its FLOPs (a fused-layer tile) keeps the proportions."""
    from offloadsched.dnn import DNN, Layer

    work = {"conv": 600, "dwconv": 300, "memory": 100, "memory_bytes": 4000}
    dnn = DNN("t", [Layer("in", "input", 0, 4), Layer("n", "node", 500, 4, {"work": work})], [("in", "n")])
    w = layer_work(dnn)
    assert (w["conv"][1], w["dwconv"][1], w["memory"][1], w["memory_bytes"][1]) == (300, 150, 50, 2000)


def test_make_platform():
    p = make_platform("rpi4", "gtx1080", "3g")
    assert (p.r_loc, p.r_rem, p.bandwidth, p.w_msg, p.w_rtt) == (
        DEVICES["rpi4"].rate, SERVERS["gtx1080"].rate, 1.1e6, NETWORKS["3g"].w_msg, NETWORKS["3g"].w_rtt)
    assert p.rates is not None and p.rates.to_dict() == dict(DEVICES["rpi4"].rates)
    assert p.name == "rpi4+gtx1080@3G"
    assert make_platform(network="Wi-Fi").bandwidth == 18.88e6
    for kw, words in [({"device": "pixel"}, "unknown device 'pixel'; known: rpi4"),
                      ({"server": "a100"}, "unknown server 'a100'"), ({"network": "5g"}, "unknown network '5g'")]:
        with pytest.raises(ValidationError, match=words):
            make_platform(**kw)


def test_calibration_report_is_current():
    assert CALIBRATION_FILE.read_text(encoding="utf-8") == calibration_markdown(), \
        "instances/CALIBRATION.md is stale: run python -m offloadsched.instances.platforms"


def test_server_presets_are_peak_times_efficiency():
    # by hand from the vendors' figures: cores x clock x FLOPs per cycle x the stated efficiency
    by_hand = {"gtx1080": 2560 * 1.733e9 * 2, "xavier-nx": 384 * 1.1e9 * 2 * 0.5,
               "jetson-nano": 128 * 0.9216e9 * 2 * 0.5, "i7-8700": 6 * 3.2e9 * 32 * 0.25,
               "i5-8250u": 4 * 1.6e9 * 32 * 0.25}
    assert set(SERVERS) == set(by_hand)
    for name, rate in by_hand.items():
        assert SERVERS[name].rate == pytest.approx(rate, rel=1e-3), name
        assert make_platform("rpi4", name, "4g").r_rem == SERVERS[name].rate
    assert SERVERS["gtx1080"].rate == 8.873e12  # seed 002's preset unchanged
    assert max(s.rate for s in SERVERS.values()) == SERVERS["gtx1080"].rate
    # slower servers lengthen cloud-only GoogLeNet by its FLOPs over the rate
    dnn = get_model("googlenet")
    co = {name: cloud_only_us(dnn, make_platform("rpi4", name, "4g")) for name in SERVERS}
    assert co["i5-8250u"] - co["gtx1080"] == pytest.approx(dnn.flops.sum() * (1 / 51.2e9 - 1 / 8.873e12) * 1e6,
                                                          abs=len(dnn))


def test_shared_server_divides_the_rate():
    p = make_platform("rpi4", "jetson-nano/4", "wifi")
    assert p.r_rem == SERVERS["jetson-nano"].rate / 4 and p.name == "rpi4+jetson-nano/4@Wi-Fi"
    assert make_platform(server="gtx1080/1").r_rem == SERVERS["gtx1080"].rate
    for bad in ("gtx1080/0", "gtx1080/x", "gtx1080/2.5", "gtx1080/", "tpu/2"):
        with pytest.raises(ValidationError, match="server") as err:
            make_platform(server=bad)
        assert bad.split("/")[0] in str(err.value)
    with pytest.raises(ValidationError, match="known: gtx1080, xavier-nx, jetson-nano, i7-8700, i5-8250u"):
        make_platform(server="a100")
