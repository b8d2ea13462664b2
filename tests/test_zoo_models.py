"""Zoo models against published figures: torchvision parameter counts (exact) and GMACs
(within 2 %), darknet's BFLOPs, CaffeNet's parameters, RandWire's paper figures, hand-computed
shapes, and a fingerprint of a seeded RandWire graph."""

import hashlib
import math
import time

import pytest

from offloadsched.dnn import DNN
from offloadsched.errors import ValidationError
from offloadsched.instances import MODELS, get_model
from offloadsched.instances.builder import fingerprint, total_macs, total_params
from offloadsched.instances.zoo import random_graph_edges, randwire

# torchvision's model docs: parameters and "GFLOPS" (multiply-adds of conv and linear layers)
TORCHVISION = {
    "alexnet": (61_100_840, 0.714),
    "resnet18": (11_689_512, 1.81),
    "vgg16": (138_357_544, 15.47),
    "mobilenet_v2": (3_504_872, 0.30),
    "squeezenet1_0": (1_248_424, 0.82),
    "googlenet": (6_624_904, 1.50),
}
_CACHE: dict[tuple, DNN] = {}


def model(name: str, **kw) -> DNN:
    key = (name, *sorted(kw.items()))
    if key not in _CACHE:
        _CACHE[key] = get_model(name, **kw)
    return _CACHE[key]


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_torchvision_params_and_macs(name):
    params, gmacs = TORCHVISION[name]
    for fold in (True, False):
        dnn = model(name, fold=fold)
        assert total_params(dnn) == dnn.attrs["params"] == params
        assert total_macs(dnn) / 1e9 == pytest.approx(gmacs, rel=0.02)
        # flops = 2 MACs + element-wise work, which is small
        assert 2 * total_macs(dnn) <= dnn.flops.sum() <= 2.1 * total_macs(dnn)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fold_keeps_totals_and_geometry(name):
    folded, full = model(name), model(name, fold=False)
    assert len(full) > len(folded)
    assert folded.flops.sum() == pytest.approx(full.flops.sum(), rel=1e-12)
    assert total_params(folded) == total_params(full)
    assert folded.layers[0].kind == "input" and folded.layers[0].flops == 0
    for dnn in (folded, full):
        for layer in dnn.layers:
            a = layer.attrs
            assert "out_shape" in a and "params" in a and "macs" in a
            assert layer.out_bytes == 4 * math.prod(a["out_shape"])
            if layer.kind in ("conv", "maxpool", "avgpool", "node"):
                assert {"kernel", "stride", "padding", "pads", "dilation"} <= set(a)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_build_under_one_second(name):
    start = time.perf_counter()
    get_model(name)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("name, layers, structure", [("mobilenet_v2", 22, "chain"), ("resnet18", 13, "chain"),
                                                     ("siamese", 44, "multi-path")])
def test_blocks_make_chains(name, layers, structure):
    dnn = model(name, blocks=True)
    assert len(dnn) == layers and dnn.structure == structure
    assert total_params(dnn) == total_params(model(name))
    assert dnn.flops.sum() == pytest.approx(model(name).flops.sum(), rel=1e-12)
    block = dnn["layer2.0" if name == "resnet18" else "tower0.features.2" if name == "siamese" else "features.2"]
    assert block.kind == "block" and "kernel" not in block.attrs
    assert block.attrs["out_shape"] == ((128, 28, 28) if name == "resnet18" else (24, 56, 56))
    assert block.out_bytes == 4 * math.prod(block.attrs["out_shape"])


def test_alexnet_is_the_papers_chain():
    dnn = model("alexnet")
    assert dnn.structure == "chain"
    assert dnn.names == ["input", "conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5",
                         "fc6", "fc7", "fc8"]
    assert dnn["input"].out_bytes == 3 * 224 * 224 * 4
    assert dnn["conv1"].attrs["folded"] == ("conv1.relu",)
    assert dnn["pool5"].attrs["out_shape"] == (256, 6, 6)
    assert dnn["fc6"].attrs["folded"] == ("fc6.relu",)


def test_resnet18_fold_adds_bn_and_relu_to_conv():
    conv1 = model("resnet18")["conv1"]
    macs = 64 * 3 * 49 * 112 * 112
    assert conv1.attrs["macs"] == macs
    assert conv1.attrs["params"] == 64 * 3 * 49 + 2 * 64
    assert conv1.flops == 2 * macs + 3 * 64 * 112 * 112  # conv, bn (2 per element), relu (1)
    assert conv1.attrs["folded"] == ("conv1.bn", "conv1.relu")
    dnn = model("resnet18")
    add = dnn.index["layer2.0.add"]
    assert sorted(dnn.layers[p].name for p in dnn.preds[add]) == ["layer2.0.conv2", "layer2.0.downsample"]
    assert dnn["layer4.1.add"].attrs["out_shape"] == (512, 7, 7)


