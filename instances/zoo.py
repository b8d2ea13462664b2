"""The model zoo: DNN graphs at the granularity the partitioning papers use.

Each builder returns a validated :class:`~offloadsched.dnn.DNN` whose layers carry ``params``,
``macs`` and the spatial geometry in ``Layer.attrs`` (see :mod:`offloadsched.instances.layers` for what the
FLOPs count).  With ``fold=True`` (default) activations and batch-norms are folded into the
layer before them; ``fold=False`` keeps every operator (see :mod:`offloadsched.instances.builder`).  Dropout
is the identity at inference and makes no layer; so does an adaptive pool that maps its input
to itself (AlexNet's and VGG's ``avgpool`` at 224x224).

Sources: torchvision 0.x model definitions (AlexNet, VGG16, ResNet18, MobileNetV2,
SqueezeNet 1.0, GoogLeNet); darknet's ``yolov2-tiny-voc.cfg`` / ``yolov2-tiny.cfg`` (Tiny
YOLOv2); BVLC's CaffeNet; Xie et al., "Exploring Randomly Wired Neural Networks for Image
Recognition", ICCV 2019 (RandWire); the multi-path models of seed 002 (Wang, Duan & Wu,
ICCCN 2021, Table I): AlexNet-Parallel, Multi-stream (CaffeNet streams, after Chao et al.,
WACV 2018) and a Siamese pair of MobileNetV2 towers.

References (docs/REFERENCES.md): [Seed000], [Seed001], [Seed002], [Krizhevsky2012], [Krizhevsky2014], [Jia2014],
[Simonyan2015], [Szegedy2015], [He2016], [Iandola2016], [Redmon2017], [Sandler2018], [Chao2018], [Xie2019].
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable

import networkx as nx

from offloadsched.dnn import DNN
from offloadsched.errors import ValidationError

from . import layers as L
from .builder import NetBuilder

TORCHVISION = "torchvision.models ({}), PyTorch definitions"


def _fc(b: NetBuilder, x: str, out: int, name: str, act: bool = True) -> str:
    y = b.linear(x, out, name=name)
    return b.act(y, name=f"{name}.relu") if act else y


# -- AlexNet family ------------------------------------------------------------------------------
def _alexnet_body(b: NetBuilder, x: str) -> str:
    """torchvision's AlexNet (the one-GPU variant of Krizhevsky et al. 2014, "One weird trick")."""
    for i, (c, k, s, p, pool) in enumerate([(64, 11, 4, 2, True), (192, 5, 1, 2, True), (384, 3, 1, 1, False),
                                            (256, 3, 1, 1, False), (256, 3, 1, 1, True)], 1):
        x = b.conv_block(x, c, k, s, p, bn=False, name=f"conv{i}")
        if pool:
            x = b.max_pool(x, 3, 2, name=f"pool{i}")
    x = b.adaptive_avg_pool(x, 6, name="avgpool")
    x = _fc(b, x, 4096, "fc6")
    x = _fc(b, x, 4096, "fc7")
    return _fc(b, x, 1000, "fc8", act=False)


def alexnet(*, fold: bool = True) -> DNN:
    """AlexNet as in torchvision (61,100,840 parameters, 0.714 GMACs); a chain of 12 layers."""
    b = NetBuilder("alexnet", source=TORCHVISION.format("alexnet"))
    _alexnet_body(b, b.input)
    return b.build(fold=fold)


def _caffenet_body(b: NetBuilder, x: str) -> str:
    """BVLC reference CaffeNet: AlexNet with grouped conv2/4/5, LRN after pooling, Caffe's
    ceil-mode pooling.  On a 224x224 input conv1 gives 54x54 and pooling restores AlexNet's 6x6."""
    x = b.conv_block(x, 96, 11, 4, bn=False, name="conv1")
    x = b.max_pool(x, 3, 2, ceil_mode=True, name="pool1")
    x = b.lrn(x, 5, name="norm1")
    x = b.conv_block(x, 256, 5, 1, 2, groups=2, bn=False, name="conv2")
    x = b.max_pool(x, 3, 2, ceil_mode=True, name="pool2")
    x = b.lrn(x, 5, name="norm2")
    x = b.conv_block(x, 384, 3, 1, 1, bn=False, name="conv3")
    x = b.conv_block(x, 384, 3, 1, 1, groups=2, bn=False, name="conv4")
    x = b.conv_block(x, 256, 3, 1, 1, groups=2, bn=False, name="conv5")
    x = b.max_pool(x, 3, 2, ceil_mode=True, name="pool5")
    x = _fc(b, x, 4096, "fc6")
    x = _fc(b, x, 4096, "fc7")
    return _fc(b, x, 1000, "fc8", act=False)


