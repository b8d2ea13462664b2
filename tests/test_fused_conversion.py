"""Fused-layer conversion (seed 003 Sec. II-A): receptive fields, FLOPs, the converted DNN, bad input."""

from __future__ import annotations

import pytest

from offloadsched import DNN, Layer, ValidationError, chain
from offloadsched.instances import get_model
from offloadsched.instances.builder import NetBuilder
from offloadsched.instances.fl_platform import FL_RATES, fl_platform, shannon_rate
from offloadsched.instances.fused import (
    SpatialLayer,
    Tiling,
    fusable_depth,
    fuse_layers,
    fused_output,
    make_tiling,
    receptive_fields,
    spatial_stack,
)


def conv_pool(extra_conv: bool = False) -> DNN:
    """input 2x8x8 -> conv 3x3 s1 p1 (4 ch) -> max pool 2x2 s2 [-> conv 3x3 s1 p1] -> linear."""
    b = NetBuilder("convpool", input_shape=(2, 8, 8))
    x = b.conv(b.input, 4, 3, 1, 1, name="conv")
    x = b.max_pool(x, 2, 2, name="pool")
    if extra_conv:
        x = b.conv(x, 4, 3, 1, 1, name="conv2")
    b.linear(x, 10, name="fc")
    return b.build()


def extents(dnn: DNN, tau: int, tiles) -> list[list[tuple]]:
    stack = spatial_stack(dnn).layers[:tau]
    tiling = make_tiling(tiles, *stack[-1].out_shape[1:])
    return [[(e.layer.name, e.in_rows, e.in_cols, e.out_rows, e.out_cols) for e in receptive_fields(stack, r, c)]
            for r, c in tiling.tiles()]


def test_receptive_fields_by_hand():
    # pool output 4x4 in 2x2 tiles; pool rows [0,2) read conv rows [0,4), which read input rows
    # [-1, 5) -> [0, 5) (the padding row is not computed); rows [2,4) read [4,8) and input [3, 9) -> [3, 8).
    got = extents(conv_pool(), 2, 2)
    assert got[0] == [("conv", (0, 5), (0, 5), (0, 4), (0, 4)), ("pool", (0, 4), (0, 4), (0, 2), (0, 2))]
    assert got[1] == [("conv", (0, 5), (3, 8), (0, 4), (4, 8)), ("pool", (0, 4), (4, 8), (0, 2), (2, 4))]
    assert got[3] == [("conv", (3, 8), (3, 8), (4, 8), (4, 8)), ("pool", (4, 8), (4, 8), (2, 4), (2, 4))]
    # a third layer (3x3 pad 1) makes the conv outputs overlap: rows [0,6) and [2,8)
    deep = extents(conv_pool(extra_conv=True), 3, (2, 1))
    assert [e[1:4:2] for e in deep[0]] == [((0, 7), (0, 6)), ((0, 6), (0, 3)), ((0, 3), (0, 2))]
    assert [e[1:4:2] for e in deep[1]] == [((1, 8), (2, 8)), ((2, 8), (1, 4)), ((1, 4), (2, 4))]


def test_input_range_stride_dilation_padding():
    layer = SpatialLayer(1, "c", (3, 3), (2, 2), (2, 2, 0, 0), (2, 2), (1, 10, 10), (1, 5, 3))
    assert layer.input_range(0, 1, 3) == (0, 7)     # [1*2-2, 2*2 + 2*2 + 1 - 2)
    assert layer.input_range(0, 4, 5) == (6, 10)    # [6, 11) clipped at the border
    assert layer.input_range(1, 0, 1) == (0, 5)     # no column padding: [0, 5)


def test_converted_dnn_structure_and_bytes():
    dnn = conv_pool()
    fl = fuse_layers(dnn, 2, 2)
    assert isinstance(fl, DNN) and len(fl) == 1 + 4 * 3 + 1 + 1
    info = fl.attrs["fl"]
    assert info["tau"] == 2 and info["tiles"] == "2x2" and len(info["paths"]) == 4
    assert fl.names[:4] == ["input", "fl0.crop", "fl0.conv", "fl0.pool"]
    assert fl.preds[fl.index["pool.fuse"]] == tuple(fl.index[p[-1]] for p in info["paths"])
    assert fl.edges[-1] == ("pool.fuse", "fc")
    assert fl["fl0.crop"].out_bytes == 4 * 2 * 5 * 5                      # input tile 2 x 5 x 5
    assert fl["fl0.conv"].flops == dnn["conv"].flops * 16 / 64            # 4x4 of 8x8 outputs
    assert fl["fl0.pool"].out_bytes == dnn["pool"].out_bytes / 4
    assert fl["pool.fuse"].out_bytes == dnn["pool"].out_bytes and fl["pool.fuse"].flops == 0
    assert fl["fc"] == dnn["fc"]


