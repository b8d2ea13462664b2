"""Platforms: device rate, server rate, uplink bandwidth and latency (MODEL.md section 1).

Derived integer times of a layer ``v`` (microseconds, rounded once by
:func:`offloadsched.units.seconds_to_us`):

* local compute ``f(v) = flops(v) / r_loc``
* remote compute ``t'(v) = flops(v) / r_rem``
* upload of its output ``u(v) = w0 + 8 * out_bytes(v) / B``

Network presets follow the papers (seed 001, seed 002 after Neurosurgeon):
3G 1.1 Mbit/s, 4G 5.85 Mbit/s, Wi-Fi 18.88 Mbit/s.  Their per-message latency
is calibrated in :mod:`instances.platforms` (see the README's table).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .dnn import DNN
from .errors import ValidationError
from .units import check_nonneg, seconds_to_us


@dataclass(frozen=True)
class Network:
    """An uplink: bandwidth in bit/s and per-message latency in seconds."""

    name: str
    bandwidth: float
    latency: float = 0.0

    def __post_init__(self) -> None:
        check_nonneg(self.latency, f"network {self.name!r}: latency")
        if check_nonneg(self.bandwidth, f"network {self.name!r}: bandwidth") <= 0:
            raise ValidationError(f"network {self.name!r}: bandwidth must be > 0")


#: Uplink presets of the papers.  Latencies are those calibrated against seed 002 Table I
#: (see ``instances.platforms`` and the README); bandwidths are the papers' figures.
NETWORKS: dict[str, Network] = {
    "3g": Network("3G", 1.1e6, 0.0740),
    "4g": Network("4G", 5.85e6, 0.0770),
    "wifi": Network("Wi-Fi", 18.88e6, 0.0879),
}


@dataclass(frozen=True)
class Platform:
    """Local device, remote server and the uplink between them.

    Parameters
    ----------
    r_loc, r_rem : device and server rates in FLOP/s (> 0).
    bandwidth : uplink bandwidth in bit/s (> 0).
    latency : per-message latency ``w0`` in seconds (>= 0).
    name : a label for reports.
    """

    r_loc: float
    r_rem: float
    bandwidth: float
    latency: float = 0.0
    name: str = "platform"

    def __post_init__(self) -> None:
        for field_name in ("r_loc", "r_rem", "bandwidth"):
            value = check_nonneg(getattr(self, field_name), f"platform {self.name!r}: {field_name}")
            if value <= 0:
                raise ValidationError(f"platform {self.name!r}: {field_name} must be > 0, got {value:g}")
        check_nonneg(self.latency, f"platform {self.name!r}: latency")

    def with_network(self, network: str | Network) -> Platform:
        """The same device and server over another uplink (a preset name or a Network)."""
        net = get_network(network) if isinstance(network, str) else network
        return replace(self, bandwidth=net.bandwidth, latency=net.latency,
                       name=f"{self.name.split('@')[0]}@{net.name}")

    def with_bandwidth(self, bandwidth: float) -> Platform:
        return replace(self, bandwidth=bandwidth, name=f"{self.name.split('@')[0]}@{bandwidth / 1e6:g}Mbps")

    def local_times(self, dnn: DNN) -> np.ndarray:
        """``f(v)`` of every layer, integer µs."""
        return seconds_to_us(dnn.flops / self.r_loc, f"{dnn.name}: local time")

    def remote_times(self, dnn: DNN) -> np.ndarray:
        """``t'(v)`` of every layer, integer µs."""
        return seconds_to_us(dnn.flops / self.r_rem, f"{dnn.name}: remote time")

    def upload_times(self, dnn: DNN) -> np.ndarray:
        """``u(v) = w0 + 8 out_bytes / B`` of every layer, integer µs."""
        return seconds_to_us(self.latency + 8.0 * dnn.out_bytes / self.bandwidth, f"{dnn.name}: upload time")

    def to_dict(self) -> dict:
        return {"name": self.name, "r_loc": self.r_loc, "r_rem": self.r_rem,
                "bandwidth": self.bandwidth, "latency": self.latency}


def get_network(name: str) -> Network:
    """A network preset by name (``3g``, ``4g``, ``wifi``), case-insensitive."""
    key = name.lower().replace("-", "")
    if key not in NETWORKS:
        raise ValidationError(f"unknown network {name!r}; known: {', '.join(NETWORKS)}")
    return NETWORKS[key]
