"""Core subcommands: ``evaluate``, ``solve``, ``simulate``, ``methods`` and ``dag``.

``dag`` writes problem D of a joint problem and a partition per job, for DAG methods:
``offloadsched dag joint.json --partitions-from jps -o d.json`` takes the partitions a joint method
chooses; ``--partition result.json`` those a previous ``solve --json`` recorded (one list of local
layer indices per job); ``--local`` a JSON list with one list of local layers (indices or names) per
job.  Then ``offloadsched solve d.json -m sidney`` (or any DAG method) schedules them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import ValidationError
from .vocab import FLOW_TYPES, PROBLEM_TYPES


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="evaluate a given order on a problem file",
                       description="Build the semi-active schedule of an order and print its makespan.")
    p.add_argument("file", type=Path, help="problem file (JSON or Taillard text)")
    p.add_argument("--order", nargs="+", help="job order (flow) or local order (DAG): indices, "
                   "space- or comma-separated")
    p.add_argument("--schedule", type=Path, help="a JSON file with per-resource sequences instead of --order")
    p.add_argument("--instance", type=int, help="instance number in a Taillard file (1-based)")
    p.add_argument("--json", type=Path, help="write the timed schedule as JSON")
    p.add_argument("--plot", type=Path, help="write a Gantt chart PNG")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("solve", help="solve a problem file with a registered method",
                       description="Solve a problem with one method; the evaluator re-scores the schedule.")
    p.add_argument("file", type=Path, help="problem file (JSON or Taillard text)")
    p.add_argument("--method", "-m", required=True, help="method name (see 'offloadsched methods')")
    p.add_argument("--time-limit", type=float, help="seconds for exact methods")
    p.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE",
                   help="method option, repeatable (value parsed as JSON when possible)")
    p.add_argument("--instance", type=int, help="instance number in a Taillard file (1-based)")
    p.add_argument("--plot", type=Path, help="write a Gantt chart PNG")
    p.add_argument("--json", type=Path, help="write the result as JSON")
    p.set_defaults(func=_solve)

    p = sub.add_parser("simulate", help="simulate jobs arriving at their release times under an online policy",
                       description="Reveal the jobs at their release times and let a policy decide (fifo, greedy, or "
                                   "a registered method re-planned over the waiting jobs); the realised schedule is "
                                   "scored by the evaluator (see offloadsched.online).")
    p.add_argument("file", type=Path, help="problem file (JSON)")
    p.add_argument("--policy", "-p", required=True, help="fifo, greedy or a method name (see 'offloadsched methods')")
    p.add_argument("--time-limit", type=float, help="seconds per re-plan of the policy's method")
    p.add_argument("--seed", type=int, help="seed of the policy's method (when it takes one)")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="option of the policy's method, repeatable (value parsed as JSON when possible)")
    p.add_argument("--plot", type=Path, help="write a Gantt chart PNG")
    p.add_argument("-o", "--output", type=Path, help="write the result as JSON (atomically)")
    p.set_defaults(func=_simulate)

    p = sub.add_parser("methods", help="list the registered methods",
                       description="List every registered method with the problem types it accepts.")
    p.add_argument("--problem", choices=PROBLEM_TYPES, help="only methods for this type")
    p.set_defaults(func=_methods)

    p = sub.add_parser("dag", help="problem D of a joint problem and its partitions (for DAG methods)",
                       description="Build problem D (the jobs' layers with a partition each) from a joint problem "
                                   "file and the partitions of a joint method, of a result file or given by hand.")
    p.add_argument("file", type=Path, help="joint problem file (JSON)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--partitions-from", metavar="METHOD", help="run this joint method and take its partitions")
    how.add_argument("--partition", type=Path, metavar="RESULT",
                     help="the partitions recorded in a result file of 'solve --json' on this joint problem")
    how.add_argument("--local", type=Path, metavar="JSON",
                     help="a JSON list with, per job, the list of its local layers (indices or names)")
    p.add_argument("--time-limit", type=float, help="seconds for --partitions-from")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="option of the --partitions-from method, repeatable (value parsed as JSON when possible)")
    p.add_argument("-o", "--output", type=Path, required=True, help="write problem D here (JSON)")
    p.set_defaults(func=_dag)


def _order(tokens: list[str]) -> list[int]:
    out = []
    for tok in tokens:
        for part in tok.replace(",", " ").split():
            try:
                out.append(int(part))
            except ValueError:
                raise ValidationError(f"--order: {part!r} is not an integer index") from None
    return out


def _evaluate(args: argparse.Namespace) -> int:
    from .check import check
    from .evaluate import evaluate
    from .io import load, parse_json, read_text, write_json
    from .plotting import save_gantt
    from .schedule import Schedule

    problem = load(args.file, instance=args.instance)
    if getattr(problem, "type", None) not in (*FLOW_TYPES, "dag"):
        raise ValidationError(f"{args.file}: evaluate needs a j2, fm or dag problem; it holds {_holds(problem)}")
    if (args.order is None) == (args.schedule is None):
        raise ValidationError("give exactly one of --order and --schedule")
    if args.order is not None:
        schedule = Schedule.from_order(_order(args.order))
    else:
        try:
            data = parse_json(read_text(args.schedule, "schedule"), str(args.schedule))
        except ValidationError as exc:
            raise ValidationError(f"cannot read schedule: {exc}") from None
        if isinstance(data, dict) and data.get("type") == "result" and isinstance(data.get("schedule"), dict):
            data = data["schedule"]  # a result document: its schedule
        schedule = Schedule.from_dict(data)
    timing = evaluate(problem, schedule)
    check(problem, timing)
    print(f"makespan {timing.makespan}")
    for res in timing.resources:
        print(f"  {res:8s} busy {timing.busy[res]:>12d}  idle {timing.idle[res]:>12d}")
    if problem.has_release:
        print(_response_line(*(timing.response_stats or (0.0, 0, 0))))
    names = getattr(problem, "names", None) or getattr(problem, "jobs", None)
    if args.json:
        extra = ({"completion": timing.completion.tolist(), "response": timing.response.tolist()}
                 if problem.has_release else {})
        write_json({"makespan": timing.makespan, "schedule": timing.schedule.to_dict(),
                    "operations": timing.to_records(names), **extra}, args.json)
    if args.plot:
        save_gantt(timing, args.plot, problem=problem, title=f"makespan {timing.makespan}")
    return 0


def _solve(args: argparse.Namespace) -> int:
    from .cli import parse_option
    from .io import load, save
    from .plotting import save_gantt
    from .solve import solve

    problem = load(args.file, instance=args.instance)
    if getattr(problem, "type", None) not in PROBLEM_TYPES:
        hint = (f"; make one with 'offloadsched instances profile {args.file} -o problem.json'"
                if type(problem).__name__ == "DNN" else "")
        raise ValidationError(f"{args.file}: holds {_holds(problem)}, not a problem{hint}")
    options = dict(parse_option(o) for o in args.option)
    for key, flag in (("time_limit", "--time-limit"), ("method", "--method"), ("problem", "the FILE argument")):
        if key in options:
            raise ValidationError(f"-o {key}=...: {key} is not a method option; use {flag}")
    result = solve(problem, args.method, time_limit=args.time_limit, **options)
    print(f"method {result.method}  status {result.status}  makespan {result.makespan}  "
          f"bound {result.bound}  lower_bound {result.lower_bound}  wall {result.wall_time_s:.3f} s")
    if result.timing is not None and problem.has_release:
        print(_response_line(result.response_mean, result.response_p95, result.response_max))
    if result.schedule is not None:
        order = result.schedule.order
        shown = " ".join(map(str, order[:40])) + (" ..." if len(order) > 40 else "")
        print(f"order {shown}")
    if args.json:
        save(result, args.json)
    if args.plot:
        if result.timing is None:
            raise ValidationError(f"no schedule to plot (status {result.status})")
        save_gantt(result.timing, args.plot, problem=result.problem,
                   title=f"{result.method}: makespan {result.makespan} ({result.status})")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from .cli import parse_option
    from .io import load, save
    from .online import simulate
    from .plotting import save_gantt

    problem = load(args.file)
    if getattr(problem, "type", None) not in PROBLEM_TYPES:
        raise ValidationError(f"{args.file}: holds {_holds(problem)}, not a problem")
    options = dict(parse_option(o) for o in args.option)
    for key, flag in (("time_limit", "--time-limit"), ("seed", "--seed"), ("policy", "--policy")):
        if key in options:
            raise ValidationError(f"--option {key}=...: use {flag}")
    result = simulate(problem, args.policy, time_limit=args.time_limit, seed=args.seed, **options)
    info = result.info
    replans = f"  replans {info['replans']} ({info['method_calls']} solved)" if "replans" in info else ""
    print(f"policy {args.policy}  status {result.status}  makespan {result.makespan}  "
          f"{_response_line(result.response_mean, result.response_p95, result.response_max)}  "
          f"decisions {info['decisions']}{replans}  wall {result.wall_time_s:.3f} s")
    if "inconsistency" in info:
        print(f"inconsistency: {info['inconsistency']}")
    if args.output:
        save(result, args.output)
    if args.plot and result.timing is not None:
        save_gantt(result.timing, args.plot, problem=result.problem,
                   title=f"online {args.policy}: makespan {result.makespan} ({result.status})")
    return 0 if result.status != "error" else 1


def _response_line(mean, p95, worst) -> str:
    """The jobs' response times (completion - release, µs) in one line."""
    return f"response mean {mean:.1f}  p95 {p95}  max {worst}"


