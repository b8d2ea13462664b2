"""Reports of a suite from the results database: ``<out>/<suite>.md`` (figures in
``<out>/<suite>_files/``) and a self-contained ``<out>/<suite>.html``.

Sections: what ran; the gaps per heuristic (the main picture, first), then the gap table per group
and method against the proven optimum (marked "≤" where only a bound is known); exact methods'
outcomes; the papers' tables beside ours (suites with ``[[published]]`` tables); the suite's own
sections (``[report] sections = ["module:function"]``, each ``fn(db, suite) -> list of report
blocks``); the other figures; consistency checks; errors; claims (:mod:`~offloadsched.report.claims`);
every instance.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from ..bench.db import ResultsDB
from ..errors import ValidationError
from ..vocab import Status
from .claims import claims_section
from .gaps import bound_table, gap_table, method_order, prepare, references, with_gaps
from .papers import compare, published_tables
from .plots import bandwidth_figure, gantt_figures, gap_figure, jobs_figure, time_figure
from .render import Bullets, Document, Heading, Para, Table, fmt_list, fmt_num, fmt_pct, to_html, to_markdown

__all__ = ["build_document", "write_document", "write_report"]
MAX_LISTED = 40


def write_report(db: ResultsDB, suite: str, outdir: str | Path) -> list[Path]:
    """Write the Markdown and HTML reports of ``suite`` (atomically); returns their paths."""
    outdir = Path(outdir)
    for name in (f"{suite}.md", f"{suite}.html", f"{suite}_files/x.png"):
        confined(outdir, name)  # refused before the report is built
    try:  # an output folder that cannot be made fails now, not after the figures are drawn
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in (outdir, *outdir.parents) if p.exists() and not p.is_dir()), None)
        reason = f"{blocker} is a file, not a folder" if blocker is not None else exc.strerror or str(exc)
        raise ValidationError(f"{outdir}: cannot write ({reason})") from None
    return write_document(build_document(db, suite), suite, outdir)


def write_document(doc: Document, suite: str, outdir: str | Path) -> list[Path]:
    """Write ``<outdir>/<suite>.md`` with its figures in ``<suite>_files/``, and ``<suite>.html``."""
    from ..atomic import atomic_write

    outdir = Path(outdir)
    figdir = f"{suite}_files"
    for fig in doc.figures:
        with atomic_write(confined(outdir, f"{figdir}/{fig.name}.png"), binary=True) as fh:
            fh.write(fig.png)
    md, page = confined(outdir, f"{suite}.md"), confined(outdir, f"{suite}.html")
    with atomic_write(md) as fh:
        fh.write(to_markdown(doc, figdir))
    with atomic_write(page) as fh:
        fh.write(to_html(doc))
    return [md, page]


def confined(outdir: Path, name: str) -> Path:
    """``outdir / name``, refused unless it stays inside ``outdir`` (a suite or figure name from a results
    database may hold ``..``, a slash or an absolute path: never written outside the folder asked for)."""
    parts = Path(name).parts
    if (not name or Path(name).is_absolute() or any(part in ("..", ".", "") for part in parts)
            or "\\" in name or "\0" in name):
        raise ValidationError(f"report file name {name!r} would leave the output folder {str(outdir)!r}; "
                              "suite names are letters, digits, '.', '_' and '-'")
    path = outdir / name
    base = outdir.resolve()
    if not path.resolve().is_relative_to(base):  # a symbolic link inside the folder pointing out of it
        raise ValidationError(f"{path}: would be written outside the output folder {str(outdir)!r}")
    return path


def build_document(db: ResultsDB, suite: str) -> Document:
    """The report of ``suite`` as a :class:`~offloadsched.report.render.Document`."""
    raw = db.frame(suite)
    spec = db.suite_spec(suite) or {}
    df = prepare(raw)
    refs, conflicts = references(df)
    df = with_gaps(df, refs)
    doc = Document(f"offloadsched benchmark: suite {suite}")
    doc.add(*_overview(raw, df, refs, spec, db))
    if not df.empty:
        lead = gap_figure(df)  # the main picture leads the report: each heuristic's gaps, then the tables
        doc.add(Heading("Optimality gaps"), *([lead] if lead is not None else []), Para(
            "Gap = (makespan - optimum) / optimum against the best proven optimum (an exact method's "
            "`optimal` status, or a best makespan equal to the best lower bound). Where no optimum is "
            "proven the gap is an upper limit against the best bound, marked ≤. *optimal*: for exact methods "
            "the share of instances they proved optimal; for heuristics the share of instances with a proven "
            "optimum where they reach it. Makespans are the core evaluator's, never a solver's own value."))
        doc.add(_gap_table(gap_table(df, by=()), "All instances"))
        doc.add(_gap_table(gap_table(df), "Per group", group=True))
        doc.add(*_exact_outcomes(df, raw))
        doc.add(*_bounds(df))
    doc.add(*_published(spec, suite, df, refs))
    doc.add(*_sections(spec, db, suite))
    notes: list[str] = []
    figures = [f for f in (bandwidth_figure(df, refs), jobs_figure(df, refs), time_figure(df))
               if f is not None] if not df.empty else []
    figures += gantt_figures(df, refs, notes) if not df.empty else []
    if figures:
        doc.add(Heading("Figures"), *figures)
    doc.add(*_checks(df, raw, conflicts, notes))
    doc.add(Heading("Claims"), *claims_section(db))
    if not df.empty:
        doc.add(*_instances(df, refs))
    return doc


# -- sections ---------------------------------------------------------------------------------------
def _overview(raw: pd.DataFrame, df: pd.DataFrame, refs: pd.DataFrame, spec: dict, db: ResultsDB) -> list:
    status = raw["status"].value_counts()
    proven = int(refs["proven"].sum()) if len(refs) else 0
    items = [
        f"database `{db.path}`; {len(raw)} runs of {raw['method'].nunique()} methods on {len(refs)} instances "
        f"(instance x seed), {proven} with a proven optimum" if len(df) else
        f"database `{db.path}`; {len(raw)} task records ({raw['method'].nunique()} names), no method runs",
        "statuses: " + ", ".join(f"{k} {v}" for k, v in status.items()),
        f"total solve time {raw['wall_time'].fillna(0).sum():,.1f} s",
        "machines: " + fmt_list(sorted(raw["machine"].dropna().unique())),
        "solver versions: " + fmt_list(sorted(raw["solver_version"].dropna().unique()), 3),
        "git revisions: " + fmt_list(sorted(raw["git_rev"].dropna().unique())),
        f"runs finished {raw['finished_at'].min()} .. {raw['finished_at'].max()} (UTC)" if len(raw) else "no runs",
    ]
    out = [Para(spec.get("description", "")) if spec.get("description") else None, Bullets(items)]
    return [b for b in out if b is not None]


def _gap_table(table: pd.DataFrame, caption: str, group: bool = False) -> Table:
    rows = []
    for _, r in table.iterrows():
        share = r["share_optimal"]
        what = "solved" if r["kind"] == "exact" else "at optimum"
        rows.append(([r["group_name"]] if group else []) + [
            r["method"], r["kind"], str(r["instances"]), str(r["proven"]),
            fmt_pct(r["mean_gap"], r["upper"]), fmt_pct(r["max_gap"], r["upper"]),
            "-" if share != share else f"{100 * share:.0f} % {what}", fmt_num(r["mean_time"], 3),
            str(r["errors"]) if r["errors"] else ""])
    headers = (["group"] if group else []) + ["method", "kind", "instances", "optimum proven", "mean gap",
                                              "max gap", "optimal", "mean time (s)", "errors"]
    return Table(headers, rows, caption=f"**{caption}**")


def _exact_outcomes(df: pd.DataFrame, raw: pd.DataFrame) -> list:
    exact = df[df["kind"] == "exact"]
    if exact.empty:
        return []
    skipped = raw[raw["status"] == Status.SKIPPED]
    stops = [f"{m} in {g}: sizes {fmt_list(sorted({f'{v:g}' for v in s['size'].dropna()}, key=float))} not run "
             f"({len(s)} runs): {msg.removeprefix('not run: ')}"
             for (g, m, msg), s in skipped.groupby(["group_name", "method", "message"])]
    counts = exact.groupby("method")["status"].value_counts().unstack(fill_value=0)
    order = (Status.OPTIMAL, Status.FEASIBLE, Status.BOUND, Status.INFEASIBLE, Status.ERROR)
    statuses = [s for s in order if s in counts.columns]
    statuses += [s for s in counts.columns if s not in statuses]
    rows = []
    for m, r in counts.iterrows():
        g = exact[exact["method"] == m]
        tl = g["options_d"].map(lambda o: o.get("time_limit")).dropna()
        rows.append([m] + [str(int(r[s])) for s in statuses] + [
            fmt_num(g["wall_time"].median(), 3), fmt_num(g["wall_time"].max(), 3),
            f"{tl.max():g}" if len(tl) else "-"])
    return [Heading("Exact methods"), Para("A time limit is a result: `feasible` = stopped at the limit with a "
                                           "schedule and a bound; `bound` = a relaxation's lower bound only."),
            Table(["method", *statuses, "median time (s)", "max time (s)", "time limit (s)"], rows),
            *([Para("Not run, because a smaller size was proven optimal on no seed (`stop_after_unproven`):"),
               Bullets(stops)] if stops else [])]


def _bounds(df: pd.DataFrame) -> list:
    table = bound_table(df)
    if table.empty:
        return []
    rows = [[r["method"], "bound only" if r["bound_only"] else "exact", str(r["instances"]),
             fmt_pct(r["mean_gap"], r["upper"]), fmt_pct(r["max_gap"], r["upper"]), str(r["tight"]),
             fmt_num(r["mean_time"], 3)] for _, r in table.iterrows()]
    return [Heading("Lower bounds", 3), Para(
        "Bound gap = (optimum - bound) / optimum of each exact method's proven lower bound (at its time limit, "
        "or a relaxation's); ≤ where the optimum is not proven and the best makespan found stands in for it. "
        "*tight*: instances where the bound equals the optimum."),
        Table(["method", "kind", "instances", "mean bound gap", "max bound gap", "tight", "mean time (s)"], rows)]


def _published(spec: dict, suite: str, df: pd.DataFrame, refs: pd.DataFrame) -> list:
    tables = published_tables(spec, suite)
    if not tables:
        return []
    out: list = [Heading("The papers' tables beside ours")]
    for table in tables:
        out.append(Heading(f"{table.source}: {table.caption}", 3))
        out += compare(table, df, refs)
    return out


def _sections(spec: dict, db: ResultsDB, suite: str) -> list:
    """The blocks of the suite's ``[report] sections`` hooks; a hook that fails gives a note, not a crash."""
    from ..bench.suite import load_target

    out: list = []
    for hook in spec.get("report", {}).get("sections", []):
        try:
            out += list(load_target(hook)(db, suite))
        except Exception as exc:
            out += [Heading(f"Section {hook}"), Para(f"Not rendered: {type(exc).__name__}: {exc}")]
    return out