def test_googlenet_shapes():
    dnn = model("googlenet")
    shapes = {n: dnn[n].attrs["out_shape"] for n in ["conv1", "maxpool1", "maxpool2", "inception3a.concat",
                                                      "inception3b.concat", "maxpool3", "inception4e.concat",
                                                      "maxpool4", "inception5b.concat", "fc"]}
    assert shapes == {"conv1": (64, 112, 112), "maxpool1": (64, 56, 56), "maxpool2": (192, 28, 28),
                      "inception3a.concat": (256, 28, 28), "inception3b.concat": (480, 28, 28),
                      "maxpool3": (480, 14, 14), "inception4e.concat": (832, 14, 14), "maxpool4": (832, 7, 7),
                      "inception5b.concat": (1024, 7, 7), "fc": (1000,)}
    assert dnn["inception3a.branch3.1"].attrs["kernel"] == (3, 3)  # torchvision's 3x3, not the paper's 5x5
    assert len(dnn.preds[dnn.index["inception4a.concat"]]) == 4
    assert dnn.structure == "DAG"


def test_squeezenet_and_mobilenet_shapes():
    sq = model("squeezenet1_0")
    assert sq["conv1"].attrs["out_shape"] == (96, 109, 109)
    assert sq["pool1"].attrs["out_shape"] == (96, 54, 54)
    assert sq["fire4.concat"].attrs["out_shape"] == (256, 54, 54)
    assert sq["pool8"].attrs["out_shape"] == (512, 13, 13)
    assert sq.layers[-1].attrs["out_shape"] == (1000,)  # avgpool with the flatten folded in
    mb = model("mobilenet_v2")
    assert mb["features.1.dw"].attrs["groups"] == 32
    assert mb["features.18"].attrs["out_shape"] == (1280, 7, 7)
    assert "features.3.add" in mb.index and "features.2.add" not in mb.index  # stride 2 blocks have no skip


def test_caffenet_and_tiny_yolo_published_figures():
    assert total_params(model("caffenet")) == 60_965_224  # BVLC reference CaffeNet
    assert model("caffenet")["pool5"].attrs["out_shape"] == (256, 6, 6)
    voc, coco = model("tiny_yolov2"), model("tiny_yolov2", variant="coco")
    # darknet prints 2 * MACs of its conv layers: 6.97 and 5.41 BFLOPs at 416x416
    assert round(2 * total_macs(voc) / 1e9, 2) == 6.97
    assert round(2 * total_macs(coco) / 1e9, 2) == 5.41
    assert voc["pool6"].attrs["out_shape"] == (512, 13, 13)
    assert voc.layers[-1].attrs["out_shape"] == (125, 13, 13)
    assert voc["input"].out_bytes == 3 * 416 * 416 * 4


def test_alexnet_parallel_is_the_2012_two_gpu_network():
    """Krizhevsky, Sutskever & Hinton (NIPS 2012, Fig. 2): per tower 48/128/192/192/128 filters,
    conv3 and the fc layers read both towers, fc 2048 per tower, 1000 classes.  Totals computed by
    hand from the layer shapes (55x55 after conv1, 27 after pool1, 13 after pool2, 6 after pool5)."""
    ap = model("alexnet_parallel")
    conv = [  # (filters, input channels seen per filter, kernel, output side): both towers together
        (96, 3, 11, 55), (256, 48, 5, 27), (384, 256, 3, 13), (384, 192, 3, 13), (256, 192, 3, 13)]
    fc = [(256 * 6 * 6, 4096), (4096, 4096), (4096, 1000)]  # fc6, fc7 as two halves of 2048, fc8
    params = sum(f * c * k * k + f for f, c, k, _ in conv) + sum(i * o + o for i, o in fc)
    macs = sum(f * c * k * k * s * s for f, c, k, s in conv) + sum(i * o for i, o in fc)
    assert params == 60_965_224 and 60e6 < params < 61e6  # "60 million parameters" (Sec. 1)
    assert macs == 724_406_816
    for fold in (True, False):
        assert total_params(model("alexnet_parallel", fold=fold)) == ap.attrs["params"] == params
        assert total_macs(model("alexnet_parallel", fold=fold)) == ap.attrs["macs"] == macs
    assert total_params(model("caffenet")) == params  # the same weights, one tower with groups=2
    assert ap.flops.sum() == pytest.approx(model("caffenet").flops.sum(), rel=0.02)  # one AlexNet's FLOPs
    # the two exchanges: conv3 and fc6 / fc7 / fc8 read both towers
    for t in (0, 1):
        assert [ap.names[p] for p in ap.preds[ap.index[f"tower{t}.conv3"]]] == ["exchange3"]
        assert ap[f"tower{t}.conv3"].attrs["in_shape"] == (256, 13, 13)
        assert ap[f"tower{t}.fc6"].attrs["out_shape"] == (2048,)
        assert [ap.names[p] for p in ap.preds[ap.index[f"tower{t}.fc7"]]] == ["exchange7"]
        assert model("alexnet_parallel", fold=False)[f"tower{t}.pool5"].attrs["out_shape"] == (128, 6, 6)
        assert ap[f"tower{t}.pool5"].attrs["folded"] == (f"tower{t}.flatten",)
        assert ap[f"tower{t}.conv1"].attrs["out_shape"] == (48, 55, 55)
    assert sorted(ap.names[p] for p in ap.preds[ap.index["exchange3"]]) == ["tower0.pool2", "tower1.pool2"]
    assert ap["exchange6"].attrs["out_shape"] == (9216,)
    assert ap.names[-1] == "fc8" and ap["fc8"].attrs["out_shape"] == (1000,)
    assert ap["input"].out_bytes == 602_112 and ap.structure == "DAG"