def caffenet(*, fold: bool = True) -> DNN:
    """CaffeNet (BVLC reference model, 60,965,224 parameters) on a 224x224 input; a chain."""
    b = NetBuilder("caffenet", source="BVLC Caffe models/bvlc_reference_caffenet/deploy.prototxt")
    _caffenet_body(b, b.input)
    return b.build(fold=fold)


#: The original two-GPU AlexNet (Krizhevsky, Sutskever & Hinton, NIPS 2012, Fig. 2), per tower:
#: (out channels, kernel, stride, padding, LRN + max-pool after it, reads both towers).
ALEXNET_2012_TOWER = [(48, 11, 4, 2, True, False), (128, 5, 1, 2, True, False), (192, 3, 1, 1, False, True),
                      (192, 3, 1, 1, False, False), (128, 3, 1, 1, False, False)]


def alexnet_parallel(*, fold: bool = True) -> DNN:
    """AlexNet-Parallel (seed 002 Table I "AlexNet-P", seed 000 "Alex-Parallel"): the original
    two-GPU AlexNet of Krizhevsky, Sutskever & Hinton (NIPS 2012, Sec. 3.2 and Fig. 2).

    Two towers of half the channels each (convs of 48, 128, 192, 192, 128 filters per tower),
    ReLU after every conv and hidden fc, local response normalisation (size 5) then 3x3/2 max
    pooling after conv1 and conv2, max pooling after conv5.  The towers exchange feature maps
    twice: each tower's conv3 reads both towers' pooled conv2 output (``exchange3``, a channel
    concatenation), and the fully connected layers read both halves: each tower's fc6 (2048
    units) reads both pooled and flattened conv5 outputs (``exchange6``, 9216 values), each
    fc7 (2048) both fc6 halves (``exchange7``), and fc8 (1000 classes) both fc7 halves
    (``exchange8``).  Totals: 60,965,224
    parameters, 0.724 GMACs, one AlexNet (the BVLC CaffeNet has the same weights in one tower
    with grouped convolutions).  The input is the paper's 224x224x3 (150,528 values); conv1 pads
    by 2 (as torchvision does) so that its output is the paper's 55x55, the pooled conv5 output
    6x6.  Dropout is the identity at inference."""
    b = NetBuilder("alexnet_parallel", source="Krizhevsky, Sutskever & Hinton, NIPS 2012 (two-GPU AlexNet); "
                   "seed 002 Table I AlexNet-P")
    towers = [b.input, b.input]
    for i, (c, k, s, p, pool, exchange) in enumerate(ALEXNET_2012_TOWER, 1):
        inputs = [b.concat(towers, name=f"exchange{i}")] * 2 if exchange else towers
        for t in range(2):
            with b.scope(f"tower{t}"):
                x = b.conv_block(inputs[t], c, k, s, p, bn=False, name=f"conv{i}")
                if pool:
                    x = b.max_pool(b.lrn(x, 5, name=f"norm{i}"), 3, 2, name=f"pool{i}")
                elif i == len(ALEXNET_2012_TOWER):
                    x = b.flatten(b.max_pool(x, 3, 2, name=f"pool{i}"), name="flatten")
                towers[t] = x
    for i in (6, 7):
        shared = b.concat(towers, name=f"exchange{i}")
        for t in range(2):
            with b.scope(f"tower{t}"):
                towers[t] = _fc(b, shared, 2048, f"fc{i}")
    _fc(b, b.concat(towers, name="exchange8"), 1000, "fc8", act=False)
    return b.build(fold=fold)


def multistream(*, streams: int = 3, fold: bool = True) -> DNN:
    """Multi-stream network (seed 002, "CaffeNet/AlexNet"; after Chao et al., WACV 2018, HO-RCNN):
    ``streams`` CaffeNet streams, each reading its own 224x224 image, class scores fused by a sum.
    The raw input holds the ``streams`` images (seed 002's cloud-only times are about three raw
    image uploads)."""
    if not isinstance(streams, int) or streams < 2:
        raise ValidationError(f"multistream: streams must be an integer >= 2, got {streams!r}")
    b = NetBuilder("multistream", images=streams, source="seed 002 Table I; Chao et al., WACV 2018")
    outs = []
    for k in range(streams):
        with b.scope(f"stream{k}"):
            outs.append(_caffenet_body(b, b.input))
    b.add(outs, name="fusion")
    return b.build(fold=fold)