def _checks(df: pd.DataFrame, raw: pd.DataFrame, conflicts: list, notes: list[str]) -> list:
    """Conflicts and replay notes (suites with method runs), then the errors of every row (tasks' too)."""
    out: list = []
    items = [f"{c.key.replace('#', ', seed ')}: {c.text}" for c in conflicts] + notes
    if len(df) or items:
        out.append(Bullets(items[:MAX_LISTED] + ([f"... {len(items) - MAX_LISTED} more"] if len(items) > MAX_LISTED
                                                 else [])) if items else
                   Para("No conflicts: optimality claims agree, no schedule beats a proven optimum, no bound "
                        "exceeds it, and every re-evaluated schedule gives its stored makespan."))
    errors = raw[raw["status"] == Status.ERROR].copy()
    if len(errors):
        errors["what"] = errors["message"].fillna("").str.replace(r"\d+", "N", regex=True).str.slice(0, 90)
        rows = []
        for (method, _), g in errors.groupby(["method", "what"], sort=True):
            first = g.iloc[0]
            rows.append([method, str(len(g)), first["instance"] + (f", seed {first['seed']}" if first["seed"] else ""),
                         str(first["message"] or "")[:240]])
        out += [Heading("Errors", 3), Table(["method", "runs", "for example", "message"], rows[:MAX_LISTED],
                                           align="lrll", caption=f"{len(errors)} runs ended with status error, "
                                                                 "grouped by method and message")]
    return [Heading("Consistency checks"), *out] if out else []


