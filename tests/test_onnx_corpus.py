"""Real exports: weight-free torchvision models from PyTorch's classic and dynamo exporters
(tests/onnx_corpus/, made by its make_corpus.py) import by default and give what the full
files gave (layers, edges, FLOPs, MACs, parameters, bytes, partitions) and the MACs PyTorch's
flop counter measured, independently of the importer."""

import gzip
import json
from pathlib import Path

import pytest

onnx = pytest.importorskip("onnx")

from offloadsched import ValidationError  # noqa: E402
from offloadsched.cli import main  # noqa: E402
from offloadsched.ideals import count_ideals  # noqa: E402
from offloadsched.instances import from_onnx  # noqa: E402
from offloadsched.io import load  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "onnx_corpus"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text())
EXPORTERS = ("classic", "dynamo")
CASES = [(name, exporter) for name in sorted(MANIFEST) for exporter in EXPORTERS]


def corpus_model(name: str, exporter: str):
    return onnx.load_model_from_string(gzip.decompress((CORPUS / f"{name}.{exporter}.onnx.gz").read_bytes()))


def corpus_file(tmp_path: Path, name: str, exporter: str) -> Path:
    path = tmp_path / f"{name}.onnx"
    path.write_bytes(gzip.decompress((CORPUS / f"{name}.{exporter}.onnx.gz").read_bytes()))
    return path


def summary(dnn) -> dict:
    return {"layers": len(dnn), "edges": dnn.n_edges, "flops": int(dnn.attrs["flops"]), "macs": int(dnn.attrs["macs"]),
            "params": int(dnn.attrs["params"]), "out_bytes": int(dnn.out_bytes.sum()),
            "input_bytes": int(dnn.out_bytes[0]), "partitions": count_ideals(dnn, stop=10**7)}


def test_corpus_is_complete_and_small():
    files = sorted(CORPUS.glob("*.onnx.gz"))
    assert len(MANIFEST) >= 10 and len(files) == 2 * len(MANIFEST)
    assert {"shufflenet_v2_x1_0", "vit_b_16", "swin_t", "resnet18", "vgg16"} <= set(MANIFEST)
    assert max(f.stat().st_size for f in files) < 400_000 and sum(f.stat().st_size for f in files) < 5_000_000


@pytest.mark.parametrize("name, exporter", CASES)
def test_weight_free_export_equals_full_export(tmp_path, name, exporter):
    """The weight-free file, read from disk with every default, gives the full file's graph, and
    the MACs and input bytes PyTorch measured."""
    entry = MANIFEST[name]
    dnn = from_onnx(corpus_file(tmp_path, name, exporter))
    assert summary(dnn) == entry[exporter]
    assert dnn.attrs["macs"] == entry["torch"]["macs"]
    assert dnn.out_bytes[0] == entry["torch"]["input_bytes"]
    assert dnn.layers[0].attrs["out_shape"] == tuple(entry["torch"]["input_shape"][1:])
    assert dnn.attrs["weight_inputs"] > 0  # weights declared as graph inputs, none taken as the network's


def test_parameters_through_identity():
    """The classic exporter shares equal biases through Identity nodes: each copy is a parameter."""
    assert MANIFEST["vgg16"]["classic"]["params"] == MANIFEST["vgg16"]["torch"]["params"] == 138_357_544


def test_dynamo_export_without_declared_weights_is_refused_with_its_cause():
    """export_params=False alone (dynamo) leaves the weights out of the file without declaring them."""
    model = corpus_model("resnet18", "dynamo")
    del model.graph.input[1:]
    with pytest.raises(ValidationError, match=r"defined nowhere .*'conv1.weight'.*keep_initializers_as_inputs=True"):
        from_onnx(model)


def test_inputs_out_of_pytorch_order_are_refused_then_named(tmp_path, capsys):
    """Weights listed before the image: the graph and the order disagree, so the file is refused,
    naming the candidates and the option; naming the input imports it exactly."""
    model = corpus_model("vit_b_16", "classic")
    first = model.graph.input[0]
    kept = [onnx.ValueInfoProto.FromString(i.SerializeToString()) for i in model.graph.input[1:]]
    del model.graph.input[:]
    model.graph.input.extend([*kept, first])
    with pytest.raises(ValidationError, match=r"'x' read as data but not listed first.*"
                                                r"candidates: 'x', 'class_token', .*--input NAME"):
        from_onnx(model)
    path, out = tmp_path / "vit.onnx", tmp_path / "vit.json"
    onnx.save_model(model, str(path))
    assert main(["instances", "import", str(path), "-o", str(out)]) == 2
    assert "--input NAME" in capsys.readouterr().err and not out.exists()
    assert main(["instances", "import", str(path), "--input", "x", "-o", str(out)]) == 0
    expected = MANIFEST["vit_b_16"]["classic"]
    printed = capsys.readouterr().out
    assert f"{expected['layers']} layers, {expected['edges']} edges" in printed and "input 'x'" in printed
    assert summary(load(out)) == expected
    with pytest.raises(ValidationError, match=r"--input 'image' is no graph input; graph inputs .*'class_token'"):
        from_onnx(model, inputs=["image"])
