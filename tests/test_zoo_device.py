"""Operator classes of the device model on the zoo and on ONNX imports: depthwise convolutions are
recognisable (MobileNetV2, Siamese, RandWire's separable nodes, ONNX ``Conv`` with ``group > 1``),
wide-group convolutions (CaffeNet) are dense, and a mixed layer keeps each part in its class."""

import pytest

from offloadsched.device import layer_work, operator_class
from offloadsched.instances import get_model
from offloadsched.instances import layers as L
from offloadsched.instances.platforms import make_platform


def test_mobilenet_v2_depthwise_layers():
    dnn = get_model("mobilenet_v2", fold=False)
    dw = [layer for layer in dnn.layers if layer.kind == "conv" and layer.attrs["groups"] > 1]
    assert len(dw) == 17  # one depthwise 3x3 per inverted-residual block
    for layer in dw:
        assert layer.attrs["groups"] == layer.attrs["in_shape"][0] == layer.attrs["out_shape"][0]
        assert operator_class(layer) == "dwconv" and layer.attrs["work"] == {"dwconv": layer.flops}
    # 3x3 depthwise MACs by hand: channels x 9 x output pixels, summed over the 17 blocks
    macs = sum(layer.attrs["out_shape"][0] * 9 * layer.attrs["out_shape"][1] * layer.attrs["out_shape"][2]
               for layer in dw)
    assert layer_work(dnn)["dwconv"].sum() == 2 * macs
    dense = [layer for layer in dnn.layers if layer.kind == "conv" and layer.attrs["groups"] == 1]
    assert all(operator_class(layer) == "conv" for layer in dense)
    assert operator_class(dnn["classifier"]) == "fc"


@pytest.mark.parametrize("options", [{}, {"blocks": True}, {"fold": False}])
def test_siamese_split_is_fold_and_block_invariant(options):
    base = {k: v.sum() for k, v in layer_work(get_model("siamese", fold=False)).items()}
    work = {k: v.sum() for k, v in layer_work(get_model("siamese", **options)).items()}
    assert work == pytest.approx(base)
    assert base["dwconv"] == 2 * layer_work(get_model("mobilenet_v2"))["dwconv"].sum()


def test_siamese_block_mixes_classes():
    block = get_model("siamese", blocks=True)["tower0.features.2"]
    assert block.kind == "block"
    assert set(block.attrs["work"]) == {"conv", "dwconv", "memory", "memory_bytes"}
    assert operator_class(block) == "conv"  # most of its FLOPs: the 1x1 expansion and projection


def test_randwire_node_splits_depthwise_and_pointwise():
    dnn = get_model("randwire", seed=1)
    node = next(layer for layer in dnn.layers if layer.kind == "node")
    (c, h, w), cin = node.attrs["out_shape"], node.attrs.get("in_shape", node.attrs.get("in_shapes", [None])[0])[0]
    work = node.attrs["work"]
    assert work["dwconv"] == 2 * cin * 9 * h * w  # depthwise 3x3
    assert work["conv"] == 2 * cin * c * h * w  # pointwise 1x1
    assert sum(v for k, v in work.items() if k != "memory_bytes") == node.flops


def test_caffenet_grouped_convs_are_dense():
    dnn = get_model("caffenet")
    for name in ("conv2", "conv4", "conv5"):
        assert dnn[name].attrs["groups"] == 2 and operator_class(dnn[name]) == "conv"
    assert L.conv2d((96, 27, 27), 256, 5, 1, 2, groups=2).class_work() == {"conv": 2 * 256 * 48 * 25 * 27 * 27}
    narrow = L.conv2d((64, 8, 8), 64, 3, 1, 1, groups=16)  # 4 channels per group: depthwise-like
    assert set(narrow.class_work()) == {"dwconv"}


def test_onnx_conv_group_is_read():
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    from offloadsched.instances import from_onnx

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 32, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 32, 8, 8])
    w1 = helper.make_tensor("w1", TensorProto.FLOAT, [32, 1, 3, 3], [0.0] * 288)
    w2 = helper.make_tensor("w2", TensorProto.FLOAT, [32, 32, 1, 1], [0.0] * 1024)
    nodes = [helper.make_node("Conv", ["x", "w1"], ["a"], name="dw", group=32, pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["a"], ["b"], name="relu"),
             helper.make_node("Conv", ["b", "w2"], ["y"], name="pw")]
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [y], [w1, w2]),
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    dnn = from_onnx(model, fold=False)
    assert dnn["dw"].attrs["groups"] == 32 and operator_class(dnn["dw"]) == "dwconv"
    assert dnn["dw"].attrs["work"] == {"dwconv": 2 * 32 * 9 * 64}
    assert operator_class(dnn["pw"]) == "conv" and operator_class(dnn["relu"]) == "memory"
    assert dnn["relu"].attrs["work"]["memory_bytes"] == 2 * 4 * 32 * 64


@pytest.mark.parametrize("name", ["alexnet_parallel", "siamese", "multistream", "googlenet", "randwire"])
def test_onnx_round_trip_keeps_local_times(name):
    """Per layer equal, except RandWire's weighted sum and the Siamese distance, which ONNX spells
    with more nodes (more bytes moved): within 0.5 % in total."""
    onnx = pytest.importorskip("onnx")
    from offloadsched.instances import from_onnx, to_onnx

    model = onnx.load_model_from_string(to_onnx(get_model(name, fold=False)).SerializeToString())
    platform = make_platform()
    ours, back = platform.local_times(get_model(name)), platform.local_times(from_onnx(model, name=name))
    if name in ("randwire", "siamese"):
        assert back.sum() == pytest.approx(ours.sum(), rel=5e-3)
    else:
        assert list(back) == list(ours)
