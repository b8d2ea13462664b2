"""The bad-input corpus: hostile files, arguments and faults, each with its expected exit status and a
fragment of the expected message, run through the command line in-process (``offloadsched.cli.main``).

Every case is a :class:`Case`: the files it writes (text, bytes, or a JSON-ready object), the argv
(``{name}`` is the path of a written file, ``{tmp}`` the case's folder), the expected exit status and a
fragment that must appear in stderr (exit 2: a one-line error) or stdout (exit 0: the correct result,
e.g. the makespan that brute force proves).  :func:`run_case` classifies the outcome: ``clean error``,
``correct result``, ``traceback`` (an exception escaped ``main``) or ``wrong`` (anything else: a wrong
exit status, a missing fragment, a multi-line error).  ``python -m tests.bad_inputs`` prints the counts (corpus
size, clean errors, correct results, tracebacks, wrong answers), with the Python API cases of
``tests.bad_api_inputs`` when that module exists.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CEILING = 2**53


@dataclass
class Case:
    id: str
    argv: list[str]
    exit: int
    fragment: str
    files: dict[str, Any] = field(default_factory=dict)
    setup: Callable[[Path], None] | None = None  # extra preparation of the case folder
    cwd: bool = False  # run in the case folder (cases about what the working folder holds)


# -- valid documents the mutations start from ---------------------------------------------------------
def j2_doc() -> dict:
    return {"format": "offloadsched", "schema_version": 1, "type": "j2", "name": "t", "jobs": ["J0", "J1", "J2"],
            "a": [3, 1, 4], "b": [1, 5, 9]}


def fm_doc() -> dict:
    return {"format": "offloadsched", "schema_version": 1, "type": "fm", "name": "t", "machines": ["M1", "M2", "M3"],
            "jobs": ["J0", "J1", "J2"], "times": [[3, 2, 5], [3, 2, 2], [4, 3, 3]]}


def dag_doc() -> dict:
    node = {"job": "c", "r": 0}
    return {"format": "offloadsched", "schema_version": 1, "type": "dag", "name": "t", "remote_model": "negligible",
            "jobs": ["c"], "nodes": [
                {**node, "name": "in", "local": True, "f": 0, "u": 5, "preds": []},
                {**node, "name": "a", "local": True, "f": 4, "u": 3, "preds": ["in"]},
                {**node, "name": "b", "local": True, "f": 2, "u": 6, "preds": ["in"]},
                {**node, "name": "ra", "local": False, "f": 1, "u": 0, "preds": ["a"]},
                {**node, "name": "rb", "local": False, "f": 1, "u": 0, "preds": ["b"]}]}


def dnn_body() -> dict:
    return {"name": "c", "attrs": {}, "layers": [
        {"name": "in", "kind": "input", "flops": 0.0, "out_bytes": 40.0, "preds": [], "attrs": {}},
        {"name": "l1", "kind": "conv", "flops": 2e6, "out_bytes": 30.0, "preds": ["in"], "attrs": {}},
        {"name": "l2", "kind": "conv", "flops": 1e6, "out_bytes": 8.0, "preds": ["l1"], "attrs": {}}]}


def dnn_doc() -> dict:
    return {"format": "offloadsched", "schema_version": 1, "type": "dnn", **dnn_body()}


def joint_doc() -> dict:
    return {"format": "offloadsched", "schema_version": 2, "type": "joint", "name": "t",
            "platform": {"name": "p", "r_loc": 1e9, "r_rem": 1e10, "bandwidth": 8e6, "w_msg": 0.001, "w_rtt": 0.002},
            "remote_model": "negligible", "dnns": [dnn_body()], "jobs": ["c", "c"]}


def taillard(n: int = 3, m: int = 2, rows: list[str] | None = None, header: str | None = None) -> str:
    rows = rows if rows is not None else [" ".join(str(1 + (i * 7 + j * 3) % 9) for j in range(n)) for i in range(m)]
    head = header if header is not None else f"{n:12d}{m:12d}{0:12d}{0:12d}{0:12d}"
    return "\n".join(["number of jobs, number of machines, initial seed, upper bound and lower bound :", head,
                      "processing times :", *rows]) + "\n"


def mutate(doc: dict, path: tuple, op: str, value: Any = None) -> dict:
    """A copy of ``doc`` with the item at ``path`` set (``op="set"``) or deleted (``"del"``), or its key
    renamed to ``value`` (``"rename"``)."""
    out = copy.deepcopy(doc)
    node = out
    for part in path[:-1]:
        node = node[part]
    last = path[-1]
    if op == "set":
        node[last] = value
    elif op == "del":
        del node[last]
    elif op == "rename":
        node[value] = node.pop(last)
    return out


# -- the cases -------------------------------------------------------------------------------------------
def _doc_cases() -> list[Case]:
    out: list[Case] = []

    def solve(cid: str, doc: Any, method: str, exit: int, fragment: str, *extra: str) -> None:
        out.append(Case(cid, ["solve", "{p.json}", "-m", method, *extra], exit, fragment, {"p.json": doc}))

    j2 = j2_doc()
    # J2: Johnson's order 1 2 0 gives 16, the optimum (= the machine-load bound; worked out by hand)
    solve("j2-valid", j2, "johnson", 0, "makespan 16")
    solve("j2-no-header", {k: v for k, v in j2.items() if k not in ("format", "schema_version")}, "johnson", 0,
          "makespan 16")
    solve("j2-1e6-float-integer", mutate(j2, ("a", 0), "set", 1e6), "johnson", 0, "makespan 1000006")
    solve("j2-near-ceiling", mutate(mutate(j2, ("a", 0), "set", 2**51), ("b", 0), "set", 2**51), "johnson", 0,
          f"makespan {2**52 + 5}")
    for cid, path, op, value, fragment in [
        ("typo-key", ("remote_modle",), "set", "serial", "unknown field 'remote_modle'"),
        ("unknown-key", ("extra",), "set", 1, "unknown field 'extra'"),
        ("string-number", ("a", 0), "set", "3", 'a[0]: expected an integer, got "3"'),
        ("string-exp", ("a", 1), "set", "1e6", 'a[1]: expected an integer, got "1e6"'),
        ("bool-true", ("a", 0), "set", True, "a[0]: expected an integer, got true"),
        ("bool-false", ("b", 2), "set", False, "b[2]: expected an integer, got false"),
        ("null", ("b", 1), "set", None, "b[1]: expected an integer, got null"),
        ("fraction", ("a", 2), "set", 2.5, "a[2]: expected an integer, got 2.5"),
        ("negative", ("b", 0), "set", -1, "b[0]: must be >= 0, got -1"),
        ("overflow-5e18", ("a", 0), "set", 5 * 10**18, "a[0]: times must be below the ceiling 2**53"),
        ("overflow-1e19", ("a", 0), "set", 10**19, "a[0]: times must be below the ceiling 2**53"),
        ("overflow-1e300", ("a", 0), "set", 10**300, "a[0]: times must be below the ceiling 2**53"),
        ("overflow-float-1e300", ("a", 0), "set", 1e300, "a[0]: times must be below the ceiling 2**53"),
        ("at-ceiling", ("a", 0), "set", CEILING, "a[0]: times must be below the ceiling 2**53"),
        ("missing-a", ("a",), "del", None, "missing field 'a'"),
        ("missing-b", ("b",), "del", None, "missing field 'b'"),
        ("a-not-list", ("a",), "set", 3, "a: expected a list, got 3"),
        ("a-object", ("a",), "set", {"x": 1}, "a: expected a list"),
        ("nested-list", ("a", 0), "set", [1], "a[0]: expected an integer, got [1]"),
        ("jobs-not-strings", ("jobs", 0), "set", 7, "jobs[0]: expected a string, got 7"),
        ("name-number", ("name",), "set", 5, "name: expected a string, got 5"),
        ("format-wrong", ("format",), "set", "other", "format 'other' is not 'offloadsched'"),
        ("version-wrong", ("schema_version",), "set", 4, "schema_version 4 is not supported"),
        ("version-string", ("schema_version",), "set", "1", "schema_version '1' is not supported"),
        ("type-unknown", ("type",), "set", "flowshop", "unknown type 'flowshop'"),
        ("type-number", ("type",), "set", 3, "unknown type 3"),
        ("type-missing", ("type",), "del", None, "missing field 'type'"),
        ("renamed-a", ("a",), "rename", "A", "unknown field 'A'"),
    ]:
        solve(f"j2-{cid}", mutate(j2, path, op, value), "johnson", 2, fragment)
    solve("j2-unequal", mutate(j2, ("b",), "set", [1, 2]), "johnson", 2, "a and b must be 1-d of equal length")
    solve("j2-jobs-count", mutate(j2, ("jobs",), "set", ["x"]), "johnson", 2, "1 job names for 3 jobs")
    solve("j2-sum-over-ceiling", mutate(mutate(j2, ("a", 0), "set", 2**52), ("a", 1), "set", 2**52), "johnson", 2,
          "the sum of all times")
    solve("j2-nan", '{"type": "j2", "a": [NaN], "b": [1]}', "johnson", 2, "a[0]: expected an integer, got NaN")
    solve("j2-infinity", '{"type": "j2", "a": [Infinity], "b": [1]}', "johnson", 2, "a[0]: expected an integer")
    solve("j2-huge-literal", '{"type": "j2", "a": [1' + "0" * 400 + '], "b": [1]}', "johnson", 2,
          "times must be below the ceiling")
    solve("j2-duplicate-key", '{"type": "j2", "a": [1], "a": [2], "b": [1]}', "johnson", 0, "makespan 3")

    fm = fm_doc()
    solve("fm-valid-bruteforce", fm, "bruteforce", 0, "makespan 15")
    for cid, path, op, value, fragment in [
        ("ragged", ("times", 1), "set", [1, 2], "field 'times' must be a list of equal-length rows"),
        ("one-machine", ("times",), "set", [[1], [2]], "times[0]: needs at least 2 item(s), got 1"),
        ("empty", ("times",), "set", [], "times: needs at least 1 item(s), got 0"),
        ("row-number", ("times", 0), "set", 5, "times[0]: expected a list, got 5"),
        ("cell-string", ("times", 2, 1), "set", "3", 'times[2][1]: expected an integer, got "3"'),
        ("cell-negative", ("times", 0, 0), "set", -4, "times[0][0]: must be >= 0, got -4"),
        ("cell-huge", ("times", 1, 2), "set", 10**19, "times[1][2]: times must be below the ceiling"),
        ("cell-bool", ("times", 1, 1), "set", True, "times[1][1]: expected an integer, got true"),
        ("machines-count", ("machines",), "set", ["a", "b"], "need 3 distinct machine names"),
        ("machines-duplicate", ("machines",), "set", ["a", "a", "b"], "duplicate machine name 'a'"),
        ("machines-not-list", ("machines",), "set", "abc", "machines: expected a list"),
        ("typo", ("time",), "rename", None, "unknown field"),
    ]:
        doc = mutate(fm, ("times",), "rename", "time") if cid == "typo" else mutate(fm, path, op, value)
        solve(f"fm-{cid}", doc, "neh", 2, fragment)
    solve("fm-johnson-three-machines", fm, "johnson", 2, "it needs 2 machines, the problem has 3")

    dag = dag_doc()
    solve("dag-valid-bruteforce", dag, "bruteforce", 0, "makespan 11")
    solve("dag-valid-dp", dag, "dp-ideals", 0, "makespan 11")
    for cid, path, op, value, fragment in [
        ("local-string", ("nodes", 3, "local"), "set", "false", 'nodes[3].local: expected a boolean, got "false"'),
        ("local-int", ("nodes", 1, "local"), "set", 0, "nodes[1].local: expected a boolean, got 0"),
        ("f-missing", ("nodes", 2, "f"), "del", None, "nodes[2]: missing field 'f'"),
        ("f-negative", ("nodes", 2, "f"), "set", -2, "nodes[2].f: must be >= 0, got -2"),
        ("f-string", ("nodes", 1, "f"), "set", "4", 'nodes[1].f: expected an integer, got "4"'),
        ("u-fraction", ("nodes", 1, "u"), "set", 0.5, "nodes[1].u: expected an integer, got 0.5"),
        ("u-huge", ("nodes", 1, "u"), "set", 10**20, "nodes[1].u: times must be below the ceiling"),
        ("r-bool", ("nodes", 3, "r"), "set", True, "nodes[3].r: expected an integer, got true"),
        ("name-missing", ("nodes", 0, "name"), "del", None, "nodes[0]: missing field 'name'"),
        ("name-empty", ("nodes", 0, "name"), "set", "", "nodes[0].name: must not be empty"),
        ("name-number", ("nodes", 0, "name"), "set", 3, "nodes[0].name: expected a string, got 3"),
        ("duplicate-name", ("nodes", 2, "name"), "set", "a", "duplicate node name 'a'"),
        ("unknown-pred", ("nodes", 1, "preds"), "set", ["ghost"], "unknown predecessor 'ghost'"),
        ("pred-number", ("nodes", 1, "preds"), "set", [0], "nodes[1].preds[0]: expected a string, got 0"),
        ("preds-string", ("nodes", 1, "preds"), "set", "in", "nodes[1].preds: expected a list"),
        ("self-loop", ("nodes", 1, "preds"), "set", ["a"], "graph has a cycle"),
        ("cycle", ("nodes", 0, "preds"), "set", ["a"], "graph has a cycle"),
        ("remote-model", ("remote_model",), "set", "cloud", "remote_model: must be one of"),
        ("node-typo", ("nodes", 0, "lcoal"), "set", True, "nodes[0]: unknown field 'lcoal'"),
        ("job-bool", ("nodes", 0, "job"), "set", True, "nodes[0].job: expected a string or an integer, got true"),
        ("job-negative", ("nodes", 0, "job"), "set", -1, "nodes[0].job: must be >= 0, got -1"),
        ("nodes-object", ("nodes",), "set", {}, "nodes: expected a list"),
        ("remote-before-local", ("nodes", 1, "local"), "set", False, "has remote predecessor"),
    ]:
        doc = mutate(dag, path, op, value)
        if cid == "remote-before-local":
            doc = mutate(mutate(dag, ("nodes", 1, "local"), "set", False), ("nodes", 3, "local"), "set", True)
        solve(f"dag-{cid}", doc, "fifo", 2, fragment)
    solve("dag-sum-over-ceiling", mutate(mutate(dag, ("nodes", 1, "f"), "set", 2**52), ("nodes", 2, "u"), "set",
                                         2**52), "fifo", 2, "the sum of all times f + u + r")
    wide = {"type": "dag", "nodes": [{"name": f"v{i}", "f": 1} for i in range(24)]}
    solve("dag-wide-bruteforce", wide, "bruteforce", 2, "more than max_candidates=200000")
    solve("dag-dp-serial", mutate(dag, ("remote_model",), "set", "serial"), "dp-ideals", 2,
          "it needs the negligible remote model")

    dnn = dnn_doc()
    solve("dnn-as-problem", dnn, "fifo", 2, "holds a DNN, not a problem")
    for cid, path, op, value, fragment in [
        ("flops-negative", ("layers", 1, "flops"), "set", -5, "layers[1].flops: must be >= 0, got -5 (layer 'l1')"),
        ("flops-string", ("layers", 1, "flops"), "set", "2e6", 'layers[1].flops: expected a number, got "2e6"'),
        ("bytes-bool", ("layers", 2, "out_bytes"), "set", True, "layers[2].out_bytes: expected a number, got true"),
        ("flops-missing", ("layers", 2, "flops"), "del", None, "layers[2]: missing field 'flops' (layer 'l2')"),
        ("layers-empty", ("layers",), "set", [], "layers: needs at least 1 item(s), got 0"),
        ("layer-typo", ("layers", 0, "out_byte"), "set", 3, "layers[0]: unknown field 'out_byte'"),
        ("duplicate-layer", ("layers", 2, "name"), "set", "l1", "duplicate layer name 'l1'"),
        ("unknown-pred", ("layers", 2, "preds"), "set", ["zz"], "zz"),
        ("two-inputs", ("layers", 2, "preds"), "set", [], "input"),
    ]:
        solve(f"dnn-{cid}", mutate(dnn, path, op, value), "fifo", 2, fragment)

    joint = joint_doc()
    solve("joint-valid-lo", joint, "lo", 0, "makespan 6000")
    measured = mutate(joint, ("platform", "measured"), "set", {"device": {"c": {"l1": 7, "l2": 3}}})
    solve("joint-measured-lo", measured, "lo", 0, "makespan 20")  # two jobs of 7 + 3 µs on the device
    solve("joint-valid-bruteforce-refused", joint, "bruteforce", 2, "does not accept joint problems")
    for cid, path, op, value, fragment in [
        ("platform-missing-rloc", ("platform", "r_loc"), "del", None, "platform: missing field 'r_loc'"),
        ("platform-rloc-zero", ("platform", "r_loc"), "set", 0, "platform.r_loc: must be > 0, got 0"),
        ("platform-rloc-negative", ("platform", "r_rem"), "set", -1e9, "platform.r_rem: must be > 0"),
        ("platform-bandwidth-string", ("platform", "bandwidth"), "set", "8e6",
         'platform.bandwidth: expected a number, got "8e6"'),
        ("platform-w_msg-negative", ("platform", "w_msg"), "set", -0.1, "platform.w_msg: must be >= 0"),
        ("platform-typo", ("platform", "remote_modle"), "set", "serial", "platform: unknown field 'remote_modle'"),
        ("platform-not-object", ("platform",), "set", "4g", "platform: expected an object"),
        ("jobs-unknown", ("jobs", 1), "set", "resnet", "job names unknown DNN 'resnet'"),
        ("jobs-empty", ("jobs",), "set", [], "jobs: needs at least 1 item(s), got 0"),
        ("dnns-empty", ("dnns",), "set", [], "dnns: needs at least 1 item(s), got 0"),
        ("remote-model", ("remote_model",), "set", "fast", "remote_model: must be one of"),
        ("flops-1e300", ("dnns", 0, "layers", 1, "flops"), "set", 1e300, "is not below the time ceiling"),
        ("rloc-tiny", ("platform", "r_loc"), "set", 1e-300, "is not below the time ceiling"),
        ("dnn-typo", ("dnns", 0, "layer"), "set", [], "dnns[0]: unknown field 'layer'"),
        ("measured-side", ("platform", "measured"), "set", {"gpu": {}}, 'platform.measured: must be one of'),
        ("measured-string", ("platform", "measured"), "set", {"device": {"c": {"l1": "5"}}},
         'platform.measured.device.c.l1: expected an integer, got "5"'),
        ("measured-negative", ("platform", "measured"), "set", {"device": {"c": {"l1": -5}}},
         "platform.measured.device.c.l1: must be >= 0, got -5"),
        ("measured-huge", ("platform", "measured"), "set", {"server": {"c": {"l1": 10**19}}},
         "platform.measured.server.c.l1: times must be below the ceiling"),
        ("measured-missing-layer", ("platform", "measured"), "set", {"device": {"c": {"l1": 5}}}, "l2"),
        ("measured-unknown-dnn", ("platform", "measured"), "set", {"device": {"vgg": {"l1": 5}}}, "'c'"),
    ]:
        solve(f"joint-{cid}", mutate(joint, path, op, value), "lo", 2, fragment)

    for cid, content, fragment in [
        ("empty-file", "", "not valid JSON"),
        ("truncated", json.dumps(j2)[:30], "not valid JSON"),
        ("root-list", "[1, 2]", "expected a JSON object, got list"),
        ("root-number", "42", "expected a JSON object, got int"),
        ("root-string", '"j2"', "expected a JSON object, got str"),
        ("binary", b"\x89PNG\r\n\x1a\n\x00\x00", "cannot read"),
        ("latin1", '{"type": "j2", "name": "caf\xe9"}'.encode("latin-1"), "cannot read"),
        ("trailing-garbage", json.dumps(j2) + " x", "not valid JSON"),
    ]:
        solve(f"file-{cid}", content, "johnson", 2, fragment)
    return out


def _taillard_cases() -> list[Case]:
    out: list[Case] = []

    def solve(cid: str, text: str, exit: int, fragment: str, *extra: str, method: str = "neh") -> None:
        out.append(Case(f"taillard-{cid}", ["solve", "{t.txt}", "-m", method, *extra], exit, fragment,
                        {"t.txt": text}))

    good = taillard(3, 2, ["1 3 5", "2 4 6"])
    solve("valid", good, 0, "makespan 15", method="bruteforce")
    solve("token-x7", taillard(3, 2, ["1 x7 5", "2 4 6"]), 2, "line 4: 'x7' is not an integer")
    solve("token-float", taillard(3, 2, ["1 3.5 5", "2 4 6"]), 2, "line 4: '3.5' is not an integer")
    solve("token-comma", taillard(3, 2, ["1,3,5", "2 4 6"]), 2, "line 4: '1,3,5' is not an integer")
    solve("header-4-rows-of-20", taillard(4, 2, [" ".join(["5"] * 20)] * 2), 2,
          "line 4: expected 4 times (the header says 4 jobs), found 20")
    solve("row-short", taillard(3, 2, ["1 3", "2 4 6"]), 2, "line 4: expected 3 times")
    solve("rows-missing", taillard(3, 3, ["1 3 5", "2 4 6"]), 2, "file ends where row 3 of 3")
    solve("rows-extra", taillard(3, 2, ["1 3 5", "2 4 6", "7 8 9"]), 2, "line 6: expected the next instance header")
    solve("negative", taillard(3, 2, ["1 -3 5", "2 4 6"]), 2, "line 4: times must be >= 0, got -3")
    solve("huge", taillard(3, 2, ["1 3 5", "2 4 " + "9" * 25]), 2, "times must be below the ceiling")
    solve("one-machine", taillard(3, 1, ["1 3 5"]), 2, "needs at least 1 job and 2 machines")
    solve("zero-jobs", taillard(0, 2, ["", ""]), 2, "needs at least 1 job and 2 machines")
    solve("header-one-number", taillard(3, 2, header="3"), 2, "line 2: expected 2 to 5 integers")
    solve("header-word", taillard(3, 2, header="three two"), 2, "line 2: 'three' is not an integer")
    solve("no-times-line", good.replace("processing times :", "times"), 2, "line 3: expected 'processing times :'")
    solve("header-only", good.splitlines()[0] + "\n", 2, "file ends where the line of jobs and machines counts")
    two = good + good
    solve("two-no-instance", two, 2, "holds 2 instances; choose one with --instance")
    solve("two-instance-2", two, 0, "makespan 15", "--instance", "2", method="bruteforce")
    solve("instance-out-of-range", two, 2, "--instance 3 out of range 1..2", "--instance", "3")
    solve("instance-zero", two, 2, "--instance 0 out of range", "--instance", "0")
    out.append(Case("taillard-instance-on-json", ["solve", "{p.json}", "-m", "johnson", "--instance", "1"], 2,
                    "--instance applies only to Taillard text files", {"p.json": j2_doc()}))
    solve("junk-between", good + "junk\n" + good, 2, "line 6: expected the next instance header")
    return out


def _option_cases() -> list[Case]:
    out: list[Case] = []
    j2, dag = {"p.json": j2_doc()}, {"d.json": dag_doc()}

    def case(cid: str, argv: list[str], exit: int, fragment: str, files: dict | None = None) -> None:
        out.append(Case(cid, argv, exit, fragment, dict(j2 if files is None else files)))

    solve = ["solve", "{p.json}", "-m"]
    case("opt-time-limit", solve + ["johnson", "-o", "time_limit=5"], 2, "use --time-limit")
    case("opt-method", solve + ["johnson", "-o", "method=neh"], 2, "use --method")
    case("opt-problem", solve + ["johnson", "-o", "problem=1"], 2, "use the FILE argument")
    case("opt-verify", solve + ["johnson", "-o", "verify=false"], 2, "has no option 'verify'")
    case("opt-unknown", solve + ["johnson", "-o", "speed=3"], 2, "has no option 'speed'")
    case("opt-no-equals", solve + ["johnson", "-o", "fast"], 2, "is not of the form key=value")
    case("opt-empty-key", solve + ["johnson", "-o", "=3"], 2, "is not of the form key=value")
    case("tl-negative", solve + ["bruteforce", "--time-limit", "-1"], 2, "time_limit must be a positive number")
    case("tl-zero", solve + ["bruteforce", "--time-limit", "0"], 2, "time_limit must be a positive number")
    case("tl-nan", solve + ["bruteforce", "--time-limit", "nan"], 2, "time_limit must be a positive number")
    case("tl-inf", solve + ["bruteforce", "--time-limit", "inf"], 2, "time_limit must be a positive number")
    case("tl-word", solve + ["bruteforce", "--time-limit", "soon"], 2, "invalid float value")
    case("method-unknown", solve + ["fastest"], 2, "unknown method 'fastest'")
    case("method-wrong-type", solve + ["lo"], 2, "does not accept j2 problems")
    case("method-missing", ["solve", "{p.json}"], 2, "the following arguments are required: --method")
    sim = ["simulate", "{p.json}", "--policy"]
    case("sim-policy-unknown", sim + ["fastest"], 2, "unknown online policy 'fastest'")
    case("sim-policy-wrong-type", sim + ["po"], 2, "online policy 'po' does not accept j2 problems")
    case("sim-option-policy", sim + ["fifo", "--option", "policy=neh"], 2, "use --policy")
    case("sim-tl-zero", sim + ["johnson", "--time-limit", "0"], 2, "time_limit must be a positive number")
    case("sim-policy-missing", ["simulate", "{p.json}"], 2, "the following arguments are required: --policy")
    case("bf-max-negative", solve + ["bruteforce", "-o", "max_candidates=-1"], 2, "max_candidates must be an integer")
    case("bf-max-bool", solve + ["bruteforce", "-o", "max_candidates=true"], 2, "max_candidates must be an integer")
    case("bf-max-string", solve + ["bruteforce", "-o", "max_candidates=lots"], 2, "max_candidates must be an integer")
    case("bf-time-limit-ok", solve + ["bruteforce", "--time-limit", "5"], 0, "status optimal  makespan 16")
    case("dp-max-states", ["solve", "{d.json}", "-m", "dp-ideals", "-o", "max_states=0"], 2,
         "max_states must be an integer in 1..", dag)
    case("cpsat-workers-zero", solve + ["cpsat-flowshop", "-o", "workers=0"], 2,
         "workers must be an integer in 1..256, got 0")
    case("cpsat-workers-bool", solve + ["cpsat-flowshop", "-o", "workers=true"], 2, "workers must be an integer")
    case("cpsat-hint-maybe", solve + ["cpsat-flowshop", "-o", "hint=maybe"], 2, "hint must be True or False")
    case("cpsat-seed-string", solve + ["cpsat-flowshop", "-o", "seed=abc"], 2, "seed must be an integer")
    case("cpsat-valid", solve + ["cpsat-flowshop", "--time-limit", "5"], 0, "status optimal  makespan 16")
    case("file-missing", ["solve", "{tmp}/nothing.json", "-m", "johnson"], 2, "no such file")
    case("file-directory", ["solve", "{tmp}", "-m", "johnson"], 2, "cannot read")
    case("json-into-directory", solve + ["johnson", "--json", "{tmp}"], 2, "cannot write: it is a directory")
    case("json-under-file", solve + ["johnson", "--json", "{p.json}/r.json"], 2, "is a file, not a folder")
    case("json-read-only", solve + ["johnson", "--json", "/sys/offloadsched-r.json"], 2, "cannot write")
    case("plot-into-directory", solve + ["johnson", "--plot", "{tmp}"], 2, "cannot write: it is a directory")
    case("plot-under-file", solve + ["johnson", "--plot", "{p.json}/g.png"], 2, "is a file, not a folder")
    case("plot-read-only", solve + ["johnson", "--plot", "/proc/1/x/g.png"], 2, "cannot write")
    case("json-ok", solve + ["johnson", "--json", "{tmp}/sub/r.json"], 0, "makespan 16")
    ev = ["evaluate", "{p.json}"]
    case("eval-valid", ev + ["--order", "1", "0", "2"], 0, "makespan 17")
    case("eval-order-word", ev + ["--order", "1", "x", "2"], 2, "--order: 'x' is not an integer index")
    case("eval-order-range", ev + ["--order", "1", "0", "7"], 2, "out of range")
    case("eval-order-duplicate", ev + ["--order", "1", "1", "2"], 2, "appears 2 times")
    case("eval-order-short", ev + ["--order", "1", "0"], 2, "has 2 entries, expected 3")
    case("eval-order-negative", ev + ["--order", "1", "0", "-1"], 2, "out of range")
    case("eval-both", ev + ["--order", "0", "1", "2", "--schedule", "{p.json}"], 2, "give exactly one of")
    case("eval-neither", ev, 2, "give exactly one of")
    case("eval-schedule-missing", ev + ["--schedule", "{tmp}/none.json"], 2, "cannot read schedule")
    case("eval-schedule-bad-json", ev + ["--schedule", "{s.json}"], 2, "cannot read schedule",
         {**j2, "s.json": "{not json"})
    case("eval-schedule-unknown-resource", ev + ["--schedule", "{s.json}"], 2, "unknown machine",
         {**j2, "s.json": {"gpu": [0, 1, 2]}})
    case("eval-schedule-list", ev + ["--schedule", "{s.json}"], 2, "schedule", {**j2, "s.json": [0, 1, 2]})
    case("eval-schedule-strings", ev + ["--schedule", "{s.json}"], 2, "schedule",
         {**j2, "s.json": {"order": ["a", "b", "c"]}})
    case("eval-schedule-huge-index", ev + ["--schedule", "{s.json}"], 2, "out of range",
         {**j2, "s.json": {"order": [2**70, 0, 1]}})
    case("eval-schedule-fraction", ev + ["--schedule", "{s.json}"], 2, "0.5 is not an integer index",
         {**j2, "s.json": {"order": [0.5, 1, 2]}})
    case("eval-schedule-null", ev + ["--schedule", "{s.json}"], 2, "must be a sequence of indices",
         {**j2, "s.json": {"order": None}})
    case("eval-schedule-two-orders", ev + ["--schedule", "{s.json}"], 0, "makespan 23",
         {**j2, "s.json": {"order": [0, 1, 2], "uplink": [2, 1, 0]}})
    case("eval-joint", ["evaluate", "{j.json}", "--order", "0"], 2, "evaluate needs a j2, fm or dag problem",
         {"j.json": joint_doc()})
    case("eval-dag-precedence", ["evaluate", "{d.json}", "--order", "1", "0", "2"], 2, "before", dag)
    case("eval-dag-valid", ["evaluate", "{d.json}", "--order", "0", "1", "2"], 0, "makespan 13", dag)
    case("eval-json-under-file", ev + ["--order", "0", "1", "2", "--json", "{p.json}/x"], 2, "is a file, not a folder")
    case("methods-bad-problem", ["methods", "--problem", "xyz"], 2, "invalid choice")
    case("no-command", [], 2, "required: COMMAND")
    case("unknown-command", ["fly"], 2, "invalid choice")
    return out


TINY_SUITE = """
name = "tiny"
[[row]]
family = "random-j2"
n = [3, 4]
methods = ["fifo", "johnson"]
"""


_RESULTS: dict[str, bytes] = {}


def _make_results(tmp: Path) -> None:
    """``tmp/r.sqlite``: the results of TINY_SUITE (run once per process through the command line, then copied)."""
    from offloadsched.cli import main

    if "db" not in _RESULTS:
        with tempfile.TemporaryDirectory() as folder:
            suite, db = Path(folder) / "tiny.toml", Path(folder) / "r.sqlite"
            suite.write_text(TINY_SUITE, encoding="utf-8")
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                assert main(["bench", "--suite", str(suite), "--db", str(db), "--jobs", "0", "--quiet"]) == 0
            with contextlib.closing(sqlite3.connect(db)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            _RESULTS["db"] = db.read_bytes()
    (tmp / "r.sqlite").write_bytes(_RESULTS["db"])


def _damage_results(tmp: Path) -> None:
    _make_results(tmp)
    db = tmp / "r.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    data[page:] = bytes((k * 131 + 7) % 256 for k in range(page, len(data)))
    db.write_bytes(bytes(data))


#: the row of TINY_SUITE, for cases that replace it whole
ROW = 'family = "random-j2"\nn = [3, 4]\nmethods = ["fifo", "johnson"]'


def _bench_cases() -> list[Case]:
    out: list[Case] = []
    suite = {"tiny.toml": TINY_SUITE}

    def case(cid: str, argv: list[str], exit: int, fragment: str, files: dict | None = None, setup=None) -> None:
        out.append(Case(cid, argv, exit, fragment, dict(suite if files is None else files), setup))

    bench = ["bench", "--suite", "{tiny.toml}", "--db", "{tmp}/r.sqlite", "--jobs", "0", "--quiet"]

    def with_suite(text: str) -> dict:
        return {"tiny.toml": text}

    case("bench-valid", bench, 0, "suite tiny: 4 runs, 0 already stored, 4 run now")
    case("bench-unknown-suite", ["bench", "--suite", "nosuch", "--db", "{tmp}/r.sqlite"], 2, "unknown suite 'nosuch'")
    case("bench-suite-missing-file", ["bench", "--suite", "{tmp}/none.toml", "--db", "{tmp}/r.sqlite"], 2,
         "does not exist")
    case("bench-malformed-toml", bench, 2, "malformed TOML", with_suite("name = [\n"))
    case("bench-unknown-key", bench, 2, "unknown key 'time_limt'", with_suite("time_limt = 3\n" + TINY_SUITE))
    case("bench-param-type", bench, 2, "parameter 'n' must be int", with_suite(TINY_SUITE.replace("[3, 4]", '"x"')))
    case("bench-param-bool", bench, 2, "parameter 'n' must be int", with_suite(TINY_SUITE.replace("[3, 4]", "true")))
    case("bench-param-unknown", bench, 2, "unknown parameter 'size'", with_suite(TINY_SUITE + "size = 3\n"))
    case("bench-method-unknown", bench, 2, "unknown method 'quick'",
         with_suite(TINY_SUITE.replace('"johnson"', '"quick"')))
    case("bench-method-wrong-type", bench, 2, "does not accept j2 problems",
         with_suite(TINY_SUITE.replace('"johnson"', '"lo"')))
    case("bench-option-unknown", bench, 2, "has no option 'verify'",
         with_suite(TINY_SUITE.replace('"johnson"', '{method = "bruteforce", options = {verify = false}}')))
    case("bench-time-limit-negative", bench, 2, "'time_limit' must be a positive number",
         with_suite("time_limit = -1\n" + TINY_SUITE))
    case("bench-kill-after-zero", bench, 2, "'kill_after' must be a positive number",
         with_suite("kill_after = 0\n" + TINY_SUITE))
    for cid, old, new, fragment in [
        ("seeds-negative", 'n = [3, 4]', 'n = [3, 4]\nseeds = [-1]', "'seeds' must be a non-empty list of integers"),
        ("seeds-string", 'n = [3, 4]', 'n = [3, 4]\nseeds = "x"', "'seeds' must be a non-empty list of integers"),
        ("group-number", 'n = [3, 4]', 'n = [3, 4]\ngroup = 5', "'group' must be a str, got 5"),
        ("n-zero", 'n = [3, 4]', 'n = 0', "n must be an integer >= 1, got 0"),
        ("n-float", 'n = [3, 4]', 'n = 1.5', "parameter 'n' must be int, got 1.5"),
        ("low-above-high", 'n = [3, 4]', 'n = 3\nlow = 50\nhigh = 10', "need 0 <= low <= high"),
        ("high-huge", 'n = [3, 4]', 'n = 3\nhigh = 100000000000000000000000000000', "cannot build the instance"),
        ("n-huge", 'n = [3, 4]', 'n = 1000000000', "n must be at most 100_000 (a size ceiling"),
        ("fm-m-huge", 'family = "random-j2"\nn = [3, 4]', 'family = "random-fm"\nn = 3\nm = 5000',
         "m must be at most 1_000 (a size ceiling"),
        ("fm-times-huge", 'family = "random-j2"\nn = [3, 4]', 'family = "random-fm"\nn = 100000\nm = 1000',
         "n x m must be at most 10_000_000 times"),
        ("tree-n-huge", ROW, 'family = "random-tree"\nn = 10000000\nmethods = ["fifo"]',
         "n must be at most 1_000_000 (a size ceiling"),
        ("dag-n-huge", ROW, 'family = "random-dag"\nn = 50000\nmethods = ["fifo"]',
         "n must be at most 20_000 (a size ceiling"),
        ("dag-arcs-huge", ROW, 'family = "random-dag"\nn = 15000\np = 0.5\nmethods = ["fifo"]',
         "above the ceiling of 10_000_000"),
        ("identical-jobs-huge", ROW, 'family = "identical"\nmodel = "alexnet"\njobs = 1000000000\nmethods = ["lo"]',
         "jobs must be at most 100_000 (a size ceiling"),
        ("mix-jobs-huge", ROW, 'family = "mix"\njobs = 200000\nmethods = ["lo"]',
         "jobs must be at most 100_000 (a size ceiling"),
        ("random-joint-layers-huge", ROW, 'family = "random-joint"\njobs = 1000\nlayers = 5000\nmethods = ["lo"]',
         "jobs x layers must be at most 1_000_000 layers in all"),
        ("methods-empty", '["fifo", "johnson"]', '[]', "'methods' must be a non-empty list"),
        ("methods-twice", '["fifo", "johnson"]', '["fifo", "fifo"]', "method label 'fifo' appears twice"),
        ("method-table-key", '["fifo", "johnson"]', '[{method = "fifo", colour = 3}]', "unknown key 'colour'"),
        ("method-label-number", '["fifo", "johnson"]', '[{method = "fifo", label = 3}]', "'label' must be a str"),
        ("method-number", '["fifo", "johnson"]', '[3]', "a method must be a name or a table, got 3"),
        ("exclude-string", '["fifo", "johnson"]', '["*"]\nexclude = "fifo"', "'exclude' must be a list"),
    ]:
        case(f"bench-{cid}", bench, 2, fragment, with_suite(TINY_SUITE.replace(old, new)))
    case("bench-jobs-negative", bench[:-3] + ["--jobs", "-1"], 2, "--jobs must be >= 0")
    case("bench-jobs-suite-string", bench, 2, "'jobs' must be an integer", with_suite('jobs = "two"\n' + TINY_SUITE))
    case("bench-no-rows", bench, 2, "needs at least one [[row]]", with_suite('name = "x"\n'))
    case("bench-db-directory", ["bench", "--suite", "{tiny.toml}", "--db", "{tmp}", "--jobs", "0", "--quiet"], 2,
         "is a directory, not a results database")
    case("bench-db-under-file", ["bench", "--suite", "{tiny.toml}", "--db", "{tiny.toml}/r.sqlite", "--jobs", "0"], 2,
         "tiny.toml is a file, not a folder")
    case("bench-db-not-sqlite", bench, 2, "damaged", {**suite, "r.sqlite": "this is not a database" * 100})
    case("bench-db-damaged", bench, 2, "start a new one", setup=_damage_results)
    case("report-db-damaged", ["report", "--db", "{tmp}/r.sqlite", "-o", "{tmp}/rep"], 2, "damaged",
         setup=_damage_results)
    case("export-db-damaged", ["export", "--suite", "tiny", "--db", "{tmp}/r.sqlite", "-o", "{tmp}/x.csv"], 2,
         "damaged", setup=_damage_results)
    case("report-no-db", ["report", "--db", "{tmp}/none.sqlite"], 2, "no results database")
    case("report-unknown-suite", ["report", "--db", "{tmp}/r.sqlite", "--suite", "other", "-o", "{tmp}/rep"], 2,
         "no results for suite 'other'", setup=_make_results)
    case("report-under-file", ["report", "--db", "{tmp}/r.sqlite", "-o", "{tiny.toml}/rep"], 2,
         "is a file, not a folder", setup=_make_results)
    case("report-read-only", ["report", "--db", "{tmp}/r.sqlite", "-o", "/sys/offloadsched-rep"], 2, "cannot write",
         setup=_make_results)
    case("export-bad-suffix", ["export", "--suite", "tiny", "--db", "{tmp}/r.sqlite", "-o", "{tmp}/x.xlsx"], 2,
         "export format must be .csv or .parquet", setup=_make_results)
    case("export-into-directory", ["export", "--suite", "tiny", "--db", "{tmp}/r.sqlite", "-o", "{tmp}/d.csv"], 2,
         "cannot write: it is a directory", setup=lambda t: (_make_results(t), (t / "d.csv").mkdir()))
    case("export-under-file", ["export", "--suite", "tiny", "--db", "{tmp}/r.sqlite", "-o", "{tiny.toml}/x.csv"], 2,
         "is a file, not a folder", setup=_make_results)
    case("export-read-only", ["export", "--suite", "tiny", "--db", "{tmp}/r.sqlite", "-o", "/sys/x.csv"], 2,
         "cannot write", setup=_make_results)
    case("export-unknown-suite", ["export", "--suite", "big", "--db", "{tmp}/r.sqlite", "-o", "{tmp}/x.csv"], 2,
         "no results for suite 'big'", setup=_make_results)
    case("export-valid", ["export", "--suite", "tiny", "--db", "{tmp}/r.sqlite", "-o", "{tmp}/x.csv"], 0,
         "4 rows written", setup=lambda t: (_make_results(t), _make_results(t)))
    return out


def _zoo_cases() -> list[Case]:
    out: list[Case] = []
    show = ["instances", "show", "alexnet"]
    for cid, argv, exit, fragment in [
        ("zoo-fold-maybe", show + ["-p", "fold=maybe"], 2, "option 'fold' must be bool, got 'maybe'"),
        ("zoo-fold-number", show + ["-p", "fold=1"], 2, "option 'fold' must be bool, got 1"),
        ("zoo-unknown-option", show + ["-p", "depth=3"], 2, "unknown option(s) depth"),
        ("zoo-option-no-equals", show + ["-p", "fold"], 2, "is not of the form key=value"),
        ("zoo-unknown-model", ["instances", "show", "bignet"], 2, "unknown model 'bignet'"),
        ("zoo-unknown-network", show + ["--network", "5g"], 2, "unknown network '5g'"),
        ("zoo-export-into-directory", ["instances", "export", "alexnet", "-o", "{tmp}"], 2, "it is a directory"),
        ("zoo-export-under-file", ["instances", "export", "alexnet", "-o", "{f.txt}/a.json"], 2,
         "is a file, not a folder"),
        ("zoo-export-read-only", ["instances", "export", "alexnet", "-o", "/sys/a.json"], 2, "cannot write"),
        ("zoo-fold-false", show + ["-p", "fold=false"], 0, "alexnet"),
        ("zoo-profile-jobs-huge", ["instances", "profile", "alexnet", "--jobs", "1000000000", "-o", "{tmp}/p.json"],
         2, "--jobs must be at most 100_000 (a size ceiling"),
        ("claims-unknown", ["claims", "--claim", "nosuch"], 2, "unknown claim(s) 'nosuch'"),
        ("claims-budget-negative", ["claims", "--budget", "-1"], 2, "--budget must be positive"),
        ("claims-budget-nan", ["claims", "--budget", "nan"], 2, "--budget must be positive"),
        ("claims-samples-negative", ["claims", "--samples", "-5"], 2, "--samples must be >= 0"),
        ("claims-out-under-file", ["claims", "--claim", "johnson-j2", "--budget", "0.1", "--samples", "1",
                                   "--max-evals", "1", "-o", "{f.txt}/c"], 2, "Not a directory"),
    ]:
        out.append(Case(cid, argv, exit, fragment, {"f.txt": "x"}))
    return out


# -- issue 28: the second round of hostile inputs (files, limits, options, databases, paths) ---------------
HUGE = 10**400  # an integer literal no float holds
DEEP = 5000


def _nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def _mkfifo(name: str) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        os.mkfifo(folder / name)
    return setup


def _sql(*statements: str) -> Callable[[Path], None]:
    """Make the tiny suite's results, then change the database with ``statements`` (a damaged file)."""
    def setup(folder: Path) -> None:
        _make_results(folder)
        with contextlib.closing(sqlite3.connect(folder / "r.sqlite")) as conn:
            for sql in statements:
                conn.execute(sql)
            conn.commit()
    return setup


