"""ONNX import on hand-built graphs (onnx.helper): each operator rule with its expected numbers,
the structural rules (fold, sink, dynamic dimensions, weights) and bad input on the command line."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from offloadsched import ValidationError  # noqa: E402
from offloadsched.cli import main  # noqa: E402
from offloadsched.instances import OnnxImportWarning, from_onnx  # noqa: E402
from offloadsched.io import load  # noqa: E402

F = TensorProto.FLOAT


def weight(name, *shape):
    return numpy_helper.from_array(np.zeros(shape, dtype=np.float32), name)


def vi(name, shape, dtype=F):
    return helper.make_tensor_value_info(name, dtype, list(shape))


def model(nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 10
    onnx.checker.check_model(m)
    return m


def layer(dnn, name):
    return dnn[name]


# -- convolutions ---------------------------------------------------------------------------
def test_grouped_dilated_conv():
    # 8 -> 16 channels in 2 groups, 3x3 kernel dilated 2 (a 5x5 window), padding 2, stride 1: 16x16 out
    m = model([helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", group=2, dilations=[2, 2],
                                pads=[2, 2, 2, 2], kernel_shape=[3, 3])],
              [vi("x", (1, 8, 16, 16))], [vi("y", (1, 16, 16, 16))], [weight("w", 16, 4, 3, 3), weight("b", 16)])
    d = from_onnx(m)
    conv = d["conv"]
    macs = 16 * 16 * 16 * 4 * 9  # out elements x (C_in / groups) x kernel
    assert conv.attrs["macs"] == macs and conv.flops == 2 * macs
    assert conv.attrs["params"] == 16 * 4 * 9 + 16
    assert conv.out_bytes == 16 * 16 * 16 * 4
    assert conv.kind == "conv" and conv.attrs["groups"] == 2 and conv.attrs["dilation"] == (2, 2)
    assert d.names == ["x", "conv"] and d.out_bytes[0] == 8 * 16 * 16 * 4


def test_depthwise_conv_stride_two():
    m = model([helper.make_node("Conv", ["x", "w"], ["y"], name="dw", group=8, strides=[2, 2], pads=[1, 1, 1, 1])],
              [vi("x", (1, 8, 16, 16))], [vi("y", (1, 8, 8, 8))], [weight("w", 8, 1, 3, 3)])
    dw = from_onnx(m)["dw"]
    assert dw.kind == "dwconv" and dw.flops == 2 * (8 * 8 * 8) * 1 * 9
    assert dw.attrs["params"] == 72 and dw.out_bytes == 8 * 8 * 8 * 4
    assert dw.attrs["pads"] == (1, 1, 1, 1) and dw.attrs["stride"] == (2, 2) and dw.attrs["in_shape"] == (8, 16, 16)


@pytest.mark.parametrize("auto_pad, pads", [("SAME_UPPER", (0, 1, 0, 1)), ("SAME_LOWER", (1, 0, 1, 0))])
def test_conv_auto_pad(auto_pad, pads):
    m = model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", auto_pad=auto_pad)],
              [vi("x", (1, 2, 7, 7))], [vi("y", (1, 3, 7, 7))], [weight("w", 3, 2, 2, 2)])
    conv = from_onnx(m)["conv"]
    assert conv.attrs["pads"] == pads and conv.out_bytes == 3 * 49 * 4 and conv.flops == 2 * 3 * 49 * 2 * 4


def test_conv_transpose():
    # each of the 4x8x8 input elements meets C_out/groups x kernel = 2 x 2 x 2 weights
    m = model([helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2, 2])],
              [vi("x", (1, 4, 8, 8))], [vi("y", (1, 2, 16, 16))], [weight("w", 4, 2, 2, 2)])
    up = from_onnx(m)["up"]
    assert up.flops == 2 * 256 * 2 * 4 and up.attrs["params"] == 32 and up.out_bytes == 2 * 16 * 16 * 4


# -- matrix products ------------------------------------------------------------------------
@pytest.mark.parametrize("trans_a", [0, 1])
def test_gemm_with_transposed_inputs(trans_a):
    shape = (64, 1) if trans_a else (1, 64)
    m = model([helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc", transA=trans_a, transB=1)],
              [vi("x", shape)], [vi("y", (1, 32))], [weight("w", 32, 64), weight("b", 32)])
    fc = from_onnx(m)["fc"]
    assert fc.kind == "linear" and fc.flops == 2 * 64 * 32 and fc.attrs["macs"] == 64 * 32
    assert fc.attrs["params"] == 64 * 32 + 32 and fc.out_bytes == 32 * 4


def test_matmul_batched():
    m = model([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
              [vi("x", (1, 5, 8))], [vi("y", (1, 5, 4))], [weight("w", 8, 4)])
    mm = from_onnx(m)["mm"]
    assert mm.flops == 2 * 20 * 8 and mm.attrs["params"] == 32 and mm.out_bytes == 80


# -- structure ------------------------------------------------------------------------------
def _conv(x, y, cin, cout, name, inits):
    inits.append(weight(f"{name}.w", cout, cin, 3, 3))
    return helper.make_node("Conv", [x, f"{name}.w"], [y], name=name, pads=[1, 1, 1, 1])


def test_residual_add_and_folding():
    inits = []
    nodes = [_conv("x", "c1", 4, 4, "conv1", inits), helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
             _conv("r1", "c2", 4, 4, "conv2", inits), helper.make_node("Add", ["c2", "r1"], ["s"], name="add"),
             helper.make_node("Relu", ["s"], ["y"], name="relu2")]
    m = model(nodes, [vi("x", (1, 4, 8, 8))], [vi("y", (1, 4, 8, 8))], inits)
    d = from_onnx(m)
    assert d.names == ["x", "conv1", "conv2", "add"]
    assert sorted(d.edges) == sorted([("x", "conv1"), ("conv1", "conv2"), ("conv1", "add"), ("conv2", "add")])
    n = 4 * 8 * 8
    assert d["conv1"].flops == 2 * n * 4 * 9 + n  # the ReLU folded in: one operation per element
    assert d["add"].flops == n + n and d["add"].attrs["folded"] == ["relu2"]
    assert d["conv1"].attrs["folded"] == ["relu1"]
    flat = from_onnx(m, fold=False)
    assert flat.names == ["x", "conv1", "relu1", "conv2", "add", "relu2"]
    assert flat.flops.sum() == d.flops.sum()


def test_concat_of_four_branches():
    inits, nodes = [], []
    for k, c in enumerate((2, 3, 4, 5)):
        inits.append(weight(f"w{k}", c, 3, 1, 1))
        nodes.append(helper.make_node("Conv", ["x", f"w{k}"], [f"b{k}"], name=f"branch{k}"))
    nodes.append(helper.make_node("Concat", [f"b{k}" for k in range(4)], ["y"], name="concat", axis=1))
    d = from_onnx(model(nodes, [vi("x", (1, 3, 10, 10))], [vi("y", (1, 14, 10, 10))], inits))
    assert d["concat"].flops == 0 and d["concat"].out_bytes == 14 * 100 * 4
    assert [d.names[p] for p in d.preds[d.index["concat"]]] == [f"branch{k}" for k in range(4)]
    assert [d[f"branch{k}"].out_bytes for k in range(4)] == [c * 400 for c in (2, 3, 4, 5)]
    assert d.structure == "multi-path"


def test_pooling_norm_resize_softmax_rules():
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "scales")
    nodes = [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["bn"], name="bn"),
             helper.make_node("MaxPool", ["bn"], ["mp"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Resize", ["mp", "", "scales"], ["rs"], name="up", mode="nearest"),
             helper.make_node("Resize", ["rs", "", "scales"], ["rl"], name="up2", mode="linear"),
             helper.make_node("AveragePool", ["rl"], ["ap"], name="avg", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Sigmoid", ["ap"], ["sg"], name="sig"),
             helper.make_node("GlobalAveragePool", ["sg"], ["gap"], name="gap"),
             helper.make_node("Flatten", ["gap"], ["fl"], name="flat"),
             helper.make_node("Softmax", ["fl"], ["y"], name="softmax")]
    inits = [weight(n, 2) for n in "sbmv"] + [scales]
    d = from_onnx(model(nodes, [vi("x", (1, 2, 8, 8))], [vi("y", (1, 2))], inits), fold=False)
    flops = {layer.name: layer.flops for layer in d.layers}
    assert flops == {"x": 0, "bn": 2 * 128, "pool": 32 * 4, "up": 0, "up2": 3 * 2 * 512, "avg": 512 * 9,
                     "sig": 3 * 512, "gap": 512, "flat": 0, "softmax": 3 * 2}
    assert d["bn"].attrs["params"] == 4  # scale and bias; running mean and variance are buffers
    assert d["up2"].out_bytes == 2 * 16 * 16 * 4 and d["softmax"].out_bytes == 8
    assert d["up2"].attrs["params"] == 0  # the scales are not parameters
    folded = from_onnx(model(nodes, [vi("x", (1, 2, 8, 8))], [vi("y", (1, 2))], inits))
    assert folded.names == ["x", "bn", "pool", "up", "up2", "avg", "gap", "softmax"]  # bn on the input stays
    assert folded["avg"].attrs["folded"] == ["sig"] and folded["gap"].attrs["folded"] == ["flat"]


def test_operator_without_flop_rule_warns():
    axis = helper.make_node("Constant", [], ["axis"], name="axis",
                            value=numpy_helper.from_array(np.array(1, dtype=np.int64)))
    nodes = [axis, helper.make_node("CumSum", ["x", "axis"], ["c"], name="cumsum"),
             helper.make_node("Relu", ["c"], ["y"], name="relu")]
    m = model(nodes, [vi("x", (1, 16))], [vi("y", (1, 16))])
    with pytest.warns(OnnxImportWarning, match=r"no FLOP rule for CumSum \(1\)"):
        d = from_onnx(m, fold=False)
    assert d["cumsum"].flops == 0 and d["relu"].flops == 16 and d.attrs["no_flop_rule"] == {"CumSum": 1}
    assert "axis" not in d.index  # a constant makes no layer


def test_dynamic_batch_needs_shape():
    m = model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv")],
              [vi("x", ("N", 3, 8, 8))], [vi("y", ("N", 4, 6, 6))], [weight("w", 4, 3, 3, 3)])
    with pytest.raises(ValidationError, match=r"input 'x' has dynamic dimension 0 \('N'\).*--shape x=Nx3x8x8"):
        from_onnx(m)
    d = from_onnx(m, shapes={"x": (1, 3, 8, 8)})
    assert d["conv"].flops == 2 * 4 * 36 * 27 and d["conv"].out_bytes == 4 * 36 * 4
    with pytest.raises(ValidationError, match="unknown input 'image'; network inputs: x"):
        from_onnx(m, shapes={"image": (1, 3, 8, 8)})
    with pytest.raises(ValidationError, match="dimension 1 is 3 in the model, not 5"):
        from_onnx(m, shapes={"x": (1, 5, 8, 8)})
    assert from_onnx(m, shapes={"x": (2, 3, 8, 8)})["conv"].flops == 2 * d["conv"].flops  # batch of 2


def test_two_outputs_get_a_sink():
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("Relu", ["c"], ["y1"], name="relu"),
             helper.make_node("GlobalAveragePool", ["c"], ["y2"], name="gap"),
             helper.make_node("Relu", ["x"], ["unused"], name="dead")]
    m = model(nodes, [vi("x", (1, 3, 8, 8))], [vi("y1", (1, 4, 6, 6)), vi("y2", (1, 4, 1, 1))],
              [weight("w", 4, 3, 3, 3)])
    d = from_onnx(m)
    assert d.names[-1] == "output" and d.layers[-1].kind == "sink" and d.layers[-1].flops == 0
    assert sorted(d.edges) == sorted([("x", "conv"), ("conv", "relu"), ("conv", "gap"), ("relu", "output"),
                                      ("gap", "output")])
    assert d["output"].out_bytes == (4 * 36 + 4) * 4
    assert "dead" not in d.index and d.attrs["dropped_nodes"] == 1


def test_weights_as_inputs_and_scalar_weights():
    """Weights declared as typed graph inputs (no values), as export_params=False writes them."""
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("Mul", ["c", "alpha"], ["y"], name="scale")]
    m = model(nodes, [vi("x", (1, 3, 8, 8)), vi("w", (4, 3, 3, 3)), vi("alpha", ())], [vi("y", (1, 4, 6, 6))])
    d = from_onnx(m, fold=False)
    assert d.names == ["x", "conv", "scale"] and d["conv"].attrs["params"] == 108 and d["scale"].attrs["params"] == 1


def test_constant_weights_and_local_functions():
    """A conv whose weight is a Constant node, inside a model-local function (inlined)."""
    w = helper.make_node("Constant", [], ["w"], value=numpy_helper.from_array(np.zeros((4, 3, 3, 3), np.float32)))
    body = [w, helper.make_node("Conv", ["a", "w"], ["c"]), helper.make_node("Relu", ["c"], ["b"])]
    fn = helper.make_function("mine", "Block", ["a"], ["b"], body, [helper.make_opsetid("", 17)])
    graph = helper.make_graph([helper.make_node("Block", ["x"], ["y"], name="block", domain="mine")], "g",
                              [vi("x", (1, 3, 8, 8))], [vi("y", (1, 4, 6, 6))])
    m = helper.make_model(graph, functions=[fn], opset_imports=[helper.make_opsetid("", 17),
                                                                 helper.make_opsetid("mine", 1)])
    d = from_onnx(m)
    assert len(d) == 2 and d.layers[1].kind == "conv" and d.layers[1].attrs["params"] == 108
    assert d.layers[1].flops == 2 * 4 * 36 * 27 + 4 * 36


def test_several_inputs_make_one_input_layer():
    nodes = [helper.make_node("Add", ["a", "b"], ["y"], name="add")]
    d = from_onnx(model(nodes, [vi("a", (1, 4)), vi("b", (1, 4))], [vi("y", (1, 4))]))
    assert d.names == ["input", "add"] and d.out_bytes[0] == 32 and d.layers[0].attrs["inputs"] == ["a", "b"]


def test_external_data_is_not_read(tmp_path):
    m = model([helper.make_node("Gemm", ["x", "w"], ["y"], name="fc", transB=1)],
              [vi("x", (1, 256))], [vi("y", (1, 128))], [weight("w", 128, 256)])
    path = tmp_path / "m.onnx"
    onnx.save_model(m, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="weights.bin", size_threshold=0)
    (tmp_path / "weights.bin").unlink()  # the weights are gone: import must not need them
    d = from_onnx(path)
    assert d.name == "m" and d["fc"].attrs["params"] == 128 * 256 and d["fc"].flops == 2 * 128 * 256


# -- command line ---------------------------------------------------------------------------
def run(capsys, *argv):
    code = main(["instances", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_import_with_shape(tmp_path, capsys):
    m = model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv"),
               helper.make_node("CumSum", ["y", "ax"], ["z"], name="cumsum")],
              [vi("x", ("N", 3, 8, 8))], [vi("z", ("N", 4, 6, 6))],
              [weight("w", 4, 3, 3, 3), numpy_helper.from_array(np.array(1, dtype=np.int64), "ax")])
    src, out = tmp_path / "dyn.onnx", tmp_path / "dyn.json"
    onnx.save_model(m, str(src))
    code, _, err = run(capsys, "import", str(src), "-o", str(out))
    assert code == 2 and err.count("\n") == 1 and "--shape x=Nx3x8x8" in err and not out.exists()
    code, stdout, err = run(capsys, "import", str(src), "--shape", "x=1x3x8x8", "-o", str(out))
    assert code == 0 and "wrote" in stdout
    assert err.strip() == f"warning: {src}: no FLOP rule for CumSum (1): counted as 0 FLOPs"
    assert load(out).names == ["x", "conv", "cumsum"]


@pytest.mark.parametrize("case", ["not_onnx", "truncated", "unknown_shape_name", "bad_shape_text"])
def test_cli_bad_onnx_input(tmp_path, capsys, case):
    good = tmp_path / "g.onnx"
    assert run(capsys, "export", "alexnet", "--onnx", "-o", str(good))[0] == 0
    path, extra = good, []
    if case == "not_onnx":
        path = tmp_path / "text.onnx"
        path.write_text("this is not a model\n")
    elif case == "truncated":
        path = tmp_path / "cut.onnx"
        path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif case == "unknown_shape_name":
        extra = ["--shape", "image=1x3x224x224"]
    else:
        extra = ["--shape", "input=1x3xabc"]
    code, _, err = run(capsys, "import", str(path), "-o", str(tmp_path / "x.json"), *extra)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    expected = {"not_onnx": "not an ONNX model", "truncated": "not an ONNX model",
                "unknown_shape_name": "unknown input 'image'", "bad_shape_text": "expected NAME=D1xD2x"}[case]
    assert expected in err
    assert not (tmp_path / "x.json").exists()


def test_cli_export_onnx_refuses_fold(tmp_path, capsys):
    code, _, err = run(capsys, "export", "alexnet", "--onnx", "-p", "fold=true", "-o", str(tmp_path / "a.onnx"))
    assert code == 2 and "fold" in err


def test_cli_export_import_profile_solve(tmp_path, capsys):
    """The issue's end-to-end chain: export googlenet as ONNX, import it, make a problem, solve it."""
    g_onnx, g_json, problem = tmp_path / "g.onnx", tmp_path / "g.json", tmp_path / "p.json"
    assert run(capsys, "export", "googlenet", "--onnx", "-o", str(g_onnx))[0] == 0
    code, out, err = run(capsys, "import", str(g_onnx), "-o", str(g_json))
    assert code == 0 and err == "" and "82 layers" in out and "6,624,904 params" in out
    assert run(capsys, "profile", str(g_json), "--jobs", "2", "-o", str(problem))[0] == 0
    assert main(["solve", str(problem), "-m", "po"]) == 0
    assert "status heuristic" in capsys.readouterr().out


