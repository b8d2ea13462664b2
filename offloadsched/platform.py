"""Platforms: device model, server rate, uplink bandwidth and two latencies (MODEL.md section 1).

Derived integer times of a layer ``v`` (microseconds, rounded once by
:func:`offloadsched.units.seconds_to_us`):

* local compute ``f(v)`` from the device model (:mod:`offloadsched.device`: ``flops(v) / r_loc``,
  or a rate per operator class where the platform gives ``rates``)
* remote compute ``t'(v) = flops(v) / r_rem``
* upload of its output ``u(v) = w_msg + 8 * out_bytes(v) / B``

and, per job that offloads anything, the round trip ``w_rtt`` (:attr:`Platform.rtt_us`): the job
completes ``w_rtt`` after its last upload or remote operation; it occupies no machine.

Network presets follow the papers (seed 001, seed 002 after Neurosurgeon):
3G 1.1 Mbit/s, 4G 5.85 Mbit/s, Wi-Fi 18.88 Mbit/s.  Their latencies are calibrated in
:mod:`offloadsched.instances.platforms` (see the README's table).

References (docs/REFERENCES.md): [Seed001], [Seed002], [Kang2017].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from .device import DeviceRates, local_seconds
from .dnn import DNN
from .errors import ValidationError
from .units import check_nonneg, seconds_to_us


def _store_numbers(obj, where: str, fields: tuple[str, ...]) -> None:
    """Check that ``obj``'s ``fields`` are finite real numbers >= 0 (not booleans, strings or numbers too
    large for a float) and store them as floats in the frozen dataclass."""
    if not isinstance(obj.name, str):
        raise ValidationError(f"{type(obj).__name__.lower()} name must be a string, got {obj.name!r}")
    for field_name in fields:
        object.__setattr__(obj, field_name, check_nonneg(getattr(obj, field_name), f"{where}: {field_name}"))


@dataclass(frozen=True)
class Network:
    """An uplink: bandwidth in bit/s, per-tensor overhead ``w_msg`` and round trip ``w_rtt`` in seconds."""

    name: str
    bandwidth: float
    w_msg: float = 0.0
    w_rtt: float = 0.0

    def __post_init__(self) -> None:
        _store_numbers(self, f"network {self.name!r}", ("w_msg", "w_rtt", "bandwidth"))
        if self.bandwidth <= 0:
            raise ValidationError(f"network {self.name!r}: bandwidth must be > 0")


#: Uplink presets of the papers.  Latencies are those calibrated against seed 002 Table I
#: (see ``offloadsched.instances.platforms`` and the README); bandwidths are the papers' figures.
NETWORKS: dict[str, Network] = {
    "3g": Network("3G", 1.1e6, 0.010, 0.0640),
    "4g": Network("4G", 5.85e6, 0.010, 0.0670),
    "wifi": Network("Wi-Fi", 18.88e6, 0.010, 0.0779),
}


@dataclass(frozen=True)
class Platform:
    """Local device, remote server and the uplink between them.

    Parameters
    ----------
    r_loc, r_rem : device and server rates in FLOP/s (> 0); ``r_loc`` is the device's rate for
        every operator class that ``rates`` does not name.
    bandwidth : uplink bandwidth in bit/s (> 0).
    w_msg : overhead of sending one tensor, in seconds (>= 0); it occupies the uplink.
    w_rtt : a job's round trip in seconds (>= 0), paid once by a job that offloads anything,
        after its last upload or remote operation, on no machine.
    name : a label for reports.
    measured : measured per-layer compute times that replace the rate model (see
        :class:`MeasuredTimes`; a mapping ``{"device" | "server": {dnn: {layer: µs}}}`` is accepted).
    rates : the device model's rate per operator class (:data:`offloadsched.device.OPERATOR_CLASSES`);
        a mapping ``{class: rate}`` is accepted (see :mod:`offloadsched.device` for units).

    Raises
    ------
    ValidationError
        A rate or bandwidth that is not > 0, a negative latency, an unknown operator class, or
        ``w_rtt > 0`` with ``w_msg`` below 1 µs (an offloaded tensor's upload must take time, so
        that every offloading job has a positive upload; see MODEL.md section 1).
    """

    r_loc: float
    r_rem: float
    bandwidth: float
    w_msg: float = 0.0
    name: str = "platform"
    # -- measured per-layer times (issue 18): the one field of the override -------------------
    measured: MeasuredTimes | None = field(default=None)
    w_rtt: float = field(default=0.0, kw_only=True)
    rates: DeviceRates | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        _store_numbers(self, f"platform {self.name!r}", ("r_loc", "r_rem", "bandwidth", "w_msg", "w_rtt"))
        for field_name in ("r_loc", "r_rem", "bandwidth"):
            value = getattr(self, field_name)
            if value <= 0:
                raise ValidationError(f"platform {self.name!r}: {field_name} must be > 0, got {value:g}")
        if seconds_to_us(self.w_rtt, "w_rtt") > 0 and seconds_to_us(self.w_msg, "w_msg") < 1:
            raise ValidationError(f"platform {self.name!r}: w_rtt > 0 needs w_msg >= 1 µs (got w_msg = "
                                  f"{self.w_msg:g} s): every offloaded tensor's upload must take time")
        for field_name, kind in (("rates", DeviceRates), ("measured", MeasuredTimes)):
            given = getattr(self, field_name)  # a mapping is read into its class; an empty one is None
            if given is not None and not isinstance(given, kind):
                given = kind.from_dict(given, f"platform {self.name!r}")
            object.__setattr__(self, field_name, given or None)

    def with_network(self, network: str | Network) -> Platform:
        """The same device and server over another uplink (a preset name or a Network)."""
        net = get_network(network) if isinstance(network, str) else network
        return replace(self, bandwidth=net.bandwidth, w_msg=net.w_msg, w_rtt=net.w_rtt,
                       name=f"{self.name.split('@')[0]}@{net.name}")

    def with_bandwidth(self, bandwidth: float) -> Platform:
        return replace(self, bandwidth=bandwidth, name=f"{self.name.split('@')[0]}@{bandwidth / 1e6:g}Mbps")

    def local_times(self, dnn: DNN) -> np.ndarray:
        """``f(v)`` of every layer, integer µs (measured times when the platform has them)."""
        if self.measured is not None and self.measured.has("device"):
            return self.measured.times("device", dnn)
        return seconds_to_us(local_seconds(dnn, self.r_loc, self.rates), f"{dnn.name}: local time")

    def remote_times(self, dnn: DNN) -> np.ndarray:
        """``t'(v)`` of every layer, integer µs (measured times when the platform has them)."""
        if self.measured is not None and self.measured.has("server"):
            return self.measured.times("server", dnn)
        return seconds_to_us(dnn.flops / self.r_rem, f"{dnn.name}: remote time")

    def upload_times(self, dnn: DNN) -> np.ndarray:
        """``u(v) = w_msg + 8 out_bytes / B`` of every layer, integer µs."""
        return seconds_to_us(self.w_msg + 8.0 * dnn.out_bytes / self.bandwidth, f"{dnn.name}: upload time")

    @property
    def rtt_us(self) -> int:
        """``w_rtt`` in integer µs: what an offloading job adds after its last upload or remote operation."""
        return int(seconds_to_us(self.w_rtt, f"platform {self.name!r}: w_rtt"))

    def with_measured(self, side: str, dnn: DNN, times: Mapping[str, int]) -> Platform:
        """The same platform with ``dnn``'s measured ``side`` times (``{layer: µs}``, every layer
        but the input, which may be omitted: it computes nothing) replacing the rate model."""
        current = self.measured.to_dict() if self.measured is not None else {}
        current.setdefault(side, {})[dnn.name] = dict(times)
        out = replace(self, measured=MeasuredTimes.from_dict(current, f"platform {self.name!r}"))
        assert out.measured is not None
        out.measured.times(side, dnn)  # names every missing or unknown layer now
        return out

    def to_dict(self) -> dict:
        out = {"name": self.name, "r_loc": self.r_loc, "r_rem": self.r_rem,
               "bandwidth": self.bandwidth, "w_msg": self.w_msg, "w_rtt": self.w_rtt}
        if self.measured is not None:
            out["measured"] = self.measured.to_dict()
        if self.rates is not None:
            out["rates"] = self.rates.to_dict()
        return out