# -- VGG, ResNet, SqueezeNet, GoogLeNet ---------------------------------------------------------
def vgg16(*, fold: bool = True) -> DNN:
    """VGG16 (configuration D, no batch-norm) as in torchvision: 138,357,544 parameters."""
    b = NetBuilder("vgg16", source=TORCHVISION.format("vgg16"))
    x = b.input
    for stage, (c, n) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], 1):
        for i in range(1, n + 1):
            x = b.conv_block(x, c, 3, 1, 1, bn=False, name=f"conv{stage}_{i}")
        x = b.max_pool(x, 2, 2, name=f"pool{stage}")
    x = b.adaptive_avg_pool(x, 7, name="avgpool")
    x = _fc(b, x, 4096, "fc6")
    x = _fc(b, x, 4096, "fc7")
    _fc(b, x, 1000, "fc8", act=False)
    return b.build(fold=fold)


def resnet18(*, fold: bool = True, blocks: bool = False) -> DNN:
    """ResNet18 as in torchvision (BasicBlocks, 1x1 downsample convs): 11,689,512 parameters.
    ``blocks=True`` makes each BasicBlock ``layer<s>.<b>`` one layer: a chain."""
    b = NetBuilder("resnet18", source=TORCHVISION.format("resnet18"))
    x = b.conv_block(b.input, 64, 7, 2, 3, name="conv1")
    x = b.max_pool(x, 3, 2, 1, name="maxpool")
    channels = 64
    for stage, (c, stride) in enumerate([(64, 1), (128, 2), (256, 2), (512, 2)], 1):
        for blk in range(2):
            s = stride if blk == 0 else 1
            with b.scope(f"layer{stage}.{blk}", block=True):
                y = b.conv_block(x, c, 3, s, 1, name="conv1")
                y = b.conv_block(y, c, 3, 1, 1, act=None, name="conv2")
                shortcut = x if s == 1 and channels == c else b.conv_block(x, c, 1, s, act=None, name="downsample")
                x = b.act(b.add([y, shortcut], name="add"), name="relu")
            channels = c
    x = b.adaptive_avg_pool(x, 1, name="avgpool")
    b.linear(x, 1000, name="fc")
    return b.build(fold=fold, blocks=blocks)


MOBILENET_V2_SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                         (6, 160, 3, 2), (6, 320, 1, 1)]


def _mobilenet_v2_body(b: NetBuilder, x: str) -> str:
    """torchvision's MobileNetV2 (width 1.0): inverted residual blocks ``features.1`` .. ``features.17``."""
    x = b.conv_block(x, 32, 3, 2, 1, act="relu6", name="features.0")
    inp, idx = 32, 1
    for t, c, n, s in MOBILENET_V2_SETTINGS:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = inp * t
            with b.scope(f"features.{idx}", block=True):
                y = x if t == 1 else b.conv_block(x, hidden, 1, act="relu6", name="expand")
                y = b.conv_block(y, hidden, 3, stride, 1, groups=hidden, act="relu6", name="dw")
                y = b.conv_block(y, c, 1, act=None, name="project")
                if stride == 1 and inp == c:
                    y = b.add([x, y], name="add")
            x, inp, idx = y, c, idx + 1
    x = b.conv_block(x, 1280, 1, act="relu6", name=f"features.{idx}")
    x = b.adaptive_avg_pool(x, 1, name="avgpool")
    return b.linear(x, 1000, name="classifier")


def mobilenet_v2(*, fold: bool = True, blocks: bool = False) -> DNN:
    """MobileNetV2 as in torchvision: 3,504,872 parameters, 0.30 GMACs.  ``blocks=True`` makes each
    inverted-residual block ``features.<k>`` one layer, so the network is a chain (seed 001
    Sec. 7.1 clusters these modules into virtual blocks)."""
    b = NetBuilder("mobilenet_v2", source=TORCHVISION.format("mobilenet_v2"))
    _mobilenet_v2_body(b, b.input)
    return b.build(fold=fold, blocks=blocks)