# -- constant shape arithmetic, weight-free files, reading without weights ------------------
def _const(name, values):
    return helper.make_node("Constant", [], [name], name=name, value=numpy_helper.from_array(np.array(values)))


def test_channel_split_computed_from_shapes():
    """ShuffleNet's split as the classic exporter writes it: the half of Shape(x)[1] by Div,
    used as Slice bounds; the shapes after it are static and the arithmetic makes no layer."""
    nodes = [helper.make_node("Shape", ["x"], ["s"], name="shape"), _const("one", [1]), _const("two", [2]),
             _const("zero", [0]), helper.make_node("Gather", ["s", "one"], ["c"], name="channels"),
             helper.make_node("Div", ["c", "two"], ["half"], name="half"),
             helper.make_node("Slice", ["x", "zero", "half", "one"], ["a"], name="left"),
             helper.make_node("Slice", ["x", "half", "c", "one"], ["b"], name="right"),
             helper.make_node("Conv", ["b", "w"], ["cb"], name="conv"),
             helper.make_node("Concat", ["a", "cb"], ["y"], name="concat", axis=1)]
    m = model(nodes, [vi("x", (1, 8, 4, 4))], [vi("y", (1, 8, 4, 4))], [weight("w", 4, 4, 1, 1)])
    d = from_onnx(m)
    assert d.names == ["x", "left", "right", "conv", "concat"]
    assert d["left"].out_bytes == d["right"].out_bytes == 4 * 16 * 4 and d["conv"].flops == 2 * 64 * 4