def test_multi_path_models():
    ms = model("multistream")
    assert ms.structure == "multi-path" and ms["input"].out_bytes == 3 * 602_112
    assert len(ms.preds[ms.output]) == 3
    assert len(model("multistream", streams=2).preds[-1]) == 2
    si = model("siamese")
    assert si["input"].out_bytes == 2 * 602_112
    assert si.layers[-1].kind == "distance" and si.layers[-1].out_bytes == 4
    assert total_params(si) == 2 * TORCHVISION["mobilenet_v2"][0]


def test_randwire_matches_paper_figures():
    # Xie et al. 2019, Tables 2 and 3: WS small C=78: 583 +- 6.2 M FLOPs (mult-adds), 5.6 +- 0.1 M params;
    # WS regular C=109: 4.0 +- 0.09 G FLOPs, 31.9 +- 0.66 M params (means over random graphs)
    small = [randwire(seed=s) for s in range(5)]
    assert sum(total_macs(d) for d in small) / 5 == pytest.approx(583e6, rel=0.03)
    assert sum(total_params(d) for d in small) / 5 == pytest.approx(5.6e6, rel=0.03)
    regular = [randwire(seed=s, regime="regular") for s in range(3)]
    assert sum(total_macs(d) for d in regular) / 3 == pytest.approx(4.0e9, rel=0.03)
    assert sum(total_params(d) for d in regular) / 3 == pytest.approx(31.9e6, rel=0.03)


def test_randwire_wiring_rules():
    dnn = randwire(generator="er", seed=4)
    graphs = dnn.attrs["graphs"]
    assert list(graphs) == ["conv3", "conv4", "conv5"]
    for stage, edges in graphs.items():
        assert all(u < v for u, v in edges)
        targets = {v for _, v in edges}
        sources = {u for u, _ in edges}
        for v in range(32):
            layer = dnn[f"{stage}.node{v:02d}"]
            # nodes without predecessors read the stage input with stride 2
            assert layer.attrs["stride"] == ((2, 2) if v not in targets else (1, 1))
        sinks = [v for v in range(32) if v not in sources]
        out = f"{stage}.output" if len(sinks) > 1 else f"{stage}.node{sinks[0]:02d}"
        assert out in dnn.index
    regular = randwire(regime="regular")
    assert list(regular.attrs["graphs"]) == ["conv2", "conv3", "conv4", "conv5"]
    assert "conv2.node15" in regular.index and "conv2.node16" not in regular.index  # N/2 nodes
    assert "conv5.node31" in regular.index


def test_randwire_is_reproducible():
    # the sorted edge list of one seeded graph and of a whole network, pinned
    edges = random_graph_edges("ws", 32, "ws:0:0")
    assert len(edges) == 64 and edges[:4] == [(0, 2), (0, 7), (0, 8), (0, 18)]
    assert hashlib.sha256(repr(edges).encode()).hexdigest()[:16] == "a965067bdb306872"
    assert fingerprint(randwire(seed=0)) == "921cb1b52f25a5b6"
    assert fingerprint(randwire(generator="ba", seed=0)) == "b5001a43e10d8cf8"
    assert fingerprint(randwire(seed=0)) != fingerprint(randwire(seed=1))


def test_get_model_errors():
    with pytest.raises(ValidationError, match="unknown model 'lenet'; known: alexnet"):
        get_model("lenet")
    with pytest.raises(ValidationError, match="unknown option.*depth.*accepted: fold"):
        get_model("alexnet", depth=3)
    with pytest.raises(ValidationError, match="unknown generator 'xx'"):
        get_model("randwire", generator="xx")
    with pytest.raises(ValidationError, match="unknown regime"):
        get_model("randwire", regime="tiny")
    with pytest.raises(ValidationError, match="streams"):
        get_model("multistream", streams=1)
    assert get_model("MobileNet-V2").name == "mobilenet_v2"


def test_builder_names_the_offending_layer():
    from offloadsched.instances.builder import NetBuilder

    b = NetBuilder("tiny", input_shape=(3, 8, 8))
    with pytest.raises(ValidationError, match=r"tiny: layer 'block.c1': .*larger than the padded input"):
        with b.scope("block"):
            b.conv(b.input, 4, 9, name="c1")
    x = b.conv(b.input, 4, 3, 1, 1, name="c")
    with pytest.raises(ValidationError, match="duplicate layer name 'c'"):
        b.conv(x, 4, 3, name="c")
    with pytest.raises(ValidationError, match="unknown tensor 'nope'"):
        b.bn("nope")
    y = b.act(b.bn(x, name="c.bn"), name="c.relu")
    dnn = b.build()
    assert dnn.names == ["input", "c"] and dnn["c"].attrs["folded"] == ("c.bn", "c.relu")
    assert y == "c.relu"