def _holds(obj) -> str:
    """What a loaded document is, for a message: ``a result document (method 'neh', status optimal)``."""
    if isinstance(obj, dict):
        return (f"a result document (method {obj.get('method')!r}, status {obj.get('status')}); give the problem "
                "file it was solved from")
    return f"a {type(obj).__name__}" if type(obj).__name__ != "JointProblem" else "a joint problem"


def _methods(args: argparse.Namespace) -> int:
    from .registry import methods

    rows = methods(problem_type=args.problem)
    width = max((len(m.name) for m in rows), default=4)
    for m in rows:
        print(f"{m.name:<{width}}  {m.kind:9s}  {','.join(m.problems):15s}  {m.summary}")
    return 0


# -- dag: problem D of a joint problem and a partition per job, for DAG methods ----------------------
def _partitions(jp, layers: object, where: str) -> list:
    """One :class:`~offloadsched.partition.Partition` per job from per-job lists of local layers."""
    from .partition import Partition

    if not isinstance(layers, list):
        raise ValidationError(f"{where}: expected a list of per-job local layer lists, got {type(layers).__name__}")
    if len(layers) != len(jp.jobs):
        raise ValidationError(f"{where}: {len(layers)} partitions for {len(jp.jobs)} jobs (one per job)")
    parts = []
    for k, (dnn, local) in enumerate(zip(jp.jobs, layers)):
        job = f"{where}: job {k} ({jp.job_names[k]!r})"
        if not isinstance(local, list):
            raise ValidationError(f"{job}: expected a list of local layers, got {type(local).__name__}")
        for item in local:
            if isinstance(item, bool) or not isinstance(item, (int, str)):
                raise ValidationError(f"{job}: local layer {item!r} is neither an index nor a name")
        try:
            parts.append(Partition(dnn, local))
        except ValidationError as exc:
            raise ValidationError(f"{job}: {exc}") from None
    return parts