@pytest.mark.parametrize("model", ["alexnet", "squeezenet1_0", "tiny_yolov2"])
def test_one_tile_reproduces_the_original(model):
    dnn = get_model(model)
    tau = fusable_depth(dnn)
    fl = fuse_layers(dnn, tau, 1)
    for layer in spatial_stack(dnn).layers:
        assert fl[f"fl0.{layer.name}"].flops == dnn[layer.name].flops
        assert fl[f"fl0.{layer.name}"].out_bytes == dnn[layer.name].out_bytes
    assert fl.flops.sum() == pytest.approx(dnn.flops.sum(), rel=1e-12)
    # the crop is the receptive field: SqueezeNet's conv1 (7x7 stride 2, no padding) never reads row/column 223
    rows = (0, 223) if model == "squeezenet1_0" else (0, dnn["input"].attrs["out_shape"][1])
    assert fl["fl0.crop"].attrs["rows"] == fl["fl0.crop"].attrs["cols"] == rows
    assert fl["fl0.crop"].out_bytes == 4 * 3 * rows[1] ** 2


def test_flops_grow_with_the_number_of_tiles():
    dnn = get_model("alexnet")
    for tau in (3, 5, 8):
        totals = [fuse_layers(dnn, tau, k).flops.sum() for k in range(1, 5)]
        assert all(a < b for a, b in zip(totals, totals[1:])), (tau, totals)
    # one layer deep there is no overlap to recompute: FLOPs stay (up to float rounding)
    one = [fuse_layers(dnn, 1, k).flops.sum() for k in (1, 3, 5)]
    assert one == pytest.approx([one[0]] * 3, rel=1e-12)


def test_explicit_boundaries():
    dnn = conv_pool()
    fl = fuse_layers(dnn, 2, {"rows": [0, 1, 4], "cols": [0, 4]})
    assert fl.attrs["fl"]["tiles"] == "2x1*" and len(fl.attrs["fl"]["paths"]) == 2
    assert fl["fl0.pool"].attrs["rows"] == (0, 1) and fl["fl1.pool"].attrs["rows"] == (1, 4)
    assert fuse_layers(dnn, 2, ([0, 2, 4], [0, 4])).attrs["fl"]["tiles"] == "2x1"
    assert Tiling.grid(27, 27, 2).rows == (0, 13, 27)


def test_zoo_stacks():
    assert fusable_depth(get_model("alexnet")) == 8
    assert fusable_depth(get_model("squeezenet1_0")) == 3
    assert fusable_depth(get_model("tiny_yolov2")) == 15
    assert fused_output(get_model("alexnet"), 8) == (6, 6)  # pool5 with a folded flatten


def test_bad_input():
    alex = get_model("alexnet")
    with pytest.raises(ValidationError, match=r"tau=9 is deeper than the 8 convolution/pooling layers.*'fc6'"):
        fuse_layers(alex, 9)
    with pytest.raises(ValidationError, match="tau must be an integer >= 1"):
        fuse_layers(alex, 0)
    with pytest.raises(ValidationError, match="7 tile rows exceed the fused layer's 6 rows.*more tiles than pixels"):
        fuse_layers(alex, 8, 7)
    with pytest.raises(ValidationError, match="more tiles than pixels"):
        fuse_layers(alex, 8, (1, 9))
    mlp = chain("mlp", [Layer("x", "input", 0, 40), Layer("fc1", "linear", 80, 40), Layer("fc2", "linear", 80, 4)])
    with pytest.raises(ValidationError, match="'mlp' has no convolution/pooling layer at its start"):
        fuse_layers(mlp, 1)
    with pytest.raises(ValidationError, match="'input' feeds 2 layers"):
        fuse_layers(get_model("siamese"), 1)
    with pytest.raises(ValidationError, match="boundaries cover 4x4 pixels but the fused layer's output is 6x6"):
        fuse_layers(alex, 8, ([0, 2, 4], [0, 4]))
    with pytest.raises(ValidationError, match="increase strictly"):
        fuse_layers(alex, 8, ([0, 3, 3, 6], [0, 6]))
    with pytest.raises(ValidationError, match="cannot read"):
        fuse_layers(alex, 8, "2x2")


def test_fl_platform():
    assert shannon_rate() == pytest.approx(5e6 * 6.658211482751795)
    assert fl_platform().bandwidth == pytest.approx(33.29e6, rel=1e-3)
    p = fl_platform(2.0)
    assert (p.r_loc, p.r_rem, p.bandwidth, p.w_msg) == (2.23e8, 4.32e9, 16e6, 0.0)
    assert len(FL_RATES) == 20 and FL_RATES[0] == 1.1 and FL_RATES[-1] == 3.0
    with pytest.raises(ValidationError, match="rate_MBps must be a positive number"):
        fl_platform(0)
