"""Shapes, element types and constant values of every tensor of an ONNX graph, in one pass.

:func:`propagate` visits the nodes in order (the graph must be topologically sorted):

* a node whose inputs all have known values (``Constant`` nodes, small initializers, ``Shape`` and
  ``Size`` of tensors with a static shape, and the results of such nodes) is evaluated with the
  ``onnx`` package's reference implementation of its operator, which gives its outputs' values and
  types: the shape arithmetic of exporters (a channel split computed with ``Div`` inside ``Slice``
  bounds, a class token's ``Expand`` shape, padding amounts) becomes constants;
* any other node's output types come from ``onnx``'s shape inference of that node
  (``onnx.shape_inference.infer_node_outputs``), given its input types and its inputs' known values,
  so that ``Reshape``, ``Slice``, ``Expand``, ``Pad``, ``Resize``... with computed arguments get
  static output shapes;
* types recorded in the file (``value_info`` and graph outputs, as torch's dynamo exporter writes
  them) fill in only what inference leaves unknown.

Values are kept up to :data:`MAX_VALUE_ELEMENTS` elements; nondeterministic operators are never
evaluated.  Reference: the ONNX operator specification and the ``onnx`` package's shape inference
and reference evaluator.  Complexity: O(nodes) operator evaluations or inferences.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

#: Largest constant tensor (elements) whose value is kept and computed on.
MAX_VALUE_ELEMENTS = 1 << 20
NONDETERMINISTIC = frozenset({"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
                              "Multinomial", "Bernoulli"})


def static_dims(tp) -> tuple[int, ...] | None:
    """The dimensions of a tensor ``TypeProto`` if all are known and positive, else ``None``."""
    if not tp.HasField("tensor_type") or not tp.tensor_type.HasField("shape"):
        return None
    dims = []
    for d in tp.tensor_type.shape.dim:
        if not d.HasField("dim_value") or d.dim_value < 0:
            return None
        dims.append(d.dim_value)
    return tuple(dims)


def _is_more_static(new, old) -> bool:
    """Whether ``new`` says more about a tensor's shape than ``old``."""
    if old is None:
        return True
    if static_dims(old) is not None:
        return False
    if static_dims(new) is not None:
        return True
    return not old.tensor_type.HasField("shape") and new.tensor_type.HasField("shape")


class _Evaluator:
    """Reference implementations of operators; one instance per distinct operator and attributes."""

    def __init__(self, opsets: Mapping[str, int]) -> None:
        from onnx.reference import ReferenceEvaluator
        from onnx.reference.ops import load_op

        self.load_op = load_op
        self.opsets = dict(opsets)
        self.params: dict[str, Any] = {"log": lambda *_: None, "opsets": self.opsets, "verbose": 0, "new_ops": None,
                                       "existing_functions": {}, "evaluator_cls": ReferenceEvaluator}
        self.classes: dict[tuple[str, str], Any] = {}
        self.instances: dict[tuple, Any] = {}

    def run(self, node, args: list) -> list | None:
        from onnx import numpy_helper

        try:
            if node.op_type == "Constant" and not node.domain and len(node.attribute) == 1 \
                    and node.attribute[0].name == "value":
                return [numpy_helper.to_array(node.attribute[0].t)]
            key = (node.domain, node.op_type, len(node.input), len(node.output),
                   tuple(a.SerializeToString() for a in node.attribute))
            op = self.instances.get(key)
            if op is None:
                cls_key = (node.domain, node.op_type)
                if cls_key not in self.classes:
                    self.classes[cls_key] = self.load_op(node.domain, node.op_type, self.opsets.get(node.domain))
                op = self.instances[key] = self.classes[cls_key](node, self.params)
            result = op.run(*args)
        except Exception:
            return None  # no reference implementation, or it failed: types come from inference
        return [np.asarray(r) for r in result]