def siamese(*, fold: bool = True, blocks: bool = False) -> DNN:
    """Siamese network of seed 002 Table I: two MobileNetV2 towers, one per image of the input
    pair, joined by the Euclidean distance of their outputs.  The towers share weights in
    training; each tower's layers still carry its parameter count.  ``blocks=True`` clusters the
    inverted-residual blocks (as :func:`mobilenet_v2`), which makes the network multi-path."""
    b = NetBuilder("siamese", images=2, source="seed 002 Table I (Siamese, MobileNet v2 towers)")
    towers = []
    for k in range(2):
        with b.scope(f"tower{k}"):
            towers.append(_mobilenet_v2_body(b, b.input))
    b.distance(towers, name="distance")
    return b.build(fold=fold, blocks=blocks)


def squeezenet1_0(*, fold: bool = True) -> DNN:
    """SqueezeNet 1.0 as in torchvision: 1,248,424 parameters, 0.82 GMACs."""
    b = NetBuilder("squeezenet1_0", source=TORCHVISION.format("squeezenet1_0"))
    x = b.conv_block(b.input, 96, 7, 2, bn=False, name="conv1")
    x = b.max_pool(x, 3, 2, ceil_mode=True, name="pool1")
    fires = [(16, 64), (16, 64), (32, 128), "pool", (32, 128), (48, 192), (48, 192), (64, 256), "pool", (64, 256)]
    k = 2
    for spec in fires:
        if spec == "pool":
            x = b.max_pool(x, 3, 2, ceil_mode=True, name=f"pool{k - 1}")
            continue
        squeeze, expand = spec
        with b.scope(f"fire{k}"):
            s = b.conv_block(x, squeeze, 1, bn=False, name="squeeze")
            e1 = b.conv_block(s, expand, 1, bn=False, name="expand1x1")
            e3 = b.conv_block(s, expand, 3, 1, 1, bn=False, name="expand3x3")
            x = b.concat([e1, e3], name="concat")
        k += 1
    x = b.conv_block(x, 1000, 1, bn=False, name="conv10")
    x = b.adaptive_avg_pool(x, 1, name="avgpool")
    b.flatten(x, name="flatten")
    return b.build(fold=fold)


GOOGLENET_INCEPTIONS = {
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64), "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64), "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128), "5b": (384, 192, 384, 48, 128, 128),
}


def _inception(b: NetBuilder, x: str, name: str, c1: int, c3r: int, c3: int, c5r: int, c5: int, pp: int) -> str:
    with b.scope(name):
        b1 = b.conv_block(x, c1, 1, name="branch1")
        b2 = b.conv_block(b.conv_block(x, c3r, 1, name="branch2.0"), c3, 3, 1, 1, name="branch2.1")
        # torchvision uses a 3x3 conv where the paper's third branch has 5x5
        b3 = b.conv_block(b.conv_block(x, c5r, 1, name="branch3.0"), c5, 3, 1, 1, name="branch3.1")
        b4 = b.conv_block(b.max_pool(x, 3, 1, 1, ceil_mode=True, name="branch4.0"), pp, 1, name="branch4.1")
        return b.concat([b1, b2, b3, b4], name="concat")


def googlenet(*, fold: bool = True) -> DNN:
    """GoogLeNet (Inception v1) as in torchvision, without the auxiliary classifiers:
    6,624,904 parameters, 1.50 GMACs.  Convolutions carry batch-norm (torchvision's BasicConv2d)
    and the third branch of each Inception module is 3x3 (the paper's is 5x5)."""
    b = NetBuilder("googlenet", source=TORCHVISION.format("googlenet"))
    x = b.conv_block(b.input, 64, 7, 2, 3, name="conv1")
    x = b.max_pool(x, 3, 2, ceil_mode=True, name="maxpool1")
    x = b.conv_block(x, 64, 1, name="conv2")
    x = b.conv_block(x, 192, 3, 1, 1, name="conv3")
    x = b.max_pool(x, 3, 2, ceil_mode=True, name="maxpool2")
    for key, spec in GOOGLENET_INCEPTIONS.items():
        x = _inception(b, x, f"inception{key}", *spec)
        if key == "3b":
            x = b.max_pool(x, 3, 2, ceil_mode=True, name="maxpool3")
        elif key == "4e":
            x = b.max_pool(x, 2, 2, ceil_mode=True, name="maxpool4")
    x = b.adaptive_avg_pool(x, 1, name="avgpool")
    b.linear(x, 1000, name="fc")
    return b.build(fold=fold)


