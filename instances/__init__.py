"""The instance zoo: DNN models, device/network presets and random problem families.

* :mod:`instances.layers` - per-operator arithmetic (shapes, parameters, MACs, FLOPs).
* :mod:`instances.builder` - :class:`NetBuilder`, which turns operators into validated DNNs.
* :mod:`instances.zoo` - the models (:data:`MODELS`, :func:`get_model`).
* :mod:`instances.platforms` - device, server and network presets calibrated on seed 002.
* :mod:`instances.families` - seeded random problems and the Taillard flow-shop generator.
* :mod:`instances.cli` - the ``offloadsched instances`` subcommand.
"""

from .zoo import MODELS, get_model

__all__ = ["MODELS", "get_model"]
