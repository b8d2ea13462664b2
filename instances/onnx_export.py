"""ONNX export of zoo models: every operator as an ONNX node, weights as typed graph inputs.

:func:`to_onnx` writes a zoo DNN built with ``fold=False`` (one layer per operator, shapes and
geometry in ``Layer.attrs``) as an ONNX graph (opset 17, batch size 1, float32).  No weight
values are needed: every weight is declared as a typed graph input (as
``torch.onnx.export(..., export_params=False)`` does), so the file of a full-size network is a
few hundred kilobytes.  Every node carries the metadata ``offloadsched.layer`` (the zoo layer it
belongs to) and ``offloadsched.kind``, so that :func:`offloadsched.instances.onnx_import.from_onnx` rebuilds
the zoo's layers exactly: import and export check each other on full-size networks.

Operators: ``conv`` -> ``Conv``; ``linear`` -> ``Flatten`` + ``Gemm`` (``transB=1``);
``maxpool`` / ``avgpool`` -> ``MaxPool`` / ``AveragePool``; ``adaptive_avgpool`` ->
``GlobalAveragePool`` or the equivalent ``AveragePool``; ``bn`` -> ``BatchNormalization``;
``relu`` / ``relu6`` / ``leaky_relu`` -> ``Relu`` / ``Clip(0, 6)`` / ``LeakyRelu(0.1)``; ``lrn``
-> ``LRN``; ``flatten`` -> ``Flatten``; ``add`` -> ``Add`` / ``Sum``; ``mean`` -> ``Mean``;
``concat`` -> ``Concat``; ``distance`` -> ``Sub`` + ``ReduceL2`` (to shape ``(1, 1)``); RandWire's ``node`` -> ``Mul``
by one scalar weight per input + ``Sum`` (or ``Identity``), ``Relu``, depthwise and pointwise
``Conv``, ``BatchNormalization``.  A multi-image input (Siamese, multi-stream) is one tensor of
``images`` images; the k-th reader of the input takes image ``k mod images`` with a ``Slice``.

Reference: the ONNX operator specification, opset 17 (https://onnx.ai/onnx/operators/).
Complexity: O(layers + edges).

References (docs/REFERENCES.md): [Xie2019], [ONNX].
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from offloadsched.dnn import DNN
from offloadsched.errors import ValidationError

from .onnx_import import KIND_KEY, LAYER_KEY, _onnx

OPSET = 17
IR_VERSION = 10  # node metadata_props need IR version 10 (onnx >= 1.16)


class _Writer:
    def __init__(self, onnx, dnn: DNN) -> None:
        self.onnx, self.dnn = onnx, dnn
        self.nodes: list = []
        self.inputs: list = []
        self.layer = ""
        self.kind = ""

    def weight(self, name: str, shape) -> str:
        self.inputs.append(self.onnx.helper.make_tensor_value_info(name, self.onnx.TensorProto.FLOAT, list(shape)))
        return name

    def const(self, name: str, values, dtype: str = "int64") -> str:
        h, tp = self.onnx.helper, self.onnx.TensorProto
        data_type = tp.INT64 if dtype == "int64" else tp.FLOAT
        values = values if isinstance(values, list) else [values]
        tensor = h.make_tensor(name, data_type, [len(values)] if dtype == "int64" else [], values)
        return self.node("Constant", [], name, value=tensor, node_name=name)

    def node(self, op: str, inputs, output: str, *, node_name: str | None = None, **attrs) -> str:
        n = self.onnx.helper.make_node(op, list(inputs), [output], name=node_name or output, **attrs)
        for key, value in ((LAYER_KEY, self.layer), (KIND_KEY, self.kind)):
            entry = n.metadata_props.add()
            entry.key, entry.value = key, value
        self.nodes.append(n)
        return output


def _pads(attrs) -> list[int]:
    t, b, left, r = attrs["pads"]
    return [t, left, b, r]


def _window_attrs(attrs) -> dict[str, Any]:
    return {"kernel_shape": list(attrs["kernel"]), "strides": list(attrs["stride"]), "pads": _pads(attrs)}


def _conv(w: _Writer, x: str, out: str, in_c: int, out_c: int, attrs, bias: bool, node_name: str | None = None) -> str:
    kh, kw = attrs["kernel"]
    g = attrs.get("groups", 1)
    ins = [x, w.weight(f"{node_name or out}.weight", (out_c, in_c // g, kh, kw))]
    if bias:
        ins.append(w.weight(f"{node_name or out}.bias", (out_c,)))
    return w.node("Conv", ins, out, node_name=node_name, group=g, dilations=list(attrs["dilation"]),
                  **_window_attrs(attrs))


def _layer(w: _Writer, layer, ins: list[str], out: str) -> None:
    """The nodes of one zoo layer (``ins``: its input tensors, ``out``: its output tensor)."""
    a = layer.attrs
    kind = layer.kind
    in_shapes = list(a.get("in_shapes") or [a.get("in_shape")])
    shape = in_shapes[0]
    if kind == "conv":
        c, oc = shape[0], a["out_shape"][0]
        weights = oc * (c // a["groups"]) * math.prod(a["kernel"])
        _conv(w, ins[0], out, c, oc, a, a["params"] > weights)
    elif kind == "linear":
        n, m = math.prod(shape), a["out_shape"][0]
        x = ins[0] if len(shape) == 1 else w.node("Flatten", [ins[0]], f"{out}/flatten", axis=1)
        gemm = [x, w.weight(f"{out}.weight", (m, n))] + ([w.weight(f"{out}.bias", (m,))] if a["params"] > n * m
                                                           else [])
        w.node("Gemm", gemm, out, transB=1)
    elif kind in ("maxpool", "avgpool") or (kind == "adaptive_avgpool" and tuple(a["out_shape"][1:]) != (1, 1)):
        if "kernel" not in a:
            raise ValidationError(f"layer {layer.name!r}: adaptive pooling {shape} -> {a['out_shape']} has no "
                                  "equal windows, which ONNX cannot express")
        extra = ({"dilations": list(a["dilation"])} if kind == "maxpool" else {"count_include_pad": 1})
        w.node("MaxPool" if kind == "maxpool" else "AveragePool", ins, out, ceil_mode=int(a.get("ceil_mode", False)),
               **_window_attrs(a), **extra)
    elif kind == "adaptive_avgpool":
        w.node("GlobalAveragePool", ins, out)
    elif kind == "bn":
        c = shape[0]
        w.node("BatchNormalization", [ins[0], *(w.weight(f"{out}.{p}", (c,)) for p in
                                                ("weight", "bias", "running_mean", "running_var"))], out)
    elif kind == "relu":
        w.node("Relu", ins, out)
    elif kind == "relu6":
        w.node("Clip", [ins[0], w.const(f"{out}/min", 0.0, "float"), w.const(f"{out}/max", 6.0, "float")], out)
    elif kind == "leaky_relu":
        w.node("LeakyRelu", ins, out, alpha=0.1)
    elif kind == "lrn":
        size = round((layer.flops / math.prod(shape) - 3) / 2)
        w.node("LRN", ins, out, size=size, alpha=1e-4, beta=0.75, bias=1.0)
    elif kind == "flatten":
        w.node("Flatten", ins, out, axis=1)
    elif kind == "add":
        w.node("Add" if len(ins) == 2 else "Sum", ins, out)
    elif kind == "mean":
        w.node("Mean", ins, out)
    elif kind == "concat":
        w.node("Concat", ins, out, axis=1)
    elif kind == "distance":
        w.node("ReduceL2", [w.node("Sub", ins, f"{out}/sub")], out, keepdims=1)
    elif kind == "node":
        if len(ins) == 1:
            agg = w.node("Identity", ins, f"{out}/aggregate")
        else:
            scaled = [w.node("Mul", [x, w.weight(f"{out}.w{k}", ())], f"{out}/mul{k}") for k, x in enumerate(ins)]
            agg = w.node("Sum", scaled, f"{out}/aggregate")
        c, oc = shape[0], a["out_shape"][0]
        y = w.node("Relu", [agg], f"{out}/relu")
        y = _conv(w, y, f"{out}/dw", c, c, a, False)
        y = _conv(w, y, f"{out}/pw", c, oc, {"kernel": (1, 1), "stride": (1, 1), "pads": (0, 0, 0, 0),
                                             "dilation": (1, 1)}, False)
        w.node("BatchNormalization", [y, *(w.weight(f"{out}.bn.{p}", (oc,)) for p in
                                         ("weight", "bias", "running_mean", "running_var"))], out)
    else:
        raise ValidationError(f"layer {layer.name!r}: no ONNX export for kind {kind!r}")


def to_onnx(dnn: DNN):
    """The ``onnx.ModelProto`` of a zoo DNN built with ``fold=False`` (see the module docstring)."""
    onnx = _onnx()
    h, tp = onnx.helper, onnx.TensorProto
    if any("folded" in layer.attrs or layer.kind == "block" for layer in dnn.layers):
        raise ValidationError(f"{dnn.name}: ONNX export needs one layer per operator; build the model with "
                              "fold=False and blocks=False")
    w = _Writer(onnx, dnn)
    first = dnn.layers[0]
    raw = tuple(first.attrs.get("out_shape") or ())
    images = int(dnn.attrs.get("images", 1))
    if not raw:
        raise ValidationError(f"{dnn.name}: layer {first.name!r} has no out_shape attribute (not a zoo model)")
    in_shape = raw if images > 1 else (1, *raw)
    graph_inputs = [h.make_tensor_value_info(first.name, tp.FLOAT, list(in_shape))]
    readers = 0
    for i, layer in enumerate(dnn.layers[1:], 1):
        if "out_shape" not in layer.attrs:
            raise ValidationError(f"{dnn.name}: layer {layer.name!r} has no out_shape attribute (not a zoo model)")
        w.layer, w.kind = layer.name, layer.kind
        ins = []
        for p in dnn.preds[i]:
            src = dnn.layers[p].name
            if p == dnn.input and images > 1:
                k = readers % images
                readers += 1
                src = w.node("Slice", [src, w.const(f"{layer.name}/start", [k]), w.const(f"{layer.name}/end", [k + 1]),
                                       w.const(f"{layer.name}/axis", [0])], f"{layer.name}/image")
            ins.append(src)
        _layer(w, layer, ins, layer.name)
    last = dnn.layers[-1]
    out_shape = [1, *last.attrs["out_shape"]]
    graph = h.make_graph(w.nodes, dnn.name, graph_inputs + w.inputs,
                         [h.make_tensor_value_info(last.name, tp.FLOAT, out_shape)])
    model = h.make_model(graph, producer_name="offloadsched", opset_imports=[h.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    model.doc_string = f"{dnn.name} from the offloadsched zoo ({dnn.attrs.get('source', '')}); weights are inputs"
    return model


def save_onnx(dnn: DNN, path) -> None:
    """Write :func:`to_onnx` of ``dnn`` to ``path`` (atomically)."""
    from offloadsched.atomic import atomic_write

    data = to_onnx(dnn).SerializeToString()
    try:
        with atomic_write(Path(path), binary=True) as fh:
            fh.write(data)
    except OSError as exc:
        raise ValidationError(f"cannot write {path}: {exc.strerror or exc}") from None