def tiny_yolov2(*, variant: str = "voc", fold: bool = True) -> DNN:
    """Tiny YOLOv2 on a 416x416 input, from darknet's ``yolov2-tiny-voc.cfg`` (``variant="voc"``,
    6.97 BFLOPs as darknet reports) or ``yolov2-tiny.cfg`` (``"coco"``, 5.41 BFLOPs).  Convs carry
    batch-norm and leaky ReLU; the last max pool is darknet's size 2 stride 1 (one row and column
    of padding at the bottom/right).  The region layer is post-processing and makes no layer."""
    heads = {"voc": (1024, 125), "coco": (512, 425)}
    if variant not in heads:
        raise ValidationError(f"tiny_yolov2: unknown variant {variant!r}; known: {', '.join(heads)}")
    conv8, out = heads[variant]
    cfg = "yolov2-tiny-voc.cfg" if variant == "voc" else "yolov2-tiny.cfg"
    b = NetBuilder("tiny_yolov2", input_shape=(3, 416, 416), source=f"darknet cfg/{cfg}")
    x = b.input
    for i, c in enumerate([16, 32, 64, 128, 256, 512], 1):
        x = b.conv_block(x, c, 3, 1, 1, act="leaky_relu", name=f"conv{i}")
        x = b.max_pool(x, 2, 2 if i < 6 else 1, 0 if i < 6 else (0, 1, 0, 1), name=f"pool{i}")
    x = b.conv_block(x, 1024, 3, 1, 1, act="leaky_relu", name="conv7")
    x = b.conv_block(x, conv8, 3, 1, 1, act="leaky_relu", name="conv8")
    b.conv(x, out, 1, name="conv9")
    return b.build(fold=fold, attrs={"variant": variant})


# -- RandWire ------------------------------------------------------------------------------------
#: Xie et al. (2019) Sec. 4: the generator settings of their best networks.
RANDWIRE_GENERATORS = {"ws": "WS(K=4, P=0.75)", "er": "ER(P=0.2)", "ba": "BA(M=5)"}
#: Table 1 of Xie et al.: C, and the random stages (name, nodes as a fraction of N, channels as a multiple of C).
RANDWIRE_REGIMES = {
    "small": (78, [("conv3", 1, 1), ("conv4", 1, 2), ("conv5", 1, 4)]),
    "regular": (109, [("conv2", 0.5, 1), ("conv3", 1, 2), ("conv4", 1, 4), ("conv5", 1, 8)]),
}


def random_graph_edges(generator: str, n: int, seed: int | str) -> list[tuple[int, int]]:
    """Edges of one random graph of RandWire, each oriented from the lower to the higher node index.

    ``generator`` is ``ws`` (networkx ``watts_strogatz_graph(n, 4, 0.75)``), ``er``
    (``erdos_renyi_graph(n, 0.2)``) or ``ba`` (``barabasi_albert_graph(n, 5)``), driven by an
    explicit ``random.Random(seed)`` (Python's Mersenne Twister: the same graph on every machine).
    """
    rnd = random.Random(seed)
    if generator == "ws":
        g = nx.watts_strogatz_graph(n, 4, 0.75, seed=rnd)
    elif generator == "er":
        g = nx.erdos_renyi_graph(n, 0.2, seed=rnd)
    elif generator == "ba":
        g = nx.barabasi_albert_graph(n, 5, seed=rnd)
    else:
        raise ValidationError(f"randwire: unknown generator {generator!r}; known: {', '.join(RANDWIRE_GENERATORS)}")
    return sorted((min(u, v), max(u, v)) for u, v in g.edges())


def _randwire_node(shapes: list[L.Shape], channels: int, stride: int) -> L.Op:
    """One RandWire node: weighted-sum aggregation, ReLU, 3x3 separable conv, batch-norm."""
    agg = L.weighted_sum(shapes)
    conv = L.separable_conv2d(agg.out_shape, channels, 3, stride, 1)
    return L.combine("node", [agg, L.relu(agg.out_shape), conv, L.batch_norm(conv.out_shape)])


def _random_stage(b: NetBuilder, x: str, name: str, n: int, channels: int, edges: list[tuple[int, int]]) -> str:
    preds: list[list[int]] = [[] for _ in range(n)]
    has_succ = [False] * n
    for u, v in edges:
        preds[v].append(u)
        has_succ[u] = True
    out: list[str] = []
    with b.scope(name):
        for v in range(n):
            inputs = [out[u] for u in preds[v]] or [x]
            op = _randwire_node([b.shape(i) for i in inputs], channels, 1 if preds[v] else 2)
            out.append(b.op(op, inputs, name=f"node{v:02d}"))
        sinks = [out[v] for v in range(n) if not has_succ[v]]
        return sinks[0] if len(sinks) == 1 else b.mean(sinks, name="output")


