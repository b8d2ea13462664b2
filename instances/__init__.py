"""The instance zoo: DNN models, device/network presets and random problem families.

* :mod:`offloadsched.instances.layers` - per-operator arithmetic (shapes, parameters, MACs, FLOPs).
* :mod:`offloadsched.instances.builder` - :class:`NetBuilder`, which turns operators into validated DNNs.
* :mod:`offloadsched.instances.zoo` - the models (:data:`MODELS`, :func:`get_model`).
* :mod:`offloadsched.instances.platforms` - device, server and network presets calibrated on seed 002.
* :mod:`offloadsched.instances.generators` - seeded random problems and the Taillard flow-shop generator.
* :mod:`offloadsched.instances.streams` - release times of arriving jobs (periodic, Poisson, bursts) and the
  offered load of a stream.
* :mod:`offloadsched.instances.onnx_import` / :mod:`offloadsched.instances.onnx_export` - ONNX models in and out
  (:func:`from_onnx`, :func:`to_onnx`; the ``onnx`` package is imported on first use), with
  :mod:`~offloadsched.instances.onnx_read` (a file without its weight values) and
  :mod:`~offloadsched.instances.onnx_shapes` (shapes and constant values of every tensor).
* :mod:`offloadsched.instances.profiles` - measured per-layer times from a CSV into a platform.
* :mod:`offloadsched.instances.cli` - the ``offloadsched instances`` subcommand.

References (docs/REFERENCES.md): [Seed002].
"""

from .onnx_export import save_onnx, to_onnx
from .onnx_import import OnnxImportWarning, from_onnx
from .profiles import measured_platform, read_times_csv
from .zoo import MODELS, get_model

__all__ = ["MODELS", "get_model", "from_onnx", "to_onnx", "save_onnx", "OnnxImportWarning", "measured_platform",
           "read_times_csv"]