def _class_token_graph(weight_free: bool):
    """A ViT-like stem: conv patches, a class token expanded and concatenated, a positional
    embedding and a bias added, a bias shared through Identity (as the classic exporter writes
    equal weights); weights as initializers or, weight-free, as graph inputs after the image."""
    ws = [weight("cls", 1, 1, 4), weight("patch", 4, 3, 2, 2), weight("pos", 1, 5, 4), weight("bias", 4),
          weight("fc", 4, 4)]
    nodes = [helper.make_node("Conv", ["x", "patch"], ["p"], name="patch_conv", strides=[2, 2]),
             _const("flat_shape", [1, 4, 4]), _const("perm_shape", [1, 1, 4]),
             helper.make_node("Reshape", ["p", "flat_shape"], ["pr"], name="flatten"),
             helper.make_node("Transpose", ["pr"], ["pt"], name="tokens", perm=[0, 2, 1]),
             helper.make_node("Expand", ["cls", "perm_shape"], ["ce"], name="expand"),
             helper.make_node("Concat", ["ce", "pt"], ["seq"], name="concat", axis=1),
             helper.make_node("Add", ["seq", "pos"], ["e"], name="embed"),
             helper.make_node("MatMul", ["e", "fc"], ["f"], name="fc"),
             helper.make_node("Add", ["f", "bias"], ["fb"], name="fc_bias"),
             helper.make_node("Identity", ["bias"], ["bias_copy"], name="copy"),
             helper.make_node("Add", ["fb", "bias_copy"], ["y"], name="out_bias")]
    inputs = [vi("x", (1, 3, 4, 4))]
    if weight_free:
        inputs += [vi(w.name, tuple(w.dims)) for w in ws]
        ws = []
    return model(nodes, inputs, [vi("y", (1, 5, 4))], ws)