def _foreign_db(folder: Path) -> None:
    with contextlib.closing(sqlite3.connect(folder / "other.sqlite")) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers VALUES (1, 'x')")
        conn.commit()


def _escaped_suite(folder: Path) -> None:
    _make_results(folder)
    with contextlib.closing(sqlite3.connect(folder / "r.sqlite")) as conn:
        conn.execute("UPDATE runs SET suite = '../../escaped'")
        conn.execute("UPDATE suites SET name = '../../escaped'")
        conn.commit()


def _shadow_folder(folder: Path) -> None:
    """A folder named like a shipped suite in the working folder (it must not shadow the suite)."""
    (folder / "claims").mkdir()
    (folder / "claims" / "x.toml").write_text("name = [\n", encoding="utf-8")


RESULT_DOC = {"format": "offloadsched", "schema_version": 2, "type": "result", "method": "johnson",
              "status": "optimal", "makespan": 16, "schedule": {"order": [1, 2, 0]}}


def _hardening_cases() -> list[Case]:  # noqa: PLR0915 (a list of cases)
    out: list[Case] = []
    j2, dag, fm, dnn, joint = j2_doc(), dag_doc(), fm_doc(), dnn_doc(), joint_doc()

    def case(cid: str, argv: list[str], exit: int, fragment: str, files: dict | None = None, setup=None,
             cwd: bool = False) -> None:
        out.append(Case(cid, argv, exit, fragment, dict(files or {}), setup, cwd))

    def solve(cid: str, doc: Any, method: str, exit: int, fragment: str, *extra: str) -> None:
        case(cid, ["solve", "{p.json}", "-m", method, *extra], exit, fragment, {"p.json": doc})

    # numbers no float holds, and integer literals of thousands of digits
    float_max = "must be a number a float can hold"
    for cid, path in [("flops", ("dnns", 0, "layers", 1, "flops")),
                      ("out-bytes", ("dnns", 0, "layers", 0, "out_bytes")), ("r-loc", ("platform", "r_loc")),
                      ("r-rem", ("platform", "r_rem")),
                      ("bandwidth", ("platform", "bandwidth")), ("w-msg", ("platform", "w_msg")),
                      ("w-rtt", ("platform", "w_rtt")), ("rate", ("platform", "rates"))]:
        value = {"conv": HUGE} if cid == "rate" else HUGE
        solve(f"joint-1e400-{cid}", mutate(joint, path, "set", value), "lo", 2, float_max)
    solve("joint-minus-1e400-flops", mutate(joint, ("dnns", 0, "layers", 1, "flops"), "set", -HUGE), "lo", 2,
          "must be >= 0")
    for cid, path in [("flops", ("layers", 1, "flops")), ("out-bytes", ("layers", 2, "out_bytes"))]:
        case(f"zoo-profile-1e400-{cid}", ["instances", "profile", "{d.json}", "-o", "{tmp}/p.json"], 2, float_max,
             {"d.json": mutate(dnn, path, "set", HUGE)})
    for cid, doc, method in [("j2", j2, "johnson"), ("fm", fm, "neh"), ("dag", dag, "fifo")]:
        v2 = mutate(doc, ("schema_version",), "set", 2)
        solve(f"{cid}-1e400-w-rtt", mutate(v2, ("w_rtt",), "set", HUGE), method, 2, "times must be below the ceiling")
    solve("dag-job-1e400", mutate(dag, ("nodes", 0, "job"), "set", HUGE), "fifo", 2, "nodes[0].job: must be <=")
    solve("j2-5000-digit-literal", '{"type": "j2", "a": [1' + "0" * 5000 + '], "b": [1]}', "johnson", 2,
          "not valid JSON")
    solve("joint-5000-digit-flops", json.dumps(joint).replace('"flops": 2000000.0', '"flops": 1' + "0" * 5000), "lo",
          2, "not valid JSON")

    # item counts: bounded before the schema is checked item by item
    solve("j2-jobs-above-ceiling", {"type": "j2", "a": [1] * 100_001, "b": [1] * 100_001}, "johnson", 2,
          "100,001 jobs (a), above the ceiling of 100,000")
    solve("fm-machines-above-ceiling", {"type": "fm", "times": [[1] * 1001]}, "neh", 2,
          "1,001 machines, above the ceiling of 1,000")
    solve("joint-jobs-above-ceiling", mutate(joint, ("jobs",), "set", ["c"] * 100_001), "lo", 2,
          "100,001 jobs, above the ceiling of 100,000")

    # nesting: bounded before parsing
    solve("j2-nested-5000", '{"type": "j2", "a": ' + _nested(DEEP) + ', "b": [1]}', "johnson", 2,
          "nested 5001 levels deep, above the ceiling of 64")
    solve("dag-nested-5000", '{"type": "dag", "nodes": ' + _nested(DEEP, "{}") + "}", "fifo", 2,
          "nested 5002 levels deep")
    deep_attrs = json.dumps(joint).replace('"attrs": {}', '"attrs": {"x": ' + _nested(DEEP) + "}", 1)
    solve("joint-nested-attrs-5000", deep_attrs, "lo", 2, "nested 500")
    solve("fm-nested-100", '{"type": "fm", "times": ' + _nested(100) + "}", "neh", 2, "nested 101 levels deep")
    solve("j2-nested-objects-3000", '{"type": "j2", "a": [1], "b": [1], "x": ' + '{"a": ' * 3000 + "1" + "}" * 3000
          + "}", "johnson", 2, "nested 3001 levels deep")
    solve("j2-nested-in-string-ok", mutate(j2, ("name",), "set", "[" * 5000), "johnson", 0, "makespan 16")
    solve("j2-nested-60-attr", '{"type": "j2", "a": [1], "b": [1], "x": ' + _nested(60) + "}", "johnson", 2,
          "unknown field 'x'")

    # files that are not regular files, not UTF-8, or not what they claim
    ev = ["evaluate", "{p.json}", "--schedule", "{s.json}"]
    case("file-fifo-problem", ["solve", "{tmp}/p.json", "-m", "johnson"], 2, "it is a FIFO, not a regular file",
         setup=_mkfifo("p.json"))
    case("file-fifo-schedule", ["evaluate", "{p.json}", "--schedule", "{tmp}/s.json"], 2, "it is a FIFO",
         {"p.json": j2}, _mkfifo("s.json"))
    case("file-fifo-evaluate", ["evaluate", "{tmp}/p.json", "--order", "0", "1", "2"], 2, "it is a FIFO",
         setup=_mkfifo("p.json"))
    case("bench-fifo-suite", ["bench", "--suite", "{tmp}/s.toml", "--db", "{tmp}/r.sqlite"], 2, "it is a FIFO",
         setup=_mkfifo("s.toml"))
    case("zoo-profile-fifo-model", ["instances", "profile", "{tmp}/d.json", "-o", "{tmp}/p.json"], 2, "it is a FIFO",
         setup=_mkfifo("d.json"))
    case("zoo-profile-fifo-csv", ["instances", "profile", "alexnet", "--device-times", "{tmp}/t.csv", "-o",
                                  "{tmp}/p.json"], 2, "it is a FIFO", setup=_mkfifo("t.csv"))
    case("file-dev-zero", ["solve", "/dev/zero", "-m", "johnson"], 2, "it is a device, not a regular file")
    case("file-dev-null-schedule", ["evaluate", "{p.json}", "--schedule", "/dev/null"], 2, "it is a device",
         {"p.json": j2})
    latin1 = '{"order": [0, 1, 2], "x": "caf\xe9"}'.encode("latin-1")
    case("eval-schedule-latin1", ev, 2, "not UTF-8 text", {"p.json": j2, "s.json": latin1})
    case("eval-schedule-binary", ev, 2, "not UTF-8 text", {"p.json": j2, "s.json": b"\xff\xfe\x00\x01"})
    case("eval-schedule-nested", ev, 2, "nested 5001 levels deep", {"p.json": j2, "s.json": '{"order": '
                                                                    + _nested(DEEP) + "}"})
    case("eval-schedule-empty", ev, 2, "not valid JSON", {"p.json": j2, "s.json": ""})
    case("eval-schedule-directory", ["evaluate", "{p.json}", "--schedule", "{tmp}"], 2, "it is a directory",
         {"p.json": j2})
    case("eval-schedule-bom", ev, 0, "makespan 17", {"p.json": j2, "s.json": "\ufeff" + '{"order": [1, 0, 2]}'})
    case("eval-schedule-result-doc", ev, 0, "makespan 16", {"p.json": j2, "s.json": RESULT_DOC})
    case("eval-schedule-huge-literal", ev, 2, "not valid JSON",
         {"p.json": j2, "s.json": '{"order": [1' + "0" * 5000 + "]}"})
    solve("file-bom-problem", "\ufeff" + json.dumps(j2), "johnson", 0, "makespan 16")
    solve("file-latin1-dnn", json.dumps(dnn).replace('"c"', '"caf\xe9"').encode("latin-1"), "fifo", 2, "not UTF-8")
    solve("file-utf16", json.dumps(j2).encode("utf-16"), "johnson", 2, "not UTF-8")
    solve("file-result-as-problem", RESULT_DOC, "johnson", 2, "holds a result document (method 'johnson'")
    case("eval-result-as-problem", ["evaluate", "{p.json}", "--order", "0"], 2, "it holds a result document",
         {"p.json": RESULT_DOC})
    solve("j2-name-number-of-jobs", mutate(j2, ("name",), "set", "number of jobs, number of machines"), "johnson", 0,
          "makespan 16")
    solve("j2-job-number-of-jobs", mutate(j2, ("jobs", 0), "set", "number of jobs"), "johnson", 0, "makespan 16")
    solve("taillard-no-header", "3 2 0 0 0\nprocessing times :\n1 3 5\n2 4 6\n", "neh", 2,
          "neither JSON nor Taillard text")
    solve("taillard-rows-only", "1 3 5\n2 4 6\n", "neh", 2, "a Taillard file starts with the header")
    solve("taillard-header-late", "\n\n" + taillard(3, 2, ["1 3 5", "2 4 6"]), "bruteforce", 0, "makespan 15")
    solve("taillard-bom", "\ufeff" + taillard(3, 2, ["1 3 5", "2 4 6"]), "bruteforce", 0, "makespan 15")
    solve("taillard-latin1", taillard(3, 2, ["1 3 5", "2 4 6"]).replace("times", "t\xe9mps").encode("latin-1"), "neh",
          2, "not UTF-8")
    solve("taillard-free-text", "hello\n", "neh", 2, "not valid JSON")

    # duplicate names, both named
    solve("joint-duplicate-dnn", mutate(joint, ("dnns",), "set", [dnn_body(), mutate(dnn_body(), ("layers", 1, "flops"),
                                                                                      "set", 3e9)]),
          "lo", 2, "duplicate dnn name 'c': dnns 0 and 1 are both named 'c'")
    solve("joint-duplicate-layer", mutate(joint, ("dnns", 0, "layers", 2, "name"), "set", "l1"), "lo", 2,
          "duplicate layer name 'l1': layers 1 and 2")
    solve("dnn-duplicate-layer-both", mutate(dnn, ("layers", 1, "name"), "set", "in"), "fifo", 2,
          "layers 0 and 1 are both named 'in'")
    solve("j2-duplicate-job", mutate(j2, ("jobs", 2), "set", "J0"), "johnson", 2,
          "duplicate job name 'J0': jobs 0 and 2")
    solve("fm-duplicate-job", mutate(fm, ("jobs", 1), "set", "J0"), "neh", 2, "jobs 0 and 1 are both named 'J0'")
    solve("fm-duplicate-machine", mutate(fm, ("machines", 2), "set", "M1"), "neh", 2,
          "machines 0 and 2 are both named 'M1'")
    solve("dag-duplicate-job", mutate(mutate(dag, ("jobs",), "set", ["c", "c"]), ("nodes", 0, "job"), "set", 0),
          "fifo", 2, "jobs 0 and 1 are both named 'c'")
    solve("dag-duplicate-node-both", mutate(dag, ("nodes", 4, "name"), "set", "in"), "fifo", 2,
          "nodes 0 and 4 are both named 'in'")

    # method options: declared types and ranges
    joint_f, dag_f, j2_f = {"p.json": joint}, {"p.json": dag}, {"p.json": j2}
    for cid, method, option, files, fragment in [
        ("mji-max-ideals-abc", "mip-joint-ideals", "max_ideals=abc", joint_f,
         "max_ideals must be an integer in 1..1000000000"),
        ("mji-max-ideals-negative", "mip-joint-ideals", "max_ideals=-5", joint_f, "got -5"),
        ("mji-max-ideals-fraction", "mip-joint-ideals", "max_ideals=1.5", joint_f, "got 1.5"),
        ("mji-max-ideals-bool", "mip-joint-ideals", "max_ideals=true", joint_f, "got True"),
        ("mji-max-ideals-huge", "mip-joint-ideals", "max_ideals=1e400", joint_f, "max_ideals must be an integer"),
        ("mji-max-ideals-list", "mip-joint-ideals", "max_ideals=[5]", joint_f, "got [5]"),
        ("mji-max-ideals-null", "mip-joint-ideals", "max_ideals=null", joint_f, "max_ideals must be an integer"),
        ("jps-path-limit-gone", "jps", "path_limit=5", joint_f, "method 'jps' has no option 'path_limit'"),
        ("hps-path-limit-gone", "hps", "path_limit=abc", joint_f, "method 'hps' has no option 'path_limit'"),
        ("pj-path-limit-gone", "path-johnson", "path_limit=5", dag_f, "method 'path-johnson' has no option"),
        ("jps-rule-number", "jps", "rule=3", joint_f, "rule must be a string, got 3"),
        ("sidney-bounds-string", "sidney", "bounds=maybe", dag_f, "bounds must be True or False, got 'maybe'"),
        ("sidney-bounds-one", "sidney", "bounds=1", dag_f, "bounds must be True or False, got 1"),
        ("sidney-bounds-quoted", "sidney", 'bounds="False"', dag_f, "bounds must be True or False, got 'False'"),
        ("mji-bracket-x", "mip-joint-ideals", "bracket=x", joint_f, "bracket must be True or False, got 'x'"),
        ("mji-max-ideals-zero", "mip-joint-ideals", "max_ideals=0", joint_f, "max_ideals must be an integer"),
        ("mji-max-types-string", "mip-joint-ideals", "max_types=all", joint_f, "max_types must be an integer"),
        ("cpsat-workers-huge", "cpsat-flowshop", "workers=100000", j2_f, "workers must be an integer in 1..256"),
        ("cpsat-workers-two", "cpsat-flowshop", "workers=two", j2_f, "workers must be an integer in 1..256, got 'two'"),
        ("cpsat-workers-float", "cpsat-flowshop", "workers=2.0", j2_f, "got 2.0"),
        ("cpsat-seed-negative", "cpsat-flowshop", "seed=-1", j2_f, "seed must be an integer in 0..2147483647"),
        ("cpsat-seed-huge", "cpsat-flowshop", "seed=1099511627776", j2_f, "seed must be an integer in 0..2147483647"),
        ("cpsat-hint-yes", "cpsat-flowshop", "hint=yes", j2_f, "hint must be True or False, got 'yes'"),
        ("cpsat-log-one", "cpsat-flowshop", "log=1", j2_f, "log must be True or False, got 1"),
        ("cpsat-permutation-no", "cpsat-flowshop", "permutation=no", j2_f, "permutation must be True or False"),
        ("cpsat-joint-workers-huge", "cpsat-joint", "workers=100000", joint_f, "workers must be an integer in 1..256"),
        ("dagshop-lower-bound-negative", "cpsat-dagshop", "lower_bound=-3", dag_f, "lower_bound must be an integer"),
        ("dagshop-workers-257", "cpsat-dagshop", "workers=257", dag_f, "got 257"),
        ("mip-path-workers-zero", "mip-path", "workers=0", j2_f, "workers must be an integer in 1..256 or None, got 0"),
        ("mip-path-solver-number", "mip-path", "solver=5", j2_f, "solver must be a string, got 5"),
        ("mip-path-hint-string", "mip-path", "hint=sure", j2_f, "hint must be True or False"),
        ("ig-seed-negative", "ig", "seed=-1", j2_f, "seed must be an integer in 0..2147483647"),
        ("ig-temperature-nan", "ig", "temperature=NaN", j2_f, "temperature must be a finite number >= 0"),
        ("ig-temperature-inf", "ig", "temperature=Infinity", j2_f, "temperature must be a finite number"),
        ("ig-iterations-negative", "ig", "iterations=-1", j2_f, "iterations must be an integer in 0..1000000000"),
        ("ig-destruction-zero", "ig", "destruction=0", j2_f, "destruction must be an integer in 1..1000000"),
        ("neh-return-trace-string", "neh", "return_trace=yes", j2_f, "return_trace must be True or False"),
        ("bb-node-limit-zero", "bb-flowshop", "node_limit=0", j2_f, "node_limit must be an integer"),
        ("bb-seed-string", "bb-flowshop", "seed=abc", j2_f, "seed must be an integer"),
        ("bf-max-candidates-float", "bruteforce", "max_candidates=1000.0", j2_f, "max_candidates must be an integer"),
        ("bf-max-candidates-huge", "bruteforce", "max_candidates=1e400", j2_f, "max_candidates must be an integer"),
        ("dp-max-states-fraction", "dp-ideals", "max_states=1.5", dag_f, "max_states must be an integer"),
        ("mw-max-k-huge", "mw", "max_k=1000", joint_f, "max_k must be an integer in 1..32"),
        ("mw-tau-string", "mw", "tau=deep", joint_f, "tau must be an integer"),
        ("relaxation-abscissa-number", "relaxation", "abscissa=1", joint_f, "abscissa must be a string, got 1"),
    ]:
        case(f"opt-{cid}", ["solve", "{p.json}", "-m", method, "-o", option], 2, fragment, files)
    case("opt-sidney-bounds-False", ["solve", "{p.json}", "-m", "sidney", "-o", "bounds=False"], 0,
         "status optimal  makespan 11", dag_f)
    case("opt-sidney-bounds-True", ["solve", "{p.json}", "-m", "sidney", "-o", "bounds=True"], 0,
         "status optimal  makespan 11", dag_f)
    case("opt-neh-return-trace-True", ["solve", "{p.json}", "-m", "neh", "-o", "return_trace=True"], 0, "makespan 16",
         j2_f)
    case("opt-pj-plain-ok", ["solve", "{p.json}", "-m", "path-johnson"], 0, "makespan", dag_f)
    case("opt-cpsat-workers-none", ["solve", "{p.json}", "-m", "cpsat-flowshop", "-o", "workers=None"], 2,
         "workers must be an integer in 1..256, got None", j2_f)
    case("opt-dagshop-lower-bound-none", ["solve", "{p.json}", "-m", "cpsat-dagshop", "-o", "lower_bound=None"], 0,
         "status optimal  makespan 11", dag_f)
    case("opt-value-5000-digits", ["solve", "{p.json}", "-m", "bruteforce", "-o", "max_candidates=1" + "0" * 5000], 2,
         "value too long to be a number", j2_f)

    # the command line's own numbers
    case("claims-seed-negative", ["claims", "--seed", "-1", "--claim", "johnson-j2"], 2, "--seed must be an integer in")
    case("claims-seed-huge", ["claims", "--seed", str(2**32), "--claim", "johnson-j2"], 2, "--seed must be an integer")
    case("claims-budget-inf", ["claims", "--budget", "inf"], 2, "--budget must be positive and finite")
    case("claims-budget-minus-inf", ["claims", "--budget=-inf"], 2, "--budget must be positive")
    case("claims-budget-huge", ["claims", "--budget", "1e300"], 2, "at most 604800 s per claim")
    case("claims-budget-zero", ["claims", "--budget", "0"], 2, "--budget must be positive")
    tiny = {"tiny.toml": TINY_SUITE}
    bench = ["bench", "--suite", "{tiny.toml}", "--db", "{tmp}/r.sqlite", "--jobs", "0", "--quiet"]
    for cid, args, fragment in [
        ("scheduler-not-url", ["--scheduler", "not a url"], "--scheduler 'not a url' is not a scheduler address"),
        ("scheduler-no-port", ["--scheduler", "tcp://localhost"], "is not a scheduler address"),
        ("scheduler-port-zero", ["--scheduler", "tcp://localhost:0"], "port 1..65535"),
        ("scheduler-port-huge", ["--scheduler", "tcp://localhost:70000"], "port 1..65535"),
        ("scheduler-http", ["--scheduler", "http://localhost:8786"], "is not a scheduler address"),
        ("scheduler-space", ["--scheduler", "tcp://local host:8786"], "is not a scheduler address"),
        ("connect-timeout-negative", ["--connect-timeout", "-1"], "--connect-timeout must be a positive number"),
        ("connect-timeout-zero", ["--connect-timeout", "0"], "--connect-timeout must be a positive number"),
        ("connect-timeout-nan", ["--connect-timeout", "nan"], "--connect-timeout must be a positive number"),
        ("connect-timeout-inf", ["--connect-timeout", "inf", "--scheduler", "tcp://localhost:1"],
         "--connect-timeout must be a positive number"),
    ]:
        case(f"bench-{cid}", bench + args, 2, fragment, tiny)

    # suites
    def suite(cid: str, text: str | bytes, exit: int, fragment: str, *extra: str) -> None:
        case(f"bench-{cid}", bench + list(extra), exit, fragment, {"tiny.toml": text})

    for cid, name, fragment in [("name-empty", '""', "'name' must be 1 to 64 letters"),
                                ("name-escape", '"../../escaped"', "got '../../escaped'"),
                                ("name-slash", '"a/b"', "got 'a/b'"), ("name-hidden", '".hidden"', "got '.hidden'"),
                                ("name-absolute", '"/tmp/x"', "got '/tmp/x'"), ("name-space", '"my suite"', "got 'my"),
                                ("name-long", '"' + "x" * 65 + '"', "1 to 64 letters"),
                                ("name-newline", '"a\\nb"', "1 to 64 letters")]:
        suite(f"suite-{cid}", TINY_SUITE.replace('name = "tiny"', f"name = {name}"), 2, fragment)
    suite("suite-exclude-nosuch", TINY_SUITE.replace('["fifo", "johnson"]', '["*"]\nexclude = ["nosuch"]'), 2,
          "'exclude' names unknown method 'nosuch'")
    suite("suite-exclude-without-selector", TINY_SUITE + 'exclude = ["neh"]\n', 2,
          "'exclude' applies only to a selector")
    suite("suite-options-workers-two", TINY_SUITE.replace('"johnson"', '{method = "cpsat-flowshop", options = '
                                                                       '{workers = "two"}}'), 2,
          "workers must be an integer in 1..256, got 'two'")
    suite("suite-top-options-workers-two", "[options.cpsat-flowshop]\nworkers = \"two\"\n" + TINY_SUITE
          .replace("\nname = \"tiny\"\n", "\n"), 2, "[options]: method 'cpsat-flowshop': workers must be")
    suite("suite-top-options-unknown-method", "[options.nosuch]\nworkers = 1\n" + TINY_SUITE.replace(
        "\nname = \"tiny\"\n", "\n"), 2, "options for 'nosuch', which is neither a registered method")
    suite("suite-row-options-hint-yes", TINY_SUITE + '[row.options.cpsat-flowshop]\nhint = "yes"\n', 2,
          "hint must be True or False")
    suite("suite-row-options-unknown-option", TINY_SUITE + "[row.options.neh]\nspeed = 3\n", 2,
          "has no option 'speed'")
    suite("suite-selector-options-bad", TINY_SUITE.replace('["fifo", "johnson"]', '["heuristic:*"]') +
          "[row.options.ig]\nseed = -4\n", 2, "seed must be an integer in 0..2147483647")
    suite("suite-bom", "\ufeff" + TINY_SUITE, 0, "suite tiny: 4 runs")
    suite("suite-latin1", ("# caf\xe9\n" + TINY_SUITE).encode("latin-1"), 2, "not UTF-8 text")
    suite("suite-utf16", TINY_SUITE.encode("utf-16"), 2, "not UTF-8 text")
    suite("suite-too-large", "#" + "x" * (5 * 2**20) + "\n" + TINY_SUITE, 2, "above the ceiling of 4,194,304 bytes")
    suite("suite-deep-arrays", TINY_SUITE.replace("[3, 4]", _nested(3000, "3")), 2, "malformed TOML")
    case("bench-suite-directory", ["bench", "--suite", "{tmp}/", "--db", "{tmp}/r.sqlite"], 2, "it is a directory")
    case("bench-suite-name-with-dots", ["bench", "--suite", "..", "--db", "{tmp}/r.sqlite"], 2, "unknown suite '..'")
    case("bench-folder-does-not-shadow-shipped", ["bench", "--suite", "claims", "--dry-run"], 0, "suite claims:",
         setup=_shadow_folder, cwd=True)
    case("bench-folder-as-path", ["bench", "--suite", "./claims", "--dry-run"], 2, "it is a directory",
         setup=_shadow_folder, cwd=True)
    case("bench-suite-toml-missing", ["bench", "--suite", "quick.toml", "--dry-run"], 2,
         "suite file 'quick.toml' does not exist", cwd=True)

    # results databases: damaged, foreign, escaping
    report = ["report", "--db", "{tmp}/r.sqlite", "-o", "{tmp}/out/deep"]
    export = ["export", "--suite", "tiny", "--db", "{tmp}/r.sqlite", "-o", "{tmp}/x.csv"]
    for cid, statements, fragment in [
        ("version-word", ["UPDATE meta SET value = 'x' WHERE key = 'schema_version'"], "has schema version 'x'"),
        ("version-other", ["UPDATE meta SET value = '7' WHERE key = 'schema_version'"], "has schema version '7'"),
        ("version-missing", ["DELETE FROM meta"], "has no schema version"),
        ("version-blob", ["UPDATE meta SET value = x'00ff' WHERE key = 'schema_version'"], "has schema version"),
        ("spec-not-json", ["UPDATE suites SET spec = '{bad'"], "suites.spec of suite 'tiny' is"),
        ("spec-list", ["UPDATE suites SET spec = '[1, 2]'"], "suites.spec of suite 'tiny' is not a JSON object"),
        ("spec-deep", ["UPDATE suites SET spec = '" + _nested(DEEP) + "'"], "suites.spec of suite 'tiny' is"),
        ("units-not-json", ["UPDATE suites SET units = 'x'"], "suites.units of suite 'tiny' is"),
        ("units-object", ["UPDATE suites SET units = '{}'"], "suites.units of suite 'tiny' is not a list"),
        ("no-runs-table", ["DROP TABLE runs"], "not an offloadsched results database (no table 'runs'"),
        ("runs-column-missing", ["ALTER TABLE runs DROP COLUMN makespan"], "table 'runs' has no column 'makespan'"),
    ]:
        for cmd, argv in (("report", report), ("export", export), ("bench", bench)):
            if cmd == "bench" and cid.startswith(("spec", "units")):
                continue  # bench rewrites the suite's row
            if cmd == "export" and cid.startswith("spec"):  # export does not read the definition
                case(f"{cmd}-db-{cid}", argv, 0, "4 rows written", tiny, _sql(*statements))
                continue
            case(f"{cmd}-db-{cid}", argv, 2, fragment, tiny, _sql(*statements))
    case("report-db-spec-ok-after-bench", bench, 0, "suite tiny: 4 runs, 4 already stored", tiny,
         _sql("UPDATE suites SET spec = '{bad'"))
    for cmd, argv in (("report", ["report", "--db", "{tmp}/other.sqlite", "-o", "{tmp}/out"]),
                      ("export", ["export", "--suite", "tiny", "--db", "{tmp}/other.sqlite", "-o", "{tmp}/x.csv"]),
                      ("bench", ["bench", "--suite", "{tiny.toml}", "--db", "{tmp}/other.sqlite", "--jobs", "0"])):
        case(f"{cmd}-db-foreign", argv, 2, "not an offloadsched results database (no table 'meta'; it holds customers)",
             tiny, _foreign_db)
    case("report-db-empty-file", ["report", "--db", "{e.sqlite}", "-o", "{tmp}/out"], 2,
         "not an offloadsched results database", {"e.sqlite": ""})
    case("bench-db-empty-file-is-new", ["bench", "--suite", "{tiny.toml}", "--db", "{e.sqlite}", "--jobs", "0",
                                        "--quiet"], 0, "suite tiny: 4 runs", {**tiny, "e.sqlite": ""})
    case("report-db-fifo", ["report", "--db", "{tmp}/f.sqlite", "-o", "{tmp}/out"], 2, "no results database",
         setup=_mkfifo("f.sqlite"))
    case("bench-db-fifo", ["bench", "--suite", "{tiny.toml}", "--db", "{tmp}/f.sqlite", "--jobs", "0"], 2,
         "is not a regular file", tiny, _mkfifo("f.sqlite"))
    case("report-suite-escapes", report, 2, "would leave the output folder", tiny, _escaped_suite)
    case("report-suite-escapes-named", report + ["--suite", "../../escaped"], 2, "does not exist", tiny,
         _escaped_suite)
    case("export-suite-escapes-is-a-name", ["export", "--suite", "../../escaped", "--db", "{tmp}/r.sqlite", "-o",
                                            "{tmp}/x.csv"], 2, "suite file '../../escaped' does not exist", tiny,
         _escaped_suite)

    # measured-times CSV files
    prof = ["instances", "profile", "alexnet", "--device-times", "{t.csv}", "-o", "{tmp}/p.json"]
    for cid, text, fragment in [
        ("csv-1e300", "conv1,1e300\n", "must be below the ceiling 2**53 µs"),
        ("csv-1e13", "conv1,1e13\n", "must be below the ceiling"),
        ("csv-first-row-typo", "conv1,1O.5\nconv2,3\n", "line 1: time '1O.5' of layer 'conv1' is not a number (a "
                                                         "header row"),
        ("csv-header-then-bad", "layer,ms\nconv1,x\n", "line 2: time 'x' of layer 'conv1' is not a number"),
        ("csv-two-headers", "layer,ms\nname,time\n", "line 2: time 'time' of layer 'name' is not a number"),
        ("csv-nan", "conv1,nan\n", "must be >= 0 ms"),
        ("csv-latin1", "caf\xe9,1\n".encode("latin-1"), "not UTF-8"),
        ("csv-deep-garbage", _nested(DEEP) + "\n", "expected 'layer,ms', got 1 fields"),
    ]:
        case(f"zoo-profile-{cid}", prof, 2, fragment, {"t.csv": text})
    case("zoo-profile-csv-directory", ["instances", "profile", "alexnet", "--device-times", "{tmp}", "-o",
                                       "{tmp}/p.json"], 2, "it is a directory")
    return out