def randwire(*, generator: str = "ws", seed: int = 0, regime: str = "small", nodes: int = 32,
             fold: bool = True) -> DNN:
    """A randomly wired network (Xie et al., ICCV 2019), one graph per random stage.

    Each random stage draws a graph with :func:`random_graph_edges` (``nodes`` = N, the first stage
    of the regular regime N/2), orients every edge from lower to higher index; nodes without
    predecessors read the stage input with stride 2, nodes without successors are averaged into
    the stage output.  A node (ReLU-SepConv3x3-BN with weighted-sum aggregation) is one layer.
    Regimes as in the paper's Table 1: ``small`` (C = 78; conv1 3x3 C/2 and conv2 3x3 C, then
    random stages of C, 2C, 4C channels) and ``regular`` (C = 109; conv1, then random stages of
    C, 2C, 4C, 8C); classifier ReLU-conv1x1(1280)-BN-ReLU, global average pool, fc 1000.
    Stage ``k``'s graph uses the seed string ``"<generator>:<seed>:<k>"``.
    """
    if regime not in RANDWIRE_REGIMES:
        raise ValidationError(f"randwire: unknown regime {regime!r}; known: {', '.join(RANDWIRE_REGIMES)}")
    if generator not in RANDWIRE_GENERATORS:
        raise ValidationError(f"randwire: unknown generator {generator!r}; known: {', '.join(RANDWIRE_GENERATORS)}")
    if not isinstance(nodes, int) or nodes < 12:
        raise ValidationError(f"randwire: nodes must be an integer >= 12, got {nodes!r}")
    c, stages = RANDWIRE_REGIMES[regime]
    b = NetBuilder(f"randwire_{generator}_{regime}_s{seed}",
                   source=f"Xie et al., ICCV 2019, {regime} regime, {RANDWIRE_GENERATORS[generator]}")
    x = b.conv_block(b.input, c // 2, 3, 2, 1, act="relu" if regime == "small" else None, name="conv1")
    if regime == "small":
        x = b.conv_block(x, c, 3, 2, 1, act=None, name="conv2")
    graphs = {}
    for k, (name, frac, mult) in enumerate(stages):
        n = int(nodes * frac)
        graphs[name] = random_graph_edges(generator, n, f"{generator}:{seed}:{k}")
        x = _random_stage(b, x, name, n, c * mult, graphs[name])
    x = b.act(x, name="classifier.relu")
    x = b.conv_block(x, 1280, 1, name="classifier.conv")
    x = b.adaptive_avg_pool(x, 1, name="avgpool")
    b.linear(x, 1000, name="fc")
    return b.build(fold=fold, attrs={"generator": generator, "seed": seed, "regime": regime, "graphs": graphs})


# -- registry ------------------------------------------------------------------------------------
MODELS: dict[str, Callable[..., DNN]] = {
    "alexnet": alexnet,
    "caffenet": caffenet,
    "vgg16": vgg16,
    "resnet18": resnet18,
    "mobilenet_v2": mobilenet_v2,
    "squeezenet1_0": squeezenet1_0,
    "googlenet": googlenet,
    "tiny_yolov2": tiny_yolov2,
    "randwire": randwire,
    "alexnet_parallel": alexnet_parallel,
    "multistream": multistream,
    "siamese": siamese,
}


def get_model(name: str, **options) -> DNN:
    """Build the model ``name`` of :data:`MODELS` with builder ``options`` (e.g. ``fold=False``,
    ``seed=3``).  Unknown names and options raise :class:`ValidationError` listing the known ones."""
    key = str(name).lower().replace("-", "_")
    if key not in MODELS:
        raise ValidationError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    builder = MODELS[key]
    accepted = list(inspect.signature(builder).parameters)
    unknown = [k for k in options if k not in accepted]
    if unknown:
        raise ValidationError(f"model {key!r}: unknown option(s) {', '.join(unknown)}; accepted: {', '.join(accepted)}")
    for k, v in options.items():  # the type of each option's default is its type (fold=maybe is refused)
        default = inspect.signature(builder).parameters[k].default
        if default is inspect.Parameter.empty or default is None:
            continue
        want = type(default)
        ok = (isinstance(v, want) and (want is bool or not isinstance(v, bool))) or \
            (want is float and isinstance(v, int) and not isinstance(v, bool))
        if not ok:
            raise ValidationError(f"model {key!r}: option {k!r} must be {want.__name__}, got {v!r}")
    return builder(**options)