def _read_json(path: Path) -> object:
    from .io import parse_json, read_text

    return parse_json(read_text(path, "file"), str(path))


def _dag(args: argparse.Namespace) -> int:
    from .cli import parse_option
    from .io import load, save
    from .solve import solve

    jp = load(args.file)
    if getattr(jp, "type", None) != "joint":
        raise ValidationError(f"{args.file}: holds a {getattr(jp, 'type', type(jp).__name__)} document, "
                              "not a joint problem")
    if (args.time_limit is not None or args.option) and args.partitions_from is None:
        raise ValidationError("--time-limit and --option apply only to --partitions-from")
    if args.partitions_from is not None:
        from .registry import get_method

        method = get_method(args.partitions_from)
        if "joint" not in method.problems:
            raise ValidationError(f"--partitions-from: method {method.name!r} takes {', '.join(method.problems)} "
                                  "problems, not joint ones: it chooses no partitions")
        options = dict(parse_option(o) for o in args.option)
        result = solve(jp, method.name, time_limit=args.time_limit, **options)
        if result.partitions is None:
            raise ValidationError(f"--partitions-from {method.name}: no partitions (status {result.status})")
        parts, source = result.partitions, f"{method.name} (makespan {result.makespan})"
    elif args.partition is not None:
        doc = _read_json(args.partition)
        if not isinstance(doc, dict) or doc.get("type") != "result":
            raise ValidationError(f"{args.partition}: not a result file (write one with 'offloadsched solve "
                                  f"{args.file} -m METHOD --json {args.partition}')")
        if doc.get("partitions") is None:
            raise ValidationError(f"{args.partition}: records no partitions (method {doc.get('method')!r} "
                                  "did not solve a joint problem)")
        parts = _partitions(jp, doc["partitions"], f"{args.partition}")
        source = f"{args.partition} ({doc.get('method')})"
    else:
        parts = _partitions(jp, _read_json(args.local), f"{args.local}")
        source = str(args.local)
    dag = jp.dag(parts)
    save(dag, args.output)
    print(f"problem D of {len(jp.jobs)} jobs from {source}: {len(dag)} nodes, {int(dag.local.sum())} local, "
          f"{int(dag.cut.sum())} uploads, remote {dag.remote_model} -> {args.output}")
    return 0
