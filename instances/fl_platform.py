"""Seed 003's platform: its Table I device, edge server and Shannon-rate uplink, and Fig. 4's sweep.

Seed 003 (Li, Wang, Zhou, Duan & Wu, GLOBECOM 2022), Table I "Simulation parameters":

=====================  ===========================================  ==================
``f_end``              computation resource of the end device        2.23 x 10^8 FLOPS
``f_ES``               computation resource of the edge server (ES)  4.32 x 10^9 FLOPS
``B``                  bandwidth of the wireless link                5 MHz
``Q``                  transmission power of the end device          0.1 W
``sigma^2``            power of the background noise                 10^-9 W
``G``                  channel gain between end device and ES        10^-6
=====================  ===========================================  ==================

(Our copy of the paper is an OCR; the exponents read "108", "10°", "1079" and "10-6" are taken as
10^8, 10^9, 10^-9 and 10^-6.)  Eq. (2) gives the uplink rate by Shannon's theorem::

    R = B log2(1 + Q G / sigma^2) = 5e6 * log2(1 + 0.1 * 1e-6 / 1e-9) = 5e6 * log2(101)
      = 5e6 * 6.658 = 33.29 Mbit/s = 4.16 MB/s

Fig. 4 sweeps the rate from 1.1 to 3 MB/s instead ("4G 1.3 MB/s, WiFi 1.8 MB/s"); a MB is taken
as 10^6 bytes (8 * 10^6 bit/s per MB/s).  The paper has no per-message latency: ``w_msg = w_rtt = 0``.

References (docs/REFERENCES.md): [Seed003].
"""

from __future__ import annotations

import math

from offloadsched.dnn import DNN
from offloadsched.errors import ValidationError
from offloadsched.platform import Platform
from offloadsched.problems import JointProblem

from .zoo import get_model

#: Table I of seed 003.
DEVICE_FLOPS = 2.23e8
SERVER_FLOPS = 4.32e9
BANDWIDTH_HZ = 5e6
TX_POWER_W = 0.1
NOISE_W = 1e-9
CHANNEL_GAIN = 1e-6

#: Fig. 4's transmission rates, MB/s: 1.1, 1.2, ..., 3.0.
FL_RATES: tuple[float, ...] = tuple(round(1.1 + 0.1 * i, 1) for i in range(20))


def shannon_rate(bandwidth_hz: float = BANDWIDTH_HZ, power_w: float = TX_POWER_W, gain: float = CHANNEL_GAIN,
                 noise_w: float = NOISE_W) -> float:
    """Seed 003 Eq. (2): ``R = B log2(1 + Q G / sigma^2)`` in bit/s (33.29 Mbit/s for Table I)."""
    for value, what in ((bandwidth_hz, "bandwidth"), (power_w, "power"), (gain, "gain"), (noise_w, "noise")):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValidationError(f"shannon_rate: {what} must be a positive number, got {value!r}")
    return bandwidth_hz * math.log2(1 + power_w * gain / noise_w)


def fl_platform(rate_MBps: float | None = None) -> Platform:  # noqa: N803 (the paper's unit)
    """Seed 003's Table I platform; the uplink is the Shannon rate (4.16 MB/s) or ``rate_MBps``
    (megabytes per second, as Fig. 4's axis)."""
    if rate_MBps is None:
        bandwidth, label = shannon_rate(), "shannon"
    else:
        if isinstance(rate_MBps, bool) or not isinstance(rate_MBps, (int, float)) or not rate_MBps > 0:
            raise ValidationError(f"fl_platform: rate_MBps must be a positive number, got {rate_MBps!r}")
        bandwidth, label = 8e6 * rate_MBps, f"{rate_MBps:g}MB/s"
    return Platform(DEVICE_FLOPS, SERVER_FLOPS, bandwidth, 0.0, name=f"seed003@{label}")


def fl_platforms(rates: tuple[float, ...] = FL_RATES) -> list[Platform]:
    """Fig. 4's sweep: one platform per transmission rate (MB/s)."""
    return [fl_platform(r) for r in rates]


def fl_problem(model: DNN | str, rate: float, remote_model: str = "serial") -> JointProblem:
    """One DNN (a zoo name or a DNN) on seed 003's Table I platform at ``rate`` MB/s (instance family ``fl``)."""
    dnn = get_model(model) if isinstance(model, str) else model
    return JointProblem([dnn], fl_platform(rate), remote_model=remote_model, name=f"{dnn.name}@{rate:g}MB/s")
