"""Device and network presets against seed 002 Table I, and the calibration report."""

import math

import pytest

from offloadsched.errors import ValidationError
from offloadsched.instances import get_model
from offloadsched.instances.platforms import (
    CALIBRATION_FILE,
    DEVICES,
    SERVERS,
    TABLE_I,
    calibration_markdown,
    calibration_rows,
    cloud_only_us,
    fit_device_rate,
    fit_network_latency,
    local_only_us,
    make_platform,
)
from offloadsched.platform import NETWORKS


def test_rpi4_rate_is_the_log_space_fit():
    assert DEVICES["rpi4"].rate == pytest.approx(fit_device_rate(), rel=5e-3)
    # the geometric mean of flops / time over the three fitted models, recomputed by hand
    rates = [get_model(m).flops.sum() / (t / 1e3) for m, t in [("alexnet", 406), ("googlenet", 848),
                                                               ("resnet18", 871)]]
    assert fit_device_rate() == pytest.approx(math.prod(rates) ** (1 / 3))


@pytest.mark.parametrize("net", ["3g", "4g", "wifi"])
def test_network_latencies_are_the_fit(net):
    assert NETWORKS[net].w_msg == pytest.approx(fit_network_latency(net), abs=1e-4)
    assert NETWORKS[net].bandwidth == {"3g": 1.1e6, "4g": 5.85e6, "wifi": 18.88e6}[net]


def test_local_and_cloud_only_near_table_i():
    lo_limits = {"alexnet": 0.07, "googlenet": 0.06, "resnet18": 0.12}
    for model, row in [("alexnet", "AlexNet-P"), ("googlenet", "GoogLeNet"), ("resnet18", "ResNet18")]:
        dnn = get_model(model)
        lo = local_only_us(dnn, make_platform()) / 1e3
        assert abs(lo - TABLE_I[row][0]) / TABLE_I[row][0] < lo_limits[model]
        for k, net in enumerate(["3g", "4g", "wifi"]):
            co = cloud_only_us(dnn, make_platform(network=net)) / 1e3
            assert abs(co - TABLE_I[row][1 + 2 * k]) / TABLE_I[row][1 + 2 * k] < 0.05


def test_cloud_only_by_hand():
    p = make_platform(network="wifi")
    dnn = get_model("googlenet")
    upload = round((NETWORKS["wifi"].w_msg + 8 * 602_112 / 18.88e6) * 1e6)
    assert cloud_only_us(dnn, p) == upload + int(p.remote_times(dnn).sum())
    assert local_only_us(dnn, p) == int(p.local_times(dnn).sum())


def test_make_platform():
    p = make_platform("rpi4", "gtx1080", "3g")
    assert (p.r_loc, p.r_rem, p.bandwidth, p.w_msg) == (DEVICES["rpi4"].rate, SERVERS["gtx1080"].rate, 1.1e6,
                                                          NETWORKS["3g"].w_msg)
    assert p.name == "rpi4+gtx1080@3G"
    assert make_platform(network="Wi-Fi").bandwidth == 18.88e6
    for kw, words in [({"device": "pixel"}, "unknown device 'pixel'; known: rpi4"),
                      ({"server": "a100"}, "unknown server 'a100'"), ({"network": "5g"}, "unknown network '5g'")]:
        with pytest.raises(ValidationError, match=words):
            make_platform(**kw)


def test_calibration_report_is_current():
    rows = calibration_rows()
    assert [r[0] for r in rows][:3] == ["alexnet (fit)", "googlenet (fit)", "resnet18 (fit)"]
    assert CALIBRATION_FILE.read_text(encoding="utf-8") == calibration_markdown(), \
        "instances/CALIBRATION.md is stale: run python -m offloadsched.instances.platforms"