def _instances(df: pd.DataFrame, refs: pd.DataFrame) -> list:
    methods = method_order(df)
    rows = []
    for key, ref in refs.iterrows():
        g = df[df["key"] == key].set_index("method")
        val = functools.partial(_time, joint=ref["problem_type"] == "joint")
        cells = [ref["group_name"], ref["instance"], str(ref["seed"]),
                 val(ref["optimum"]) if ref["proven"] else f"[{val(ref['bound'])}, {val(ref['best'])}]",
                 val(ref["lower"])]
        for m in methods:
            if m not in g.index:
                cells.append("")
                continue
            r = g.loc[m]
            r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
            mark = {Status.OPTIMAL: "*", Status.FEASIBLE: " (tl)", Status.ERROR: "err"}.get(r["status"], "")
            cells.append("err" if r["status"] == Status.ERROR else
                         (val(r["bound"]) + " (bound)" if r["status"] == Status.BOUND else val(r["makespan"]) + mark))
        rows.append(cells)
    return [Heading("Instances"), Para(
        "Makespans per instance (zoo instances in ms, random ones in their integer units). Optimum: proven "
        "optimum, else [best bound, best makespan]. Lower bound: the core's machine-load bound (fixed partitions) "
        "or a relaxation's. `*` proved optimal by that method, `(tl)` stopped at its time limit."),
        Table(["group", "instance", "seed", "optimum", "lower bound", *methods], rows)]


def _time(x: float, joint: bool) -> str:
    """A makespan: ms for zoo (joint) instances, integer units otherwise."""
    if x != x:
        return "-"
    return f"{x / 1e3:,.3f}" if joint else f"{x:,.0f}"
