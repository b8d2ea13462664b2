"""ONNX export -> import on every zoo model: per layer FLOPs, output bytes, parameters, edges and
geometry equal the zoo's, folded and unfolded; without the layer metadata the documented
differences only."""

import pytest

onnx = pytest.importorskip("onnx")

from offloadsched.instances import MODELS, from_onnx, get_model, to_onnx  # noqa: E402

GEOMETRY = ("kernel", "stride", "pads", "padding", "dilation", "groups", "ceil_mode", "out_shape")


def _norm(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _exported(name: str):
    model = to_onnx(get_model(name, fold=False))
    onnx.checker.check_model(model)
    return onnx.load_model_from_string(model.SerializeToString())  # through the wire format


def _assert_same(imported, zoo):
    assert imported.names == zoo.names
    assert sorted(imported.edges) == sorted(zoo.edges)
    for a, b in zip(imported.layers, zoo.layers):
        assert (a.kind, a.flops, a.out_bytes) == (b.kind, b.flops, b.out_bytes), a.name
        assert a.attrs["params"] == b.attrs["params"], a.name
        assert a.attrs["macs"] == b.attrs["macs"], a.name
        for key in GEOMETRY:
            if key in b.attrs:
                assert _norm(a.attrs[key]) == _norm(b.attrs[key]), (a.name, key)
        if "in_shape" in b.attrs:
            assert _norm(a.attrs["in_shape"]) == _norm(b.attrs["in_shape"]), a.name
        assert tuple(a.attrs.get("folded", ())) == tuple(b.attrs.get("folded", ())), a.name


@pytest.mark.parametrize("name", list(MODELS))
def test_round_trip_equals_zoo(name):
    model = _exported(name)
    for fold in (True, False):
        imported = from_onnx(model, fold=fold, name=name)
        zoo = get_model(name, fold=fold)
        _assert_same(imported, zoo)
        assert imported.attrs["params"] == zoo.attrs["params"]
        assert imported.attrs["flops"] == zoo.attrs["flops"]
        assert imported.attrs["no_flop_rule"] == {}


#: Without the ``offloadsched.layer`` metadata every node is its own layer.  Documented
#: differences: a RandWire node is 6+ ONNX nodes (weighted sum, ReLU, depthwise and pointwise conv,
#: batch-norm); a multi-image input is sliced by one ``Slice`` per reader (a 0-FLOP layer); the
#: Siamese distance is ``Sub`` + ``ReduceL2``.  Totals are equal everywhere.
STRUCTURE_DIFFERS = {"randwire", "multistream", "siamese"}


@pytest.mark.parametrize("name", list(MODELS))
def test_round_trip_without_metadata(name):
    model = _exported(name)
    for node in model.graph.node:
        del node.metadata_props[:]
    imported, zoo = from_onnx(model, name=name), get_model(name)
    assert imported.flops.sum() == zoo.flops.sum()
    assert imported.attrs["params"] == zoo.attrs["params"]
    assert imported.out_bytes[0] == zoo.out_bytes[0]
    if name in STRUCTURE_DIFFERS:
        assert len(imported) > len(zoo)
    else:
        assert imported.names == zoo.names and sorted(imported.edges) == sorted(zoo.edges)
        assert list(imported.flops) == list(zoo.flops) and list(imported.out_bytes) == list(zoo.out_bytes)


def test_export_refuses_folded_model():
    from offloadsched import ValidationError

    with pytest.raises(ValidationError, match="fold=False"):
        to_onnx(get_model("alexnet"))
