"""Import time and peak memory of ONNX import: the test corpus and a large file with embedded weights.

Usage: ``python benchmarks/bench_onnx_import.py [--corpus] [--large] [--model vgg16] [--file F.onnx ...]``
(no flag: both).

* ``--corpus``: every weight-free torchvision export of ``tests/onnx_corpus/`` (classic and dynamo
  exporter): layers, edges, MACs, import wall time (``from_onnx`` on the file, best of 3) and
  the peak resident memory of a fresh process that imports it (``VmHWM``).
* ``--large``: a file with its weights embedded: the zoo model ``--model`` exported by
  :func:`offloadsched.instances.to_onnx` with every weight input turned into a random float32
  initializer (VGG-16: 553 MB), imported in a fresh process; its peak resident memory is shown
  beside the file's size and beside the peak of a process that imports a file without weights
  (the interpreter, numpy and onnx).  Target: well under twice the file's size (the importer
  reads large initializers as their headers through a memory map and never touches their bytes).
  Import times are the best of 3 runs in the process (the first pays for importing onnx).
* ``--file``: the same measure on given files (e.g. a real 553 MB VGG-16 export).

Each import runs in its own process (``python -c``), so the peaks do not mix.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "onnx_corpus"
#: Peak resident memory of this process in MB: VmHWM (Linux; ru_maxrss would include the memory of
#: the parent at fork time), else ru_maxrss.
PEAK = """
def peak_mb():
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""
PROBE = PEAK + """
import json, sys, time, warnings
from offloadsched.instances import from_onnx
warnings.simplefilter("ignore")
best = None
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    dnn = from_onnx(sys.argv[1])
    took = time.perf_counter() - start
    best = took if best is None else min(best, took)
print(json.dumps({"layers": len(dnn), "edges": dnn.n_edges, "macs": int(dnn.attrs["macs"]),
                  "params": int(dnn.attrs["params"]), "seconds": best,
                  "peak_mb": peak_mb()}))
"""
BASELINE = PEAK + """
import numpy, onnx, onnx.reference.ops, offloadsched.instances
print(peak_mb())
"""


def probe(path: Path, repeat: int = 1) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, str(path), str(repeat)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def baseline_mb() -> float:
    return float(subprocess.run([sys.executable, "-c", BASELINE], capture_output=True, text=True,
                                check=True).stdout)


def corpus(tmp: Path) -> None:
    print(f"{'model':20} {'exporter':8} {'layers':>6} {'edges':>6} {'GMACs':>8} {'import s':>9} {'peak MB':>8}")
    for gz in sorted(CORPUS.glob("*.onnx.gz")):
        name, exporter = gz.name.split(".")[:2]
        path = tmp / f"{name}.{exporter}.onnx"
        path.write_bytes(gzip.decompress(gz.read_bytes()))
        r = probe(path, repeat=3)
        print(f"{name:20} {exporter:8} {r['layers']:6d} {r['edges']:6d} {r['macs'] / 1e9:8.3f} {r['seconds']:9.3f} "
              f"{r['peak_mb']:8.0f}", flush=True)


def large_file(model: str, path: Path) -> Path:
    """``model`` of the zoo as ONNX with random float32 weights embedded as initializers."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    from offloadsched.instances import get_model, to_onnx

    proto = to_onnx(get_model(model, fold=False))
    rng = np.random.default_rng(0)
    weights = list(proto.graph.input)[1:]
    del proto.graph.input[1:]
    for w in weights:
        dims = [d.dim_value for d in w.type.tensor_type.shape.dim]
        proto.graph.initializer.append(numpy_helper.from_array(rng.standard_normal(dims, dtype=np.float32), w.name))
    onnx.save_model(proto, str(path))
    return path


def measure(paths: list[Path]) -> None:
    base = baseline_mb()
    print(f"process without a model (interpreter, numpy, onnx, offloadsched): {base:.0f} MB peak")
    for path in paths:
        size = path.stat().st_size / 2**20
        r = probe(path, repeat=3)
        print(f"{path.name}: {size:,.0f} MB file, {r['layers']} layers, {r['params']:,d} params, import "
              f"{r['seconds']:.2f} s, peak {r['peak_mb']:.0f} MB ({r['peak_mb'] / size:.2f} x the file; "
              f"{r['peak_mb'] - base:+.0f} MB over the process without a model)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="store_true", help="the weight-free corpus")
    parser.add_argument("--large", action="store_true", help="a generated file with embedded weights")
    parser.add_argument("--model", default="vgg16", help="zoo model of --large (default vgg16)")
    parser.add_argument("--file", type=Path, nargs="*", default=[], help="measure these ONNX files too")
    args = parser.parse_args(argv)
    both = not (args.corpus or args.large or args.file)
    with tempfile.TemporaryDirectory() as tmp:
        if args.corpus or both:
            corpus(Path(tmp))
        paths = list(args.file)
        if args.large or both:
            paths.append(large_file(args.model, Path(tmp) / f"{args.model}_embedded.onnx"))
        if paths:
            measure(paths)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