def get_network(name: str) -> Network:
    """A network preset by name (``3g``, ``4g``, ``wifi``), case-insensitive."""
    key = name.lower().replace("-", "")
    if key not in NETWORKS:
        raise ValidationError(f"unknown network {name!r}; known: {', '.join(NETWORKS)}")
    return NETWORKS[key]


# -- measured per-layer times (issue 18) ----------------------------------------------------------
SIDES = ("device", "server")


@dataclass(frozen=True)
class MeasuredTimes:
    """Measured compute times per side (``device``: f, ``server``: t'), DNN and layer, integer µs.

    A side with entries replaces the rate model for every DNN: a DNN it does not list, a layer of
    a listed DNN without a time (the input may be omitted: it computes nothing) or a time for a
    layer the DNN does not have is a :class:`ValidationError` naming it, never a silent fallback.
    Upload times keep the bandwidth model.  Stored as sorted tuples (hashable, comparable).
    """

    entries: tuple[tuple[str, str, tuple[tuple[str, int], ...]], ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping, where: str = "platform") -> MeasuredTimes:
        if not isinstance(data, Mapping):
            raise ValidationError(f"{where}: measured must be an object {{side: {{dnn: {{layer: us}}}}}}")
        entries = []
        for side, per_dnn in data.items():
            if side not in SIDES:
                raise ValidationError(f"{where}: measured: unknown side {side!r}; known: {', '.join(SIDES)}")
            if not isinstance(per_dnn, Mapping):
                raise ValidationError(f"{where}: measured {side}: expected an object {{dnn: {{layer: us}}}}")
            for dnn, times in per_dnn.items():
                if not isinstance(times, Mapping):
                    raise ValidationError(f"{where}: measured {side} {dnn!r}: expected an object {{layer: us}}")
                rows = []
                for layer, us in times.items():
                    what = f"{where}: measured {side} time of layer {layer!r} of {dnn!r}"
                    if isinstance(us, bool) or not isinstance(us, (int, float)) or us != us or us < 0 or us != int(us):
                        raise ValidationError(f"{what}: must be an integer number of µs >= 0, got {us!r}")
                    rows.append((str(layer), int(us)))
                entries.append((side, str(dnn), tuple(rows)))
        return cls(tuple(sorted(entries)))

    def __bool__(self) -> bool:
        return bool(self.entries)

    def has(self, side: str) -> bool:
        return any(s == side for s, _, _ in self.entries)

    def to_dict(self) -> dict[str, dict[str, dict[str, int]]]:
        out: dict[str, dict[str, dict[str, int]]] = {}
        for side, dnn, rows in self.entries:
            out.setdefault(side, {})[dnn] = dict(rows)
        return out

    def times(self, side: str, dnn: DNN) -> np.ndarray:
        """The measured ``side`` times of ``dnn``'s layers in layer order (int64 µs)."""
        listed = [d for s, d, _ in self.entries if s == side]
        rows = next((dict(r) for s, d, r in self.entries if s == side and d == dnn.name), None)
        if rows is None:
            raise ValidationError(f"measured {side} times are given for {', '.join(map(repr, listed))} only, "
                                  f"not for DNN {dnn.name!r} (a method that rebuilds the graph, such as fused "
                                  "layers, has no measured times for its new layers)")
        unknown = [layer for layer in rows if layer not in dnn.index]
        missing = [layer.name for i, layer in enumerate(dnn.layers) if i != dnn.input and layer.name not in rows]
        for what, names in (("unknown layer", unknown), ("no time for layer", missing)):
            if names:
                more = f" (and {len(names) - 1} more)" if len(names) > 1 else ""
                raise ValidationError(f"measured {side} times of {dnn.name!r}: {what} {names[0]!r}{more}")
        out = np.zeros(len(dnn), dtype=np.int64)
        for i, layer in enumerate(dnn.layers):
            out[i] = rows.get(layer.name, 0)
        return out
