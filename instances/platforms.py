"""Device, server and network presets, calibrated against seed 002 Table I.

Seed 002 (Wang, Duan & Wu, ICCCN 2021, Sec. V and Table I) ran PyTorch 1.7 on a Raspberry Pi 4
model B (local device) and a desktop with a GTX 1080 (edge server), over 3G / 4G / Wi-Fi uplinks
of 1.1 / 5.85 / 18.88 Mbit/s (after Neurosurgeon).  Our cost model is linear (MODEL.md section
1): ``f = flops / r_loc``, ``t' = flops / r_rem``, ``u = w0 + 8 * bytes / B``, so:

* ``rpi4`` is one FLOP rate fitted to the local-only (LO) latencies of AlexNet, GoogLeNet and
  ResNet18 (406, 848, 871 ms) by least squares in log space (the geometric mean of
  ``flops / time``); one rate cannot match all three, the errors are in ``CALIBRATION.md``.
  Table I's first row is labelled "AlexNet-P"; its 406 ms matches one AlexNet's FLOPs at the
  rate GoogLeNet implies, so the fit uses AlexNet (see CALIBRATION.md for AlexNet-Parallel).
* ``gtx1080`` is NVIDIA's peak FP32 rate of the GeForce GTX 1080 (2560 CUDA cores x 1733 MHz
  boost x 2 = 8.87 TFLOP/s).  Real batch-1 inference reaches a fraction of it; with any
  plausible rate the server's share of a cloud-only time is a few ms, so the network fit below
  hardly depends on it.
* The per-message latency ``w0`` of each network is the mean residual of the cloud-only (RO)
  latencies of the same three models: ``RO - 8 * raw input bytes / B - server compute``.  The
  fitted values are written into :data:`offloadsched.platform.NETWORKS`; a test checks they
  agree with :func:`fit_network_latency`.

``python -m offloadsched.instances.platforms`` rewrites ``instances/CALIBRATION.md`` from
:func:`calibration_markdown`.

References (docs/REFERENCES.md): [Seed002], [Kang2017].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from offloadsched.dnn import DNN
from offloadsched.errors import ValidationError
from offloadsched.platform import Platform, get_network

from .tables import format_table
from .zoo import get_model


@dataclass(frozen=True)
class Device:
    """A compute device: a rate in FLOP/s and where the number comes from."""

    name: str
    rate: float
    source: str


#: Local devices.
DEVICES: dict[str, Device] = {
    "rpi4": Device("rpi4", 3.74e9, "Raspberry Pi 4B (Cortex-A72 @ 1.5 GHz, PyTorch 1.7): rate fitted to "
                   "seed 002 Table I LO latencies of AlexNet, GoogLeNet, ResNet18 (log-space least squares)"),
}

#: Remote servers.
SERVERS: dict[str, Device] = {
    "gtx1080": Device("gtx1080", 8.873e12, "NVIDIA GeForce GTX 1080 peak FP32: 2560 cores x 1.733 GHz x 2 "
                      "(seed 002's edge server)"),
}

#: Seed 002 Table I (ms): LO, then (RO, Our) for 3G, 4G and Wi-Fi.
TABLE_I: dict[str, tuple[int, ...]] = {
    "AlexNet-P": (406, 4422, 406, 877, 255, 337, 187),
    "GoogLeNet": (848, 4475, 848, 879, 728, 352, 352),
    "ResNet18": (871, 4463, 871, 946, 810, 341, 341),
    "Siamese": (3919, 8783, 1998, 1702, 1087, 613, 469),
    "Multi-stream": (1198, 13146, 931, 2513, 692, 891, 317),
}
TABLE_I_NETWORKS = ("3g", "4g", "wifi")

#: The models the calibration fits, with their Table I row.
FIT: dict[str, str] = {"alexnet": "AlexNet-P", "googlenet": "GoogLeNet", "resnet18": "ResNet18"}
#: Every model compared in the report, with its Table I row.
COMPARED: dict[str, str] = {**FIT, "alexnet_parallel": "AlexNet-P", "siamese": "Siamese",
                            "multistream": "Multi-stream"}


def _lookup(table: dict[str, Device], name: str, what: str) -> Device:
    key = name.lower()
    if key not in table:
        raise ValidationError(f"unknown {what} {name!r}; known: {', '.join(table)}")
    return table[key]


def make_platform(device: str = "rpi4", server: str = "gtx1080", network: str = "4g") -> Platform:
    """A :class:`~offloadsched.platform.Platform` from preset names (``DEVICES``, ``SERVERS``,
    ``offloadsched.platform.NETWORKS``)."""
    dev = _lookup(DEVICES, device, "device")
    srv = _lookup(SERVERS, server, "server")
    net = get_network(network)
    return Platform(dev.rate, srv.rate, net.bandwidth, net.w_msg, w_rtt=net.w_rtt,
                    name=f"{dev.name}+{srv.name}@{net.name}")


def local_only_us(dnn: DNN, platform: Platform) -> int:
    """LO latency: every layer on the device (integer µs)."""
    return int(platform.local_times(dnn).sum())


def cloud_only_us(dnn: DNN, platform: Platform) -> int:
    """CO latency: upload of the raw input, then every layer on the server, one after another."""
    return int(platform.upload_times(dnn)[dnn.input] + platform.remote_times(dnn).sum())


# -- fitting ---------------------------------------------------------------------------------
def fit_device_rate(models: dict[str, str] = FIT) -> float:
    """The FLOP rate minimising the squared log errors of LO against Table I (geometric mean)."""
    logs = [math.log(get_model(m).flops.sum() / (TABLE_I[row][0] / 1e3)) for m, row in models.items()]
    return math.exp(sum(logs) / len(logs))


def fit_network_latency(network: str, models: dict[str, str] = FIT, server: str = "gtx1080") -> float:
    """Per-message latency ``w0`` (s) minimising the squared error of CO against Table I's RO."""
    col = 1 + 2 * TABLE_I_NETWORKS.index(network)
    bare = Platform(1.0, SERVERS[server].rate, get_network(network).bandwidth, 0.0)
    residuals = [TABLE_I[row][col] / 1e3 - cloud_only_us(get_model(m), bare) / 1e6 for m, row in models.items()]
    return float(np.mean(residuals))