def cases() -> list[Case]:
    """Every case of the corpus."""
    out = _doc_cases() + _taillard_cases() + _option_cases() + _bench_cases() + _zoo_cases() + _hardening_cases()
    ids = [c.id for c in out]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return out


# -- running ---------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    kind: str  # "clean error", "correct result", "traceback", "wrong"
    code: int | None
    out: str
    err: str
    detail: str = ""


def _write(folder: Path, files: dict[str, Any]) -> None:
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(json.dumps(content), encoding="utf-8")


def run_case(case: Case, folder: Path) -> Outcome:
    """Run one case in ``folder`` through ``offloadsched.cli.main`` and classify what happened."""
    from offloadsched.cli import main

    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, case.files)
    if case.setup is not None:
        case.setup(folder)
    argv = []
    for a in case.argv:
        for name in case.files:
            a = a.replace("{" + name + "}", str(folder / name))
        argv.append(a.replace("{tmp}", str(folder)))
    out, err = io.StringIO(), io.StringIO()
    code: int | None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                (contextlib.chdir(folder) if case.cwd else contextlib.nullcontext()):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
    except Exception as exc:  # an exception escaped main: a traceback for the user
        return Outcome("traceback", None, out.getvalue(), err.getvalue(), f"{type(exc).__name__}: {exc}")
    o, e = out.getvalue(), err.getvalue()
    if "Traceback" in e:
        return Outcome("traceback", code, o, e, "traceback printed")
    if code != case.exit:
        return Outcome("wrong", code, o, e, f"exit {code}, expected {case.exit}")
    if case.exit == 2:
        lines = e.strip().splitlines()
        if len(lines) != 1 and not e.strip().startswith("usage:"):
            return Outcome("wrong", code, o, e, f"{len(lines)} lines on stderr")
        if case.fragment not in e:
            return Outcome("wrong", code, o, e, f"missing fragment {case.fragment!r}")
        return Outcome("clean error", code, o, e)
    if case.fragment not in o:
        return Outcome("wrong", code, o, e, f"missing fragment {case.fragment!r} in stdout")
    return Outcome("correct result", code, o, e)