def _type_of(helper, types: dict, values: Mapping[str, np.ndarray], name: str):
    if name not in types and name in values:
        v = values[name]
        types[name] = helper.make_tensor_type_proto(helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
    return types.get(name)


def propagate(onnx, graph, opsets: Mapping[str, int], types: dict, values: dict[str, np.ndarray],
              recorded: Mapping[str, Any], ir_version: int) -> dict[str, str]:
    """Fill ``types`` (tensor name -> ``onnx.TypeProto``) and ``values`` (name -> array) for the
    node outputs of ``graph``, starting from those of its inputs and initializers (already in
    them); a tensor with a value may have no entry in ``types`` (see :func:`tensor_type`).
    ``recorded`` holds the types the file declares.  Returns, per tensor whose shape stayed
    unknown, why (the node and inference's message)."""
    from onnx import defs, helper, numpy_helper

    evaluator = _Evaluator(opsets)
    opset_protos = [helper.make_opsetid(domain, version) for domain, version in opsets.items()]
    schemas: dict[tuple[str, str], Any] = {}
    protos: dict[str, Any] = {}  # values as TensorProto, for inference
    why: dict[str, str] = {}
    subgraph = (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
    for node in graph.node:
        names = list(node.input)
        outputs = [o for o in node.output if o]
        label = f"{node.name!r} ({node.op_type})" if node.name else node.op_type
        has_subgraph = any(a.type in subgraph for a in node.attribute)
        first = _type_of(helper, types, values, names[0]) if names and names[0] else None
        if node.op_type in ("Shape", "Size") and first is not None and static_dims(first) is not None:
            dims = static_dims(first)
            assert dims is not None
            if node.op_type == "Size":
                values[outputs[0]] = np.array(int(np.prod(dims)), dtype=np.int64)
            else:
                start, end = _attr(node, "start", 0), _attr(node, "end", None)
                values[outputs[0]] = np.array(dims[slice(start, end)], dtype=np.int64)
            continue
        if node.op_type not in NONDETERMINISTIC and not has_subgraph and all(not t or t in values for t in names):
            result = evaluator.run(node, [values[t] if t else None for t in names])
            if result is not None and len(result) >= len(outputs):
                for name, value in zip(node.output, result):
                    if name and value.dtype != object:
                        if value.size <= MAX_VALUE_ELEMENTS:
                            values[name] = value
                        else:
                            types[name] = helper.make_tensor_type_proto(
                                helper.np_dtype_to_tensor_dtype(value.dtype), value.shape)
                if all(o in values or o in types for o in outputs):
                    continue
        inferred: dict[str, Any] = {}
        reason = ""
        key = (node.domain, node.op_type)
        if key not in schemas:
            try:
                schemas[key] = defs.get_schema(node.op_type, opsets.get(node.domain, 1), node.domain)
            except Exception:
                schemas[key] = None
        schema = schemas[key]
        if schema is None:
            reason = f"no operator schema for {node.domain or 'ai.onnx'}.{node.op_type}"
        elif any(t and _type_of(helper, types, values, t) is None for t in names):
            reason = "the type of input " + next(repr(t) for t in names if t and t not in types) + " is unknown"
        else:
            known = {t: types[t] for t in names if t}
            if has_subgraph:
                known = {**types, **known}  # subgraphs see the outer scope
            data = {}
            for t in names:
                if t in values:
                    if t not in protos:
                        protos[t] = numpy_helper.from_array(values[t], t)
                    data[t] = protos[t]
            try:
                inferred = onnx.shape_inference.infer_node_outputs(schema, node, known, data,
                                                                   opset_imports=opset_protos, ir_version=ir_version)
            except Exception as exc:
                reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        for name in outputs:
            tp = inferred.get(name)
            if name in recorded and (tp is None or _is_more_static(recorded[name], tp)):
                tp = recorded[name]
            if tp is not None:
                types[name] = tp
            if tp is None or static_dims(tp) is None:
                why[name] = f"node {label}" + (f": {reason}" if reason else "")
    return why


def tensor_type(helper, types: dict, values: Mapping[str, np.ndarray], name: str):
    """The ``onnx.TypeProto`` of a tensor after :func:`propagate` (``None`` if unknown)."""
    return _type_of(helper, types, values, name)


def _attr(node, name: str, default=None):
    from onnx import helper

    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default
