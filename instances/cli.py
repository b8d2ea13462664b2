"""The ``offloadsched instances`` subcommand: list, show and export zoo models.

* ``instances list`` - every model with its layers, edges, parameters, GMACs and structure.
* ``instances show NAME [--device D] [--server S] [--network N] [-p KEY=VALUE ...]`` - the
  per-layer profile in integer µs and bytes; for chain models also the cut-point curve
  ``F(l)`` (local time of layers 0..l) and ``g(l)`` (upload of layer l's output).
* ``instances export NAME -o FILE.json [-p KEY=VALUE ...]`` - the DNN as an offloadsched JSON
  document (:func:`offloadsched.io.save`); with ``--onnx`` an ONNX graph of every operator, the
  weights declared as typed inputs (:mod:`offloadsched.instances.onnx_export`).
* ``instances import MODEL.onnx -o FILE.json [--shape NAME=1x3x224x224] [--input NAME] [--no-fold]`` -
  an ONNX model as a DNN document (:mod:`offloadsched.instances.onnx_import`).
* ``instances profile MODEL -o PROBLEM.json [--device-times CSV] [--server-times CSV] [--jobs N]``
  - a joint problem of ``N`` jobs of a DNN (JSON, ONNX or zoo name) on a platform, with measured
  per-layer times in place of the FLOP-rate model (:mod:`offloadsched.instances.profiles`).

``-p`` passes builder options (``-p fold=false``, ``-p generator=er -p seed=3``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from offloadsched.dnn import DNN
from offloadsched.errors import ValidationError

from .platforms import DEVICES, SERVERS, make_platform
from .tables import format_table
from .zoo import MODELS, get_model


def register(sub) -> None:
    """Add the ``instances`` subcommand to the core parser's subparsers."""
    p = sub.add_parser("instances", help="the model zoo: list, show and export DNN models",
                       description="List, inspect and export the DNN models of the instance zoo.")
    actions = p.add_subparsers(dest="instances_command", required=True, metavar="ACTION",
                               parser_class=type(p))

    q = actions.add_parser("list", help="list the models", description="List every zoo model with its "
                           "layers, edges, parameters, GMACs and structure (default builder options).")
    q.set_defaults(func=_list)

    q = actions.add_parser("show", help="per-layer profile of a model on a platform",
                           description="Per-layer local time f, upload time u and remote time t' (integer "
                           "µs) and output bytes; for chain models the cut-point curve F(l), g(l).")
    q.add_argument("name", help="model name (see 'offloadsched instances list')")
    q.add_argument("--device", default="rpi4", help=f"local device preset ({', '.join(DEVICES)})")
    q.add_argument("--server", default="gtx1080", help=f"server preset ({', '.join(SERVERS)})")
    q.add_argument("--network", default="4g", help="network preset (3g, 4g, wifi)")
    _param_option(q)
    q.set_defaults(func=_show)

    q = actions.add_parser("export", help="write a model as an offloadsched JSON document or ONNX graph",
                           description="Write the DNN graph (layers, FLOPs, output bytes, attributes) as JSON, "
                           "or with --onnx as an ONNX graph (every operator; weights as typed inputs, no values).")
    q.add_argument("name", help="model name")
    _output_option(q, "output .json (or .onnx) file")
    q.add_argument("--onnx", action="store_true", help="write an ONNX model instead of JSON")
    _param_option(q)
    q.set_defaults(func=_export)

    _onnx_options(_action(actions, "import", _import, "read an ONNX model into an offloadsched DNN document",
                          "Per node of an ONNX model: FLOPs, output bytes (inferred shape and type) and parameters; "
                          "element-wise layers folded into their producer as in the zoo. Weight values are never "
                          "read (large initializers are skipped, external data files not opened); weights declared "
                          "as graph inputs (weight-free exports) are told from the network input, which --input "
                          "names when the file is ambiguous.", model="the .onnx file", output="output .json file"))

    q = _action(actions, "profile", _profile, "a joint problem file, optionally on measured per-layer times",
                "Write a joint problem: JOBS jobs of a DNN on a platform. With --device-times (and --server-times) "
                "a CSV of 'layer,ms' rows replaces the FLOP-rate model's compute times of every layer; the times "
                "are recorded in the problem file.",
                model="a DNN document (.json), an ONNX model (.onnx) or a zoo model name",
                output="output problem .json file")
    q.add_argument("--device-times", type=Path, metavar="CSV", help="measured device times: 'layer,ms' rows")
    q.add_argument("--server-times", type=Path, metavar="CSV", help="measured server times: 'layer,ms' rows")
    q.add_argument("--jobs", type=int, default=1, help="number of identical jobs (default 1)")
    q.add_argument("--device", default="rpi4", help=f"local device preset ({', '.join(DEVICES)})")
    q.add_argument("--server", default="gtx1080", help=f"server preset ({', '.join(SERVERS)})")
    q.add_argument("--network", default="4g", help="network preset (3g, 4g, wifi)")
    q.add_argument("--remote-model", choices=("negligible", "serial", "parallel"),
                   help="remote model (default negligible; serial with --server-times)")
    _onnx_options(q)