def run_all(folder: Path | None = None) -> dict[str, list[tuple[Case, Outcome]]]:
    """Run every case (each in its own subfolder); outcomes grouped by kind."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    groups: dict[str, list[tuple[Case, Outcome]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = folder or Path(tmp)
        for k, case in enumerate(cases()):
            outcome = run_case(case, base / f"{k:03d}")
            groups.setdefault(outcome.kind, []).append((case, outcome))
    return groups


KINDS = ("clean error", "correct result", "traceback", "wrong")


def run_api() -> dict[str, list[tuple[str, str]]] | None:
    """The Python API cases of ``tests.bad_api_inputs`` (when that module exists): ``CASES`` run with its
    ``run_case`` (each outcome's ``kind`` one of :data:`KINDS`), grouped by kind as ``(name, detail)``."""
    import importlib

    try:
        module = importlib.import_module("tests.bad_api_inputs")
    except ImportError:
        return None
    groups: dict[str, list[tuple[str, str]]] = {}
    runner = getattr(module, "run_case", None)
    for case in getattr(module, "CASES", []):
        name = str(getattr(case, "name", getattr(case, "id", case)))
        try:
            outcome = runner(case) if runner is not None else case.call()
            kind = getattr(outcome, "kind", "correct result")
            detail = str(getattr(outcome, "detail", ""))
        except Exception as exc:  # noqa: BLE001 (any escape is a traceback)
            kind, detail = "traceback", f"{type(exc).__name__}: {exc}"
        groups.setdefault(kind if kind in KINDS else "wrong", []).append((name, detail))
    return groups


def _show(title: str, groups: dict[str, list[tuple[str, str]]]) -> int:
    """Print one part's counts and its failures; returns the number of tracebacks and wrong answers."""
    print(f"{title}: {sum(len(v) for v in groups.values())} cases")
    for kind in KINDS:
        print(f"  {kind:15s} {len(groups.get(kind, []))}")
    for kind in ("traceback", "wrong"):
        for name, detail in groups.get(kind, []):
            print(f"{kind}: {name}: {detail}")
    return sum(len(groups.get(k, [])) for k in ("traceback", "wrong"))


def main() -> int:
    """Run the corpus (and the API cases when present) and print the counts; exit 1 on a traceback or wrong."""
    cli = {kind: [(case.id, f"{o.detail}\n  stderr: {o.err.strip()[:300]}\n  stdout: {o.out.strip()[:300]}")
                  for case, o in items] for kind, items in run_all().items()}
    bad = _show("command line", cli)
    api = run_api()
    if api is not None:
        bad += _show("python api (tests.bad_api_inputs)", api)
        _show("all", {k: cli.get(k, []) + api.get(k, []) for k in KINDS})
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
