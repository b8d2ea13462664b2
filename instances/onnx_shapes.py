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
    """Reference implementations of operators, loaded once per (domain, operator, version)."""

    def __init__(self, onnx, opsets: Mapping[str, int]) -> None:
        from onnx.reference import ReferenceEvaluator
        from onnx.reference.ops import load_op

        self.load_op, self.cls = load_op, ReferenceEvaluator
        self.opsets = dict(opsets)
        self.params: dict[str, Any] = {"log": lambda *_: None, "opsets": self.opsets, "verbose": 0, "new_ops": None,
                                       "existing_functions": {}, "evaluator_cls": ReferenceEvaluator}
        self.ops: dict[tuple[str, str], Any] = {}

    def run(self, node, args: list) -> list | None:
        key = (node.domain, node.op_type)
        try:
            if key not in self.ops:
                self.ops[key] = self.load_op(node.domain, node.op_type, self.opsets.get(node.domain))
            result = self.ops[key](node, self.params).run(*args)
        except Exception:
            return None  # no reference implementation, or it failed: types come from inference
        return [np.asarray(r) for r in result]


def propagate(onnx, graph, opsets: Mapping[str, int], types: dict, values: dict[str, np.ndarray],
              recorded: Mapping[str, Any], ir_version: int) -> dict[str, str]:
    """Fill ``types`` (tensor name -> ``onnx.TypeProto``) and ``values`` (name -> array) for every
    node output of ``graph``, starting from those of its inputs and initializers (already in
    them).  ``recorded`` holds the types the file declares.  Returns, per tensor whose shape stayed
    unknown, why (the node and inference's message)."""
    from onnx import defs, helper, numpy_helper

    evaluator = _Evaluator(onnx, opsets)
    opset_protos = [helper.make_opsetid(domain, version) for domain, version in opsets.items()]
    schemas: dict[tuple[str, str], Any] = {}
    protos: dict[str, Any] = {}  # values as TensorProto, for inference
    why: dict[str, str] = {}
    for node in graph.node:
        names = list(node.input)
        outputs = [o for o in node.output if o]
        label = f"{node.name!r} ({node.op_type})" if node.name else node.op_type
        inferred: dict[str, Any] = {}
        reason = ""
        if node.op_type in ("Shape", "Size") and names and names[0] in types \
                and static_dims(types[names[0]]) is not None:
            dims = static_dims(types[names[0]])
            assert dims is not None
            if node.op_type == "Size":
                value = np.array(int(np.prod(dims)), dtype=np.int64)
            else:
                start, end = _attr(node, "start", 0), _attr(node, "end", None)
                value = np.array(dims[slice(start, end)], dtype=np.int64)
            values[outputs[0]] = value
        elif node.op_type not in NONDETERMINISTIC and all(not t or t in values for t in names) \
                and not any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
            result = evaluator.run(node, [values[t] if t else None for t in names])
            if result is not None and len(result) >= len(outputs):
                for name, value in zip(node.output, result):
                    if name and value.size <= MAX_VALUE_ELEMENTS and value.dtype != object:
                        values[name] = value
        for name in outputs:
            if name in values:
                v = values[name]
                inferred[name] = helper.make_tensor_type_proto(helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
        if len(inferred) < len(outputs):
            key = (node.domain, node.op_type)
            if key not in schemas:
                try:
                    schemas[key] = defs.get_schema(node.op_type, opsets.get(node.domain, 1), node.domain)
                except Exception:
                    schemas[key] = None
            schema = schemas[key]
            if schema is None:
                reason = f"no operator schema for {node.domain or 'ai.onnx'}.{node.op_type}"
            if schema is not None:
                known = {t: types[t] for t in names if t and t in types}
                if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
                    known = {**types, **known}  # subgraphs see the outer scope
                data = {}
                for t in names:
                    if t in values and values[t].size <= MAX_VALUE_ELEMENTS:
                        if t not in protos:
                            protos[t] = numpy_helper.from_array(values[t], t)
                        data[t] = protos[t]
                try:
                    for name, tp in onnx.shape_inference.infer_node_outputs(
                            schema, node, known, data, opset_imports=opset_protos, ir_version=ir_version).items():
                        inferred.setdefault(name, tp)
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


def _attr(node, name: str, default=None):
    from onnx import helper

    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default