# -- report ----------------------------------------------------------------------------------
def _err(ours: float, paper: float) -> str:
    return f"{100 * (ours - paper) / paper:+.1f}%"


def calibration_rows(device: str = "rpi4", server: str = "gtx1080") -> list[list[object]]:
    """Per compared model: LO ours / paper / error, then CO ours / paper / error per network (ms)."""
    rows = []
    for model, row in COMPARED.items():
        dnn = get_model(model)
        paper = TABLE_I[row]
        lo = local_only_us(dnn, make_platform(device, server, "4g")) / 1e3
        cells: list[object] = [model + (" (fit)" if model in FIT else ""), row, lo, paper[0], _err(lo, paper[0])]
        for k, net in enumerate(TABLE_I_NETWORKS):
            co = cloud_only_us(dnn, make_platform(device, server, net)) / 1e3
            cells += [co, paper[1 + 2 * k], _err(co, paper[1 + 2 * k])]
        rows.append(cells)
    return rows


def calibration_markdown() -> str:
    """The calibration report (the content of ``instances/CALIBRATION.md``)."""
    headers = ["model", "Table I row", "LO ours", "LO paper", "err"]
    for net in TABLE_I_NETWORKS:
        name = get_network(net).name
        headers += [f"CO {name} ours", f"CO {name} paper", "err"]
    dev, srv = DEVICES["rpi4"], SERVERS["gtx1080"]
    nets = ", ".join(f"{get_network(n).name} {get_network(n).bandwidth / 1e6:g} Mbit/s, "
                     f"w0 = {get_network(n).w_msg * 1e3:.1f} ms" for n in TABLE_I_NETWORKS)
    return "\n".join([
        "# Calibration against seed 002 Table I",
        "",
        "Generated by `python -m offloadsched.instances.platforms`; times in ms, from the integer-µs profiles of "
        "`offloadsched.platform.Platform`.",
        "",
        f"* `rpi4`: r_loc = {dev.rate / 1e9:.3g} GFLOP/s ({dev.source}).",
        f"* `gtx1080`: r_rem = {srv.rate / 1e12:.3g} TFLOP/s ({srv.source}).",
        f"* Networks: {nets}; w0 is the mean residual of the cloud-only times of the fitted models.",
        "* LO = sum of local times; CO = upload of the raw input + sum of server times.",
        "* Rows marked (fit) are the ones fitted; the others are predictions.  Table I's first row is "
        "\"AlexNet-P\": its 406 ms fits one AlexNet, while our `alexnet_parallel` (two full towers) "
        "has twice the FLOPs.  Siamese and Multi-stream take two and three raw images; their CO "
        "times confirm it.  MobileNetV2's depthwise convolutions run far below the device's FLOP "
        "rate on the Pi, which a FLOP-rate model cannot show: Siamese LO is off by an order of magnitude.",
        "",
        format_table(headers, calibration_rows(), markdown=True),
        "",
    ])


CALIBRATION_FILE = Path(__file__).with_name("CALIBRATION.md")


def write_calibration(path: Path = CALIBRATION_FILE) -> None:
    """Regenerate ``CALIBRATION.md`` (atomically)."""
    from offloadsched.atomic import atomic_write

    with atomic_write(path) as fh:
        fh.write(calibration_markdown())


if __name__ == "__main__":  # pragma: no cover
    write_calibration()
    print(CALIBRATION_FILE.read_text(encoding="utf-8"))
