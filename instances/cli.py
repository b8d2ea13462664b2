"""The ``offloadsched instances`` subcommand: list, show and export zoo models.

* ``instances list`` - every model with its layers, edges, parameters, GMACs and structure.
* ``instances show NAME [--device D] [--server S] [--network N] [-p KEY=VALUE ...]`` - the
  per-layer profile in integer µs and bytes; for chain models also the cut-point curve
  ``F(l)`` (local time of layers 0..l) and ``g(l)`` (upload of layer l's output).
* ``instances export NAME -o FILE.json [-p KEY=VALUE ...]`` - the DNN as an offloadsched JSON
  document (:func:`offloadsched.io.save`).

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

    q = actions.add_parser("export", help="write a model as an offloadsched JSON document",
                           description="Write the DNN graph (layers, FLOPs, output bytes, attributes) as JSON.")
    q.add_argument("name", help="model name")
    q.add_argument("-o", "--output", type=Path, required=True, help="output .json file")
    _param_option(q)
    q.set_defaults(func=_export)


def _param_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                        help="builder option, repeatable (value parsed as JSON when possible), e.g. -p fold=false")


def _model(args: argparse.Namespace) -> DNN:
    from offloadsched.cli import parse_option

    return get_model(args.name, **dict(parse_option(text) for text in args.param))


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
          f"B {platform.bandwidth / 1e6:g} Mbit/s, w0 {platform.latency * 1e3:g} ms")
    print(f"local-only {int(f.sum()):,d} us, cloud-only {int(u[dnn.input] + r.sum()):,d} us")
    if dnn.is_chain:
        print("cut after layer l: F(l) = local time of layers 0..l, g(l) = upload of l's output "
              "(0 for the last layer: local-only)")
    print(format_table(headers, rows))
    return 0


def _export(args: argparse.Namespace) -> int:
    from offloadsched.io import save

    dnn = _model(args)
    try:
        save(dnn, args.output)
    except OSError as exc:
        raise ValidationError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"wrote {args.output} ({dnn.name}: {len(dnn)} layers, {dnn.n_edges} edges)")
    return 0