@pytest.mark.parametrize("fold", [True, False])
def test_weight_free_graph_equals_full_graph(fold):
    full, free = from_onnx(_class_token_graph(False), fold=fold), from_onnx(_class_token_graph(True), fold=fold)
    assert free.names == full.names and sorted(free.edges) == sorted(full.edges)
    assert [(a.flops, a.out_bytes, a.attrs["params"]) for a in free.layers] == \
        [(a.flops, a.out_bytes, a.attrs["params"]) for a in full.layers]
    assert "expand" not in full.index and "copy" not in full.index  # constant-only nodes make no layer
    # the class token and the positional embedding count where they are read; the Identity copy of
    # the bias is a parameter of its own, as the model had two equal biases
    assert full.attrs["params"] == 4 + 4 * 3 * 2 * 2 + 5 * 4 + 4 + 16 + 4
    assert full["concat"].attrs["params"] == 4 and full["out_bias"].attrs["params"] == 4


def test_weights_listed_first_are_refused_until_named():
    m = _class_token_graph(True)
    inputs = list(m.graph.input)
    del m.graph.input[:]
    m.graph.input.extend(inputs[1:] + inputs[:1])
    with pytest.raises(ValidationError, match=r"'x' read as data but not listed first.*"
                                                r"candidates: 'x', 'cls', 'pos', 'bias'; .*--input NAME"):
        from_onnx(m)
    assert from_onnx(m, inputs=["x"]).names == from_onnx(_class_token_graph(False)).names