def _output_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("-o", "--output", type=Path, required=True, help=what)


def _action(actions, name: str, func, summary: str, description: str, *, model: str,
            output: str) -> argparse.ArgumentParser:
    """An action reading ``model`` (a path or name) and writing ``-o output``."""
    q = actions.add_parser(name, help=summary, description=description)
    q.add_argument("model", help=model)
    _output_option(q, output)
    q.set_defaults(func=func)
    return q


def _onnx_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shape", action="append", default=[], metavar="NAME=D1xD2x...",
                        help="shape of an ONNX input with dynamic dimensions, e.g. input=1x3x224x224")
    parser.add_argument("--input", action="append", default=None, metavar="NAME", dest="inputs",
                        help="ONNX: a network input among the graph inputs (repeat for several); the other graph "
                        "inputs are weights. Needed only for a file whose inputs are ambiguous")
    parser.add_argument("--no-fold", action="store_true", help="ONNX: keep every operator as its own layer")


def _param_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                        help="builder option, repeatable (value parsed as JSON when possible), e.g. -p fold=false")


def _model(args: argparse.Namespace) -> DNN:
    return get_model(args.name, **_options(args))


def _list(args: argparse.Namespace) -> int:
    rows = []
    for name in MODELS:
        dnn = get_model(name)
        rows.append([name, len(dnn), dnn.n_edges, int(dnn.attrs["params"]), f"{dnn.attrs['macs'] / 1e9:.3f}",
                     dnn.structure])
    print(format_table(["model", "layers", "edges", "params", "GMACs", "structure"], rows))
    return 0


def _show(args: argparse.Namespace) -> int:
    dnn = _model(args)
    platform = make_platform(args.device, args.server, args.network)
    f, u, r = platform.local_times(dnn), platform.upload_times(dnn), platform.remote_times(dnn)
    headers = ["#", "layer", "kind", "preds", "f_us", "u_us", "t'_us", "out_bytes"]
    if dnn.is_chain:
        headers = [h for h in headers if h != "preds"] + ["F(l)_us", "g(l)_us"]
    rows = []
    cumulative = 0
    for i, layer in enumerate(dnn.layers):
        cumulative += int(f[i])
        row: list[object] = [i, layer.name, layer.kind]
        if not dnn.is_chain:
            row.append(",".join(str(p) for p in dnn.preds[i]))
        row += [int(f[i]), int(u[i]), int(r[i]), int(layer.out_bytes)]
        if dnn.is_chain:
            row += [cumulative, int(u[i]) if i < len(dnn) - 1 else 0]
        rows.append(row)
    print(f"{dnn.name}: {len(dnn)} layers, {dnn.n_edges} edges, {dnn.structure}; "
          f"{int(dnn.attrs.get('params', 0)):,d} params, {dnn.attrs.get('macs', 0) / 1e9:.3f} GMACs")
    print(f"platform {platform.name}: r_loc {platform.r_loc:.4g} FLOP/s, r_rem {platform.r_rem:.4g} FLOP/s, "
          f"B {platform.bandwidth / 1e6:g} Mbit/s, w_msg {platform.w_msg * 1e3:g} ms, "
          f"w_rtt {platform.w_rtt * 1e3:g} ms")
    print(f"local-only {int(f.sum()):,d} us, cloud-only {int(u[dnn.input] + r.sum()):,d} us")
    if dnn.is_chain:
        print("cut after layer l: F(l) = local time of layers 0..l, g(l) = upload of l's output "
              "(0 for the last layer: local-only)")
    print(format_table(headers, rows))
    return 0


