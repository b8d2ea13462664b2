"""Layer arithmetic of offloadsched.instances.layers against hand-computed figures (PyTorch semantics)."""

import pytest

from offloadsched.errors import ValidationError
from offloadsched.instances import layers as L


def test_conv_alexnet_conv1():
    op = L.conv2d((3, 224, 224), 64, 11, 4, 2)
    assert op.out_shape == (64, 55, 55)  # (224 + 4 - 11) // 4 + 1
    assert op.params == 64 * 3 * 11 * 11 + 64 == 23_296
    assert op.macs == 64 * 3 * 121 * 55 * 55 == 70_276_800
    assert op.flops == 2 * op.macs
    assert op.out_bytes == 4 * 64 * 55 * 55
    assert op.geometry["kernel"] == (11, 11) and op.geometry["stride"] == (4, 4)
    assert op.geometry["padding"] == (2, 2) and op.geometry["pads"] == (2, 2, 2, 2)


def test_grouped_and_dilated_conv():
    op = L.conv2d((96, 27, 27), 256, 5, 1, 2, groups=2)  # CaffeNet conv2
    assert op.out_shape == (256, 27, 27)
    assert op.params == 256 * 48 * 25 + 256 == 307_456
    assert op.macs == 256 * 48 * 25 * 27 * 27
    dil = L.conv2d((8, 32, 32), 8, 3, 1, 2, dilation=2, bias=False)
    assert dil.out_shape == (8, 32, 32)  # effective kernel 5, padding 2
    assert dil.params == 8 * 8 * 9
    assert L.conv2d((8, 10, 12), 4, (3, 5), (2, 1), (1, 2)).out_shape == (4, 5, 12)


def test_depthwise_and_separable():
    dw = L.depthwise_conv2d((32, 112, 112), 3, 1, 1, bias=False)
    assert dw.out_shape == (32, 112, 112)
    assert dw.params == 32 * 9 and dw.macs == 32 * 9 * 112 * 112
    assert dw.geometry["groups"] == 32
    sep = L.separable_conv2d((78, 28, 28), 156, 3, 2, 1)
    assert sep.out_shape == (156, 14, 14)
    assert sep.params == 78 * 9 + 78 * 156
    assert sep.macs == 78 * 9 * 14 * 14 + 78 * 156 * 14 * 14
    assert sep.geometry["kernel"] == (3, 3) and sep.geometry["stride"] == (2, 2)  # the depthwise part's


def test_pooling_sizes_and_ceil_mode():
    assert L.max_pool2d((64, 112, 112), 3, 2, 1).out_shape == (64, 56, 56)  # ResNet
    assert L.max_pool2d((64, 112, 112), 3, 2, ceil_mode=True).out_shape == (64, 56, 56)  # GoogLeNet
    assert L.max_pool2d((64, 112, 112), 3, 2).out_shape == (64, 55, 55)
    assert L.max_pool2d((96, 109, 109), 3, 2, ceil_mode=True).out_shape == (96, 54, 54)  # SqueezeNet
    # ceil_mode: the last window must start inside the left-padded input
    assert L.output_size(5, 2, 2, 1, 1, ceil_mode=True) == 3
    assert L.output_size(6, 2, 2, 1, 1, ceil_mode=True) == 4
    darknet = L.max_pool2d((512, 13, 13), 2, 1, (0, 1, 0, 1))
    assert darknet.out_shape == (512, 13, 13)
    assert darknet.geometry["pads"] == (0, 1, 0, 1) and darknet.geometry["padding"] == (0, 0)
    op = L.max_pool2d((1, 4, 4), 2)
    assert op.out_shape == (1, 2, 2) and op.extra_flops == 4 * 4 and op.params == 0 and op.macs == 0
    assert L.avg_pool2d((2, 7, 7), 7, 1).out_shape == (2, 1, 1)


def test_adaptive_pool_windows():
    op = L.adaptive_pool2d((512, 7, 7), 1)
    assert op.out_shape == (512, 1, 1) and op.extra_flops == 512 * 49
    assert op.geometry["kernel"] == (7, 7)
    # 5 -> 3: windows [0,2), [1,4), [3,5) of sizes 2, 3, 2 in each direction
    uneven = L.adaptive_pool2d((1, 5, 5), 3)
    assert uneven.extra_flops == 7 * 7
    assert "kernel" not in uneven.geometry


def test_linear_norms_activations():
    fc = L.linear((256, 6, 6), 4096)
    assert fc.out_shape == (4096,)
    assert fc.params == 9216 * 4096 + 4096 == 37_752_832 and fc.macs == 9216 * 4096
    assert L.linear((10,), 5, bias=False).params == 50
    bn = L.batch_norm((64, 56, 56))
    assert bn.params == 128 and bn.extra_flops == 2 * 64 * 56 * 56 and bn.out_shape == (64, 56, 56)
    assert L.relu((3, 4, 5)).extra_flops == 60
    assert L.relu((3, 4, 5), "relu6").kind == "relu6"
    assert L.local_response_norm((96, 27, 27), 5).extra_flops == 13 * 96 * 27 * 27
    assert L.flatten((256, 6, 6)).out_shape == (9216,) and L.flatten((256, 6, 6)).flops == 0


def test_merges():
    cat = L.concat([(64, 28, 28), (128, 28, 28), (32, 28, 28)])
    assert cat.out_shape == (224, 28, 28) and cat.flops == 0
    s = (8, 4, 4)
    assert L.add([s, s, s]).extra_flops == 2 * 128
    assert L.mean([s, s]).extra_flops == 2 * 128
    ws = L.weighted_sum([s, s, s])
    assert ws.params == 3 and ws.extra_flops == 5 * 128
    assert L.weighted_sum([s]).flops == 0
    d = L.l2_distance([(1000,), (1000,)])
    assert d.out_shape == (1,) and d.extra_flops == 3000


def test_combine_and_attrs():
    conv = L.conv2d((3, 8, 8), 4, 3, 1, 1, bias=False)
    both = L.combine("conv", [conv, L.batch_norm(conv.out_shape)])
    assert both.params == conv.params + 8 and both.macs == conv.macs
    assert both.flops == conv.flops + 2 * 4 * 64
    attrs = both.attrs()
    assert attrs["in_shape"] == (3, 8, 8) and attrs["out_shape"] == (4, 8, 8)
    assert attrs["kernel"] == (3, 3) and attrs["params"] == both.params and attrs["macs"] == both.macs


@pytest.mark.parametrize("call, words", [
    (lambda: L.conv2d((3, 8, 8), 4, 3, groups=2), "divisible by groups"),
    (lambda: L.conv2d((3, 4, 4), 4, 7), "larger than the padded input"),
    (lambda: L.conv2d((3, 8), 4, 3), "(C, H, W)"),
    (lambda: L.conv2d((3, 8, 8), 0, 3), "out_channels"),
    (lambda: L.max_pool2d((3, 8, 8), 2, 0), "stride must be positive"),
    (lambda: L.conv2d((3, 8, 8), 4, 3, padding=-1), "non-negative"),
    (lambda: L.add([(1, 2, 2), (2, 2, 2)]), "equal shapes"),
    (lambda: L.concat([(1, 2, 2), (1, 3, 2)]), "agree except in channels"),
    (lambda: L.relu((1,), "gelu"), "unknown activation"),
])
def test_mistakes_raise_validation_error(call, words):
    with pytest.raises(ValidationError, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()