def test_large_initializers_are_read_as_headers(tmp_path):
    from offloadsched.instances.onnx_read import KEEP_BYTES, read_structure, strip_model

    m = model([helper.make_node("Gemm", ["x", "w"], ["y"], name="fc", transB=1)], [vi("x", (1, 512))],
              [vi("y", (1, 300))], [weight("w", 300, 512)])
    path = tmp_path / "big.onnx"
    onnx.save_model(m, str(path))
    for read, stripped in (read_structure(onnx, path), strip_model(onnx, m)):
        w = read.graph.initializer[0]
        assert stripped == {"w"} and list(w.dims) == [300, 512] and not w.raw_data and not w.float_data
        assert read.ByteSize() < KEEP_BYTES and read.graph.node == m.graph.node
    assert m.graph.initializer[0].ByteSize() > 300 * 512 * 4  # the caller's model is untouched
    d = from_onnx(path)
    assert d["fc"].attrs["params"] == 300 * 512 and d["fc"].flops == 2 * 300 * 512


def test_messages_name_the_cause():
    conv = helper.make_node("Conv", ["x", "w"], ["c"], name="conv")
    relu = helper.make_node("Relu", ["c"], ["y"], name="relu")
    graph = helper.make_graph([relu, conv], "g", [vi("x", (1, 3, 8, 8))], [vi("y", (1, 4, 6, 6))],
                              [weight("w", 4, 3, 3, 3)])
    with pytest.raises(ValidationError, match=r"'relu' \(Relu\) reads tensor 'c' before the node that computes it"):
        from_onnx(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    # a shape taken from a weight whose value the file does not hold: no static shape, and where it stopped
    nodes = [conv, helper.make_node("Reshape", ["c", "shape"], ["r"], name="reshape"),
             helper.make_node("Relu", ["r"], ["y"], name="relu")]
    m = model(nodes, [vi("x", (1, 3, 8, 8)), vi("w", (4, 3, 3, 3)), vi("shape", (2,), TensorProto.INT64)],
              [vi("y", (1, 144))])
    with pytest.raises(ValidationError, match=r"tensor 'r' .*no static shape \(\?x\?\); shape inference stopped at "
                                              r"node 'reshape' \(Reshape\)"):
        from_onnx(m, fold=False)