def _export(args: argparse.Namespace) -> int:
    from offloadsched.io import save

    if args.onnx:
        from .onnx_export import save_onnx

        options = _options(args)
        for key in ("fold", "blocks"):
            if options.pop(key, False):
                raise ValidationError(f"--onnx writes every operator; -p {key}=true does not apply "
                                      "(import folds element-wise layers)")
        dnn = get_model(args.name, fold=False, **options)
        save_onnx(dnn, args.output)
        print(f"wrote {args.output} ({dnn.name}: {len(dnn)} operators, weights as inputs)")
        return 0
    dnn = _model(args)
    try:
        save(dnn, args.output)
    except OSError as exc:
        raise ValidationError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"wrote {args.output} ({dnn.name}: {len(dnn)} layers, {dnn.n_edges} edges)")
    return 0


def _options(args: argparse.Namespace) -> dict:
    from offloadsched.cli import parse_option

    return dict(parse_option(text) for text in args.param)


def _read_onnx(path: Path, args: argparse.Namespace) -> DNN:
    """:func:`~offloadsched.instances.onnx_import.from_onnx` with the warnings printed as one line each."""
    import sys
    import warnings

    from .onnx_import import OnnxImportWarning, from_onnx, parse_shape

    shapes = dict(parse_shape(text) for text in args.shape)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OnnxImportWarning)
        dnn = from_onnx(path, fold=not args.no_fold, shapes=shapes, inputs=args.inputs)
    for w in caught:
        if issubclass(w.category, OnnxImportWarning):
            sys.stderr.write(f"warning: {w.message}\n")
    return dnn


def _import(args: argparse.Namespace) -> int:
    from offloadsched.io import save

    dnn = _read_onnx(args.model, args)
    try:
        save(dnn, args.output)
    except OSError as exc:
        raise ValidationError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"wrote {args.output} ({dnn.name}: {len(dnn)} layers, {dnn.n_edges} edges, {dnn.structure}; "
          f"{int(dnn.attrs['params']):,d} params, {dnn.attrs['flops'] / 1e9:.3f} GFLOPs"
          + (f"; {dnn.attrs['weight_inputs']} graph inputs taken as weights, input {dnn.names[0]!r})"
             if dnn.attrs.get("weight_inputs") else ")"))
    return 0


def _profile(args: argparse.Namespace) -> int:
    from offloadsched.io import load, save
    from offloadsched.problems import JointProblem, identical_jobs

    from .generators import MAX_JOBS, check_size
    from .profiles import measured_platform

    check_size(args.jobs, "--jobs", MAX_JOBS)
    path = Path(args.model)
    if path.suffix.lower() == ".onnx":
        dnn = _read_onnx(path, args)
    elif path.exists() or path.suffix:
        dnn = load(path)
        if not isinstance(dnn, DNN):
            raise ValidationError(f"{path}: is a {getattr(dnn, 'type', 'result')} document, not a DNN")
    else:
        dnn = get_model(args.model)
    remote = args.remote_model or ("serial" if args.server_times else "negligible")
    if args.server_times and remote == "negligible":
        raise ValidationError("--server-times needs --remote-model serial or parallel (negligible forces t' = 0)")
    base = make_platform(args.device, args.server, args.network)
    platform = measured_platform(base, dnn, device_times=args.device_times, server_times=args.server_times)
    problem = JointProblem(identical_jobs(dnn, args.jobs), platform, remote_model=remote, name=dnn.name)
    try:
        save(problem, args.output)
    except OSError as exc:
        raise ValidationError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    lo, lo_model = int(platform.local_times(dnn).sum()), int(base.local_times(dnn).sum())
    sides = [s for s, given in (("device", args.device_times), ("server", args.server_times)) if given]
    print(f"wrote {args.output} ({args.jobs} job(s) of {dnn.name} on {platform.name}, remote {remote}; "
          + (f"measured {' and '.join(sides)} times; local-only {lo:,d} us measured, {lo_model:,d} us modelled)"
             if sides else f"modelled times; local-only {lo:,d} us)"))
    return 0
