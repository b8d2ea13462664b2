"""Make the ONNX test corpus: weight-free exports of torchvision models (run once, not in CI).

Needs PyTorch, torchvision, onnx and onnxscript beside this package, in their own environment::

    python -m venv torchenv && torchenv/bin/pip install torch torchvision onnx onnxscript -e .
    torchenv/bin/python tests/onnx_corpus/make_corpus.py [--models resnet18,vit_b_16] [--keep DIR]

For each model (random weights, ``eval()``, batch 1, float32) it exports four files with PyTorch's
two exporters, with and without weights:

* ``classic``: ``torch.onnx.export(model, (x,), f, dynamo=False)`` and, weight-free,
  ``..., dynamo=False, export_params=False`` (the weights become typed graph inputs);
* ``dynamo``: ``torch.onnx.export(model, (x,), f)`` (weights in ``f.data``) and, weight-free,
  ``..., export_params=False, keep_initializers_as_inputs=True``.

The weight-free files are committed here as ``MODEL.EXPORTER.onnx.gz``: the export with its nodes'
``doc_string`` and ``metadata_props`` cleared (the dynamo exporter's stack traces name this
machine's paths), gzip-compressed.  ``manifest.json`` records per model what the tests check:

* from PyTorch, independently of the importer: the multiply-accumulates of one forward pass
  (``torch.utils.flop_counter.FlopCounterMode``: convolutions and matrix products, FLOPs / 2), the
  parameters, the input shape and bytes;
* from the importer on each *full* file (weights embedded or external; not committed): layers,
  edges, FLOPs, MACs, parameters, the sum of the layers' output bytes and the number of partitions
  (ideals), which the weight-free file must reproduce exactly.
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: torchvision model -> input side (pixels).
MODELS = {"alexnet": 224, "vgg16": 224, "resnet18": 224, "resnet50": 224, "googlenet": 224, "inception_v3": 299,
          "mobilenet_v2": 224, "mobilenet_v3_large": 224, "densenet121": 224, "squeezenet1_0": 224,
          "shufflenet_v2_x1_0": 224, "mnasnet1_0": 224, "efficientnet_b0": 224, "regnet_y_400mf": 224,
          "convnext_tiny": 224, "vit_b_16": 224, "swin_t": 224}
EXPORTERS = ("classic", "dynamo")
PARTITION_CAP = 10**7  # partitions counted up to this many


def _torch_facts(torch, model, x) -> dict:
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    # attention as linear layers and matrix products, all counted: not nn.MultiheadAttention's
    # fused inference kernel, nor the CPU's fused scaled-dot-product kernel, which the counter misses
    torch.backends.mha.set_fastpath_enabled(False)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), counter:
        model(x)
    flops = counter.get_total_flops()
    return {"macs": flops // 2, "params": sum(p.numel() for p in model.parameters()),
            "input_shape": list(x.shape), "input_bytes": x.numel() * x.element_size()}


def _export(torch, model, x, path: Path, exporter: str, weights: bool) -> None:
    kwargs: dict = {"dynamo": False} if exporter == "classic" else {"dynamo": True}
    if not weights:
        kwargs["export_params"] = False
        if exporter == "dynamo":
            kwargs["keep_initializers_as_inputs"] = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), str(path), **kwargs)


def _summary(path: Path) -> dict:
    from offloadsched.ideals import count_ideals
    from offloadsched.instances import from_onnx

    dnn = from_onnx(path)
    return {"layers": len(dnn), "edges": dnn.n_edges, "flops": int(dnn.attrs["flops"]), "macs": int(dnn.attrs["macs"]),
            "params": int(dnn.attrs["params"]), "out_bytes": int(dnn.out_bytes.sum()),
            "input_bytes": int(dnn.out_bytes[0]), "partitions": count_ideals(dnn, stop=PARTITION_CAP)}


def _clean(onnx, path: Path) -> bytes:
    """The weight-free export without documentation strings and node metadata."""
    model = onnx.load(str(path))
    model.doc_string = ""
    model.graph.doc_string = ""
    del model.metadata_props[:]
    for graph_input in [*model.graph.input, *model.graph.output, *model.graph.value_info]:
        graph_input.doc_string = ""
    for node in model.graph.node:
        node.doc_string = ""
        del node.metadata_props[:]
    return model.SerializeToString()


def main(argv: list[str] | None = None) -> int:
    import onnx
    import torch
    import torchvision

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated torchvision models")
    parser.add_argument("--keep", type=Path, help="keep the full exports in this folder (default: a temporary one)")
    args = parser.parse_args(argv)
    manifest_path = HERE / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    with tempfile.TemporaryDirectory() as tmp:
        scratch = args.keep or Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        for name in args.models.split(","):
            torch.manual_seed(0)
            model = getattr(torchvision.models, name)(weights=None).eval()
            side = MODELS[name]
            x = torch.randn(1, 3, side, side)
            entry = {"torchvision": name, "torch": _torch_facts(torch, model, x),
                     "versions": {"torch": torch.__version__.split("+")[0], "torchvision":
                                  torchvision.__version__.split("+")[0], "onnx": onnx.__version__}}
            for exporter in EXPORTERS:
                full, free = scratch / f"{name}.{exporter}.full.onnx", scratch / f"{name}.{exporter}.onnx"
                _export(torch, model, x, full, exporter, weights=True)
                _export(torch, model, x, free, exporter, weights=False)
                entry[exporter] = _summary(full)
                data = _clean(onnx, free)
                (HERE / f"{name}.{exporter}.onnx.gz").write_bytes(gzip.compress(data, mtime=0))
                print(f"{name} {exporter}: {entry[exporter]}; torch {entry['torch']['macs']:,} MACs; "
                      f"{len(data):,} bytes weight-free", flush=True)
                if args.keep is None:
                    for leftover in scratch.glob(f"{name}.{exporter}*"):
                        leftover.unlink()
            manifest[name] = entry
            manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
