"""Reading an ONNX model without its weight values.

:func:`read_structure` returns the ``onnx.ModelProto`` of a file with every large initializer
reduced to its header (name, element type, dimensions; no values), so that importing a model costs
memory in proportion to its graph, not to its weights: a 553 MB VGG-16 file is read as a few
hundred kilobytes.  A path is scanned in the protobuf wire format through a memory map: the bytes of
the skipped values are never touched (the map's pages are not read), the graph's other fields are
copied as they are and the result is parsed by ``onnx``.  Weights in external data files are never
opened.  An in-memory ``onnx.ModelProto`` is copied the same way, field by field
(:func:`strip_model`).

Initializers of at most :data:`KEEP_BYTES` bytes keep their values: shape and index
constants (``Reshape`` shapes, ``Slice`` bounds) are needed to infer shapes.

Reference: the protocol buffers encoding (https://protobuf.dev/programming-guides/encoding/) and
``onnx.proto`` (field numbers of ``ModelProto``, ``GraphProto``, ``TensorProto``).
Complexity: O(fields of the model and of its graph) time, O(graph without weight values) memory.
"""

from __future__ import annotations

import mmap
from pathlib import Path

#: Initializers of more bytes than this are read without their values.
KEEP_BYTES = 4096
_MODEL_GRAPH = 7  # ModelProto.graph
_GRAPH_INITIALIZER = 5  # GraphProto.initializer
_TENSOR_NAME = 8  # TensorProto.name
#: TensorProto fields holding values: float_data, int32_data, string_data, int64_data, raw_data,
#: double_data, uint64_data.
_TENSOR_VALUES = frozenset({4, 5, 6, 7, 9, 10, 11})


class WireError(ValueError):
    """The bytes are no valid protobuf message."""


def _varint(buf, pos: int, end: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise WireError("truncated varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _fields(buf, start: int, end: int):
    """``(field number, wire type, field start, value start, value end)`` of each field of a message."""
    pos = start
    while pos < end:
        field_start = pos
        key, pos = _varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, value_end = _varint(buf, pos, end)
        elif wire == 1:
            value_end = pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos, end)
            value_end = pos + length
        elif wire == 5:
            value_end = pos + 4
        else:
            raise WireError(f"unsupported wire type {wire}")
        if value_end > end or number == 0:
            raise WireError("truncated message")
        yield number, wire, field_start, pos, value_end
        pos = value_end


def _length_delimited(number: int, payload: bytes) -> bytes:
    return _encode_varint(number << 3 | 2) + _encode_varint(len(payload)) + payload


def _tensor_header(buf, start: int, end: int, stripped: set[str]) -> bytes:
    """A ``TensorProto`` without its values (its name joins ``stripped``)."""
    out = bytearray()
    for number, _, field_start, value_start, value_end in _fields(buf, start, end):
        if number == _TENSOR_NAME:
            stripped.add(bytes(buf[value_start:value_end]).decode("utf-8", "replace"))
        if number not in _TENSOR_VALUES:
            out += buf[field_start:value_end]
    return bytes(out)


def _graph_without_values(buf, start: int, end: int, stripped: set[str]) -> bytes:
    out = bytearray()
    for number, wire, field_start, value_start, value_end in _fields(buf, start, end):
        if number == _GRAPH_INITIALIZER and wire == 2 and value_end - value_start > KEEP_BYTES:
            out += _length_delimited(number, _tensor_header(buf, value_start, value_end, stripped))
        else:
            out += buf[field_start:value_end]
    return bytes(out)


def strip_bytes(buf) -> tuple[bytes, set[str]]:
    """The serialized model in ``buf`` (bytes, memory map) without large initializer values, and
    the names of the initializers read without them."""
    out = bytearray()
    stripped: set[str] = set()
    for number, wire, field_start, value_start, value_end in _fields(buf, 0, len(buf)):
        if number == _MODEL_GRAPH and wire == 2:
            out += _length_delimited(number, _graph_without_values(buf, value_start, value_end, stripped))
        else:
            out += buf[field_start:value_end]
    return bytes(out), stripped


def read_structure(onnx, path: Path):
    """``(model, stripped)``: the model in the file at ``path`` without large initializer values
    (``stripped``: their names).  Raises ``OSError`` when the file cannot be read and
    :class:`WireError` (or protobuf's ``DecodeError``) when it holds no protobuf message."""
    with open(path, "rb") as fh:
        try:
            view = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped
            raise WireError("empty file") from None
        with view:
            data, stripped = strip_bytes(view)
    return onnx.load_model_from_string(data), stripped


def _copy_fields(src, dst, skip: str) -> None:
    for descriptor, value in src.ListFields():
        if descriptor.name == skip:
            continue
        target = getattr(dst, descriptor.name)
        repeated = getattr(descriptor, "is_repeated", None)  # protobuf >= 6; label() before
        if repeated if repeated is not None else descriptor.label == descriptor.LABEL_REPEATED:
            target.extend(value)
        elif descriptor.message_type is not None:
            target.CopyFrom(value)
        else:
            setattr(dst, descriptor.name, value)


def strip_model(onnx, model) -> tuple[object, set[str]]:
    """:func:`read_structure` of an in-memory ``onnx.ModelProto`` (a copy; ``model`` is unchanged)."""
    big = [t for t in model.graph.initializer if t.ByteSize() > KEEP_BYTES]
    if not big:
        return model, set()
    out = onnx.ModelProto()
    _copy_fields(model, out, "graph")
    _copy_fields(model.graph, out.graph, "initializer")
    for t in model.graph.initializer:
        copy = out.graph.initializer.add()
        if t.ByteSize() <= KEEP_BYTES:
            copy.CopyFrom(t)
            continue
        copy.name, copy.data_type, copy.data_location = t.name, t.data_type, t.data_location
        copy.dims.extend(t.dims)
        copy.external_data.extend(t.external_data)
    return out, {t.name for t in big}
