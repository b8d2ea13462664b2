"""The named claims of MODEL.md section 4, and the DAG heuristics compared with Sidney-Monma.

Every claim runs its methods through :func:`offloadsched.solve` only; the exact reference is the
first registered method of a list that proves optimality (``bruteforce`` while the instance is
small enough, then the exact models).  A method that refuses an instance (a ``ValidationError``)
puts it outside the claim's scope; a proven optimum that another exact method contradicts on a
counterexample is reported in ``confirmations``.

References (docs/REFERENCES.md): [Seed001], [Seed002], [Johnson1954], [Sidney1979], [Monma1979].
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from ..errors import SolverError, ValidationError
from ..evaluate import evaluate
from ..io import to_dict
from ..partition import Partition
from ..problems import J2Problem, JointProblem, Problem
from ..registry import get_method
from ..schedule import Schedule
from ..solve import Result, solve
from .engine import Check, Claim, G, NotApplicable, SearchSpace
from .engine import available as registered
from .spaces import ChainSpace, FlowSpace, SPSpace, TreeSpace, chain_fg
from .spaces.chain import Chain
from .spaces.flow import Flow

#: Exact references, in the order tried.
EXACT_FLOW = ("bruteforce", "cpsat-flowshop", "mip-path")
EXACT_DAG = ("bruteforce", "dp-ideals", "cpsat-dagshop")
EXACT_DAG_FAST = ("dp-ideals", "bruteforce", "cpsat-dagshop")  # dp-ideals is 4x faster on tiny trees
EXACT_JOINT = ("mip-joint-chain", "mip-joint-ideals", "cpsat-joint")
#: Seconds an exact model may take on one instance (the families keep instances tiny).
EXACT_TIME_LIMIT = 20.0


#: Brute force gives way to the exact models above this many candidate schedules: flow orders are
#: scored by a scalar loop (7! = 5040 pass), DAG schedules by the evaluator (about 50 µs each).
BRUTEFORCE_CANDIDATES = {"j2": 10_000, "fm": 10_000, "dag": 500}


def _options(method: str, problem: Problem) -> dict[str, Any]:
    """One worker for the solvers that take the option (two cores are shared); brute force capped."""
    if method == "bruteforce":
        return {"max_candidates": BRUTEFORCE_CANDIDATES.get(problem.type, 10_000)}
    return {"workers": 1} if "workers" in get_method(method).options else {}


def run_method(problem: Problem, method: str, **options) -> Result:
    """``solve(problem, method)``; a refusal (``ValidationError``) means the instance is out of scope."""
    try:
        return solve(problem, method, **options)
    except ValidationError as exc:
        raise NotApplicable(f"{method}: {exc}") from None


def optimum(problem: Problem, candidates: Sequence[str]) -> Result:
    """The first proven optimum among the registered ``candidates`` (a method refusing the instance,
    bruteforce a large one, passes to the next); :class:`NotApplicable` when none proves one."""
    known = registered()
    tried = []
    for method in candidates:
        if method not in known:
            continue
        tried.append(method)
        try:
            result = solve(problem, method, time_limit=EXACT_TIME_LIMIT, **_options(method, problem))
        except ValidationError:  # too large for brute force, or outside the model's scope
            continue
        if result.status == "optimal":
            return result
        if result.status == "error":
            raise RuntimeError(f"{method}: {result.info.get('inconsistency', 'status error')}")
    raise NotApplicable(f"no optimum proven by {', '.join(tried) or 'any registered method'}")


def makespan_of(result: Result) -> int:
    """The makespan of ``result``; a method that returned none fails the check (an error, not a verdict)."""
    if result.makespan is None:
        raise SolverError(f"{result.method}: no makespan (status {result.status})")
    return result.makespan


def order_of(result: Result) -> list[int]:
    """The job order of ``result``'s schedule (a method that returned none fails the check)."""
    if result.schedule is None:
        raise SolverError(f"{result.method}: no schedule (status {result.status})")
    return result.schedule.order.tolist()


def side(result: Result, label: str, *, problem: Problem | None = None, **extra) -> dict[str, Any]:
    """A sidecar entry: what to redraw one side's schedule with."""
    out = {"label": label, "method": result.method, "makespan": result.makespan,
           "schedule": result.schedule.to_dict() if result.schedule is not None else None, **extra}
    if problem is not None:
        out["problem"] = to_dict(problem)
    return out


def confirm_with(candidates: Sequence[str]) -> Callable[[Check], dict[str, Any]]:
    """Re-solve a counterexample with every registered method of ``candidates`` (the checker on):
    status, makespan, bound, and for a proven optimum whether it agrees with the claim's."""
    def confirm(check: Check) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for method in candidates:
            if method not in registered():
                continue
            try:
                r = solve(check.problem, method, time_limit=EXACT_TIME_LIMIT, **_options(method, check.problem))
            except Exception as exc:  # a refusal (size, scope) or a failure: recorded, not fatal
                out[method] = {"status": "refused" if isinstance(exc, ValidationError) else "failed",
                               "reason": f"{type(exc).__name__}: {exc}"}
                continue
            out[method] = {"status": r.status, "makespan": r.makespan, "bound": r.bound}
            if r.status == "optimal":
                out[method]["agrees"] = r.makespan == check.optimal
        return out
    return confirm


# -- checks -------------------------------------------------------------------------------------
def heuristic_vs_exact(family: SearchSpace[G], heuristic: str, reference: str | Sequence[str],
                       bound: Fraction | Callable[[G], Fraction] = Fraction(1),
                       cache: dict | None = None) -> Callable[[G], Check]:
    """The check ``heuristic <= bound * optimum`` on ``family``.  ``reference``: a list of exact
    methods (the first proven optimum, see :func:`optimum`) or one method name whose result is
    taken as the optimum (``sidney`` in the comparisons).  ``cache`` keeps the reference's
    results (the comparisons on one family share it)."""
    def check(genome: G) -> Check:
        problem = family.build(genome)
        h = run_method(problem, heuristic)
        key = (family, genome)
        ref = cache.get(key) if cache is not None else None
        if ref is None:
            o = run_method(problem, reference) if isinstance(reference, str) else optimum(problem, reference)
            ref = side(o, f"optimum ({o.method})")
            if cache is not None:
                if len(cache) > 100_000:
                    cache.clear()
                cache[key] = ref
        b = bound(genome) if callable(bound) else bound
        return Check(makespan_of(h), ref["makespan"], b, problem=problem,
                     sides={"heuristic": side(h, heuristic), "optimal": ref})
    return check


def closed_form(a: Sequence[int], b: Sequence[int]) -> int:
    """Seed 001 Prop. 1: ``f(x1) + max(sum f(x2..n), sum g(x1..n-1)) + g(xn)`` for jobs in order."""
    return a[0] + max(sum(a[1:]), sum(b[:-1])) + b[-1]


def prop1_check(family: FlowSpace) -> Callable[[Flow], Check]:
    """The closed form of the Johnson order against the evaluator's makespan of that order."""
    def check(genome: Flow) -> Check:
        problem = family.build(genome)
        r = run_method(problem, "johnson")
        jobs = order_of(r)
        value = closed_form([int(problem.a[j]) for j in jobs], [int(problem.b[j]) for j in jobs])
        return Check(value, makespan_of(r), exact=True, problem=problem,
                     sides={"heuristic": side(r, "closed form of seed 001 Prop. 1", value=value),
                            "optimal": side(r, "evaluator (Johnson order)")})
    return check


def _chain_dag_side(joint, cuts: Sequence[int], order: Sequence[int], label: str, method: str) -> tuple[int, dict]:
    """Problem D of identical chains cut at ``cuts``, jobs in ``order``: makespan and sidecar entry."""
    parts = [Partition.chain_cut(dnn, int(c)) for dnn, c in zip(joint.jobs, cuts)]
    dag = joint.dag(parts)
    offsets = list(itertools.accumulate([0] + [len(d) for d in joint.jobs]))
    local = [offsets[k] + i for k in order for i in range(int(cuts[k]) + 1)]
    timing = evaluate(dag, Schedule({"local": local}))
    return timing.makespan, {"label": label, "method": method, "makespan": timing.makespan,
                             "schedule": timing.schedule.to_dict(), "partitions": [int(c) for c in cuts],
                             "problem": to_dict(dag)}


def chain_optimum(genome: Chain, joint: JointProblem) -> tuple[int, list[int], list[int]]:
    """Exact joint optimum of ``n`` identical chains: every multiset of cuts, each scheduled by
    Johnson's rule (optimal for J2; ``bruteforce`` when ``johnson`` is not registered)."""
    n = genome[0]
    f, g = chain_fg(genome)
    j2 = "johnson" if "johnson" in registered() else "bruteforce"
    best: tuple[int, list[int], list[int]] | None = None
    for cuts in itertools.combinations_with_replacement(range(len(f)), n):
        r = run_method(J2Problem([f[c] for c in cuts], [g[c] for c in cuts]), j2)
        ms = makespan_of(r)
        if best is None or ms < best[0]:
            best = (ms, list(cuts), order_of(r))
    if best is None:
        raise SolverError(f"no cut multiset of {n} jobs on {len(f)} cuts")
    return best


def uniform_check(family: ChainSpace) -> Callable[[Chain], Check]:
    """The rounded uniform partition (``relaxation``'s schedule: every job cut at the layer next
    to ``x*`` whose uniform makespan is smaller) against the joint optimum, bound ``1 + 1/n``."""
    def check(genome: Chain) -> Check:
        joint = family.build(genome)
        n = genome[0]
        u = run_method(joint, "relaxation")
        opt, cuts, order = chain_optimum(genome, joint)
        ms, opt_side = _chain_dag_side(joint, cuts, order, "joint optimum (cut multisets x Johnson)",
                                       "bruteforce-cuts")
        if ms != opt:
            raise RuntimeError(f"optimal cuts {cuts}: J2 makespan {opt} but problem D gives {ms}")
        heur = side(u, f"uniform cut at layer {u.info.get('cut')} (relaxation's rounding of x*)",
                    problem=u.problem, partitions=[int(u.info.get("cut", -1))] * n)
        return Check(makespan_of(u), opt, Fraction(n + 1, n), problem=joint,
                     sides={"heuristic": heur, "optimal": opt_side}, info={"x_star": u.info.get("x_star")})
    return check


def types_check(family: ChainSpace, k: int = 2) -> Callable[[Chain], Check]:
    """The best joint schedule using at most ``k`` distinct partitions (``mip-joint-ideals`` with
    ``max_types=k``, proven) against the joint optimum (every multiset of cuts with Johnson's rule)."""
    def check(genome: Chain) -> Check:
        joint = family.build(genome)
        r = run_method(joint, "mip-joint-ideals", max_types=k)
        if r.status != "optimal":
            raise NotApplicable(f"mip-joint-ideals (max_types={k}) proved nothing: {r.status}")
        opt, cuts, order = chain_optimum(genome, joint)
        ms, opt_side = _chain_dag_side(joint, cuts, order, "joint optimum (cut multisets x Johnson)",
                                       "bruteforce-cuts")
        if r.partitions is None:
            raise SolverError(f"mip-joint-ideals: no partitions (status {r.status})")
        used = sorted({int(p.local.sum()) - 1 for p in r.partitions})
        heur = side(r, f"best with at most {k} partition types (cuts {used})", problem=r.problem,
                    partitions=[int(p.local.sum()) - 1 for p in r.partitions])
        return Check(makespan_of(r), ms, problem=joint, sides={"heuristic": heur, "optimal": opt_side},
                     info={"optimal_cuts": sorted(set(cuts)), "types_used": len(set(cuts))})
    return check


def relaxation_check(family: ChainSpace) -> Callable[[Chain], Check]:
    """Seed 001 Thm. 1 on one instance: the uniform point's value against the relaxation's LP
    optimum (per job), on both abscissae; the worse of the two."""
    def check(genome: Chain) -> Check:
        joint = family.build(genome)
        checks = []
        for abscissa in ("compute", "layer"):
            r = run_method(joint, "relaxation", abscissa=abscissa)
            val, opt = float(r.info["uniform_value"]), float(r.info["per_job_optimum"])
            s = side(r, f"uniform cut at x* = {r.info['x_star']:.6g} ({abscissa} abscissa)", problem=r.problem,
                     value=val)
            checks.append(Check(val, opt, problem=joint, tolerance=1e-7 * max(1.0, abs(opt)),
                                sides={"heuristic": s, "optimal": dict(s, label="LP optimum", value=opt)},
                                info={"abscissa": abscissa, "solver_x": r.info.get("solver_x")}))
        return max(checks, key=lambda c: c.score)
    return check


# -- the catalog ----------------------------------------------------------------------------------
def _dominated(genome) -> bool:
    """Seed 002 Thm. 4's condition: ``max(min p1, min p3) >= max p2``."""
    return max(min(r[0] for r in genome), min(r[2] for r in genome)) >= max(r[1] for r in genome)


def _dominate(genome):
    """Clamp ``p2`` to ``max(min p1, min p3)`` (keeps mutated instances in scope)."""
    cap = max(min(r[0] for r in genome), min(r[2] for r in genome))
    return tuple((r[0], min(r[1], cap), r[2]) for r in genome)


def _one_chain(genome) -> bool:
    """The jobs are cuts of one chain: sorted by ``f``, ``g`` is non-increasing."""
    g = [r[1] for r in sorted(genome, key=lambda r: (r[0], -r[1]))]
    return all(x >= y for x, y in zip(g, g[1:]))


def _as_one_chain(genome):
    """Pair the ``f`` values increasing with the ``g`` values decreasing."""
    return tuple(zip(sorted(r[0] for r in genome), sorted((r[1] for r in genome), reverse=True)))


def _intersection_at_layer(genome) -> bool:
    """f(l) = g(l) at some layer l: the f = g intersection is a layer (004 Thm. 3 then holds exactly)."""
    f, g = chain_fg(genome)
    return any(x == y for x, y in zip(f, g))


F3: dict[str, Any] = dict(machines=3, max_jobs=6, max_value=30)
DAG_COMPARE_SAMPLES = 10_000


def build_catalog() -> dict[str, Claim]:
    """Every named claim and comparison, by name."""
    johnson_fam = FlowSpace(description="two-stage jobs", max_jobs=7, stages=((3, 3), (4, 3), (5, 2)))
    dominated = FlowSpace(description="F3 jobs with max(min p1, min p3) >= max p2", valid=_dominated,
                           repair=_dominate, stages=((3, 3), (4, 2)), few_types=(6, 3), **F3)
    f3 = FlowSpace(description="F3 jobs", stages=((2, 3), (3, 2), (4, 1)), few_types=(5, 3), **F3)
    leaf_trees = TreeSpace(leaf_cuts=True, root_compute=False, stages=((5, 2), (6, 1)),
                            description="out-trees, only leaves upload (seed 001 Alg. 5's setting)")
    sp = SPSpace(max_nodes=8)
    convex_chains = ChainSpace(convex=True, stages=((4, 3), (6, 2)))
    at_layer = ChainSpace(convex=True, valid=_intersection_at_layer, stages=((4, 3), (6, 2)),
                           description="n identical chains, f linear, g non-increasing convex, f(l) = g(l) at a layer")
    any_chains = ChainSpace(convex=False, description="n identical chains, any local and upload profile",
                             stages=((2, 3), (3, 2)))
    j2_any = FlowSpace(description="two-stage jobs", max_jobs=7, stages=((3, 3), (4, 3)))
    j2_chain = FlowSpace(description="two-stage jobs cut from one chain (f increasing, g non-increasing)",
                          valid=_one_chain, repair=_as_one_chain, max_jobs=8, stages=((4, 3), (5, 3)))
    claims = [
        Claim("johnson-j2", "Johnson 1954", "Johnson's rule is optimal for J2 (F2||Cmax)", johnson_fam,
              heuristic_vs_exact(johnson_fam, "johnson", EXACT_FLOW), requires=(("johnson",), ("bruteforce",)),
              confirm=confirm_with(EXACT_FLOW)),
        Claim("eja-optimal-dominated", "002 Thm. 4",
              "EJA (Johnson's rule on (p1 + p2, p2 + p3)) is optimal for F3 when max(min p1, min p3) >= max p2",
              dominated, heuristic_vs_exact(dominated, "eja", EXACT_FLOW), requires=(("eja",), ("bruteforce",)),
              confirm=confirm_with(EXACT_FLOW)),
        Claim("eja-ratio-5-3", "002 Sec. IV-B, 004 (citing [36])", "EJA's makespan is at most 5/3 of the optimum on F3",
              f3, heuristic_vs_exact(f3, "eja", EXACT_FLOW, Fraction(5, 3)), bound="5/3",
              requires=(("eja",), ("bruteforce",)), confirm=confirm_with(EXACT_FLOW),
              notes="002 credits 'this approach' (Johnson's rule on p1 + p2, p2 + p3) with the ratio; EJA as "
                    "registered: group H when p1 <= p3, ties in job index order."),
        Claim("tree-merge-optimal", "001 Thm. 4, 000 Thm. 1, 004 Thm. 6",
              "the recursive tree merge (001 Alg. 5) is optimal when the local graph is a tree (problem D, "
              "remote negligible)", leaf_trees, heuristic_vs_exact(leaf_trees, "tree-merge", EXACT_DAG_FAST),
              requires=(("tree-merge",), ("bruteforce",)), confirm=confirm_with(EXACT_DAG + ("sidney",)),
              notes="only leaves upload (internal nodes g = 0, the assumption of 001's proof); the enumeration "
                    "fixes the root's time to 0: every schedule starts with the root, which shifts both "
                    "makespans equally."),
        Claim("sidney-monma-exact", "Sidney 1979, Monma 1979 (MODEL.md section 2)",
              "Sidney-Monma's composite-job algorithm is optimal for problem D (remote negligible) with a "
              "series-parallel local graph", sp, heuristic_vs_exact(sp, "sidney", EXACT_DAG),
              requires=(("sidney",), ("bruteforce",)), confirm=confirm_with(EXACT_DAG),
              notes="optimum: bruteforce (up to 500 linear extensions), then dp-ideals, then cpsat-dagshop."),
        Claim("uniform-relaxation-optimal", "001 Thm. 1",
              "in the continuous relaxation P2 of n identical chains (convex f, g), cutting every job at the "
              "f = g intersection x* is optimal", any_chains, relaxation_check(any_chains),
              requires=(("relaxation",),), labels=("uniform value at x* (per job)", "LP optimum (per job)"),
              notes="f and g are the relaxation method's lower convex envelopes of the discrete profile "
                    "(abscissae 'compute' and 'layer' both checked), so any profile is in scope."),
        Claim("uniform-1-plus-1-over-n", "004 Thm. 3",
              "a uniform partition of n identical chain DNNs at the f = g intersection is within 1 + 1/n of "
              "the optimal joint makespan (f linear increasing, g non-increasing convex)", convex_chains,
              uniform_check(convex_chains), bound="1 + 1/n",
              requires=(("relaxation",), ("johnson", "bruteforce")),
              labels=("rounded uniform partition", "joint optimum"), confirm=confirm_with(EXACT_JOINT + ("jps",)),
              notes="the uniform cut is the relaxation method's rounding of x* (the better uniform cut of the "
                    "two layers around it); the optimum enumerates every multiset of cuts with Johnson's rule."),
        Claim("uniform-1-plus-1-over-n-at-layer", "004 Thm. 3 (special case)",
              "as uniform-1-plus-1-over-n, when f(l) = g(l) at some layer l", at_layer, uniform_check(at_layer),
              bound="1 + 1/n", requires=(("relaxation",), ("johnson", "bruteforce")),
              labels=("rounded uniform partition", "joint optimum"), confirm=confirm_with(EXACT_JOINT + ("jps",))),
        Claim("two-partition-types", "001 Alg. 2, Thm. 1 (relaxation)",
              "for n identical jobs, an optimal joint schedule needs at most two distinct partitions (JPS mixes "
              "two cuts)", any_chains, types_check(any_chains, 2),
              requires=(("mip-joint-ideals",), ("johnson", "bruteforce")),
              labels=("best with at most two partitions", "joint optimum"),
              confirm=confirm_with(EXACT_JOINT + ("mip-joint-ideals",)),
              notes="001 Thm. 1 is about the continuous relaxation; here the integer problem.  The two-type "
                    "side is mip-joint-ideals with max_types=2 (proven); the optimum enumerates every multiset "
                    "of cuts with Johnson's rule."),
        Claim("prop1-closed-form", "001 Prop. 1",
              "under Johnson's order the J2 makespan is f(x1) + max(sum f(x2..n), sum g(x1..n-1)) + g(xn)",
              j2_any, prop1_check(j2_any), requires=(("johnson",),),
              labels=("closed form", "evaluator makespan"),
              notes="the makespan of an order is the maximum over k of a(1..k) + b(k..n); the closed form keeps "
                    "only k = 1 and k = n."),
        Claim("prop1-closed-form-chain", "001 Prop. 1 (its setting)",
              "as prop1-closed-form, for jobs cut from one chain (f increasing, g non-increasing in the cut)",
              j2_chain, prop1_check(j2_chain), requires=(("johnson",),),
              labels=("closed form", "evaluator makespan"),
              notes="cuts of one chain in Johnson order have a increasing and b non-increasing, so a(k+1) - b(k) "
                    "increases with k and the maximum over k is at k = 1 or k = n: the closed form is then exact."),
    ]
    claims += comparisons()
    return {c.name: c for c in claims}


def comparisons() -> list[Claim]:
    """``tree-merge``, ``topo-johnson`` and ``path-johnson`` against ``sidney`` (exact by the
    sidney-monma-exact claim) on random out-trees and series-parallel graphs; the instances of
    one family are shared (same random stream, ``sidney`` computed once)."""
    trees = TreeSpace(leaf_cuts=True, max_nodes=14, max_value=30, stages=((5, 2),), root_compute=False,
                       description="out-trees, only leaves upload")
    sps = SPSpace(max_nodes=12, max_value=30, stages=((3, 2), (4, 1)))
    cache: dict = {}
    out = []
    for heuristic in ("tree-merge", "topo-johnson", "path-johnson"):
        for tag, fam in (("trees", trees), ("sp", sps)):
            if heuristic == "tree-merge" and tag == "sp":
                continue
            out.append(Claim(f"{heuristic}-vs-sidney-{tag}", "MODEL.md section 2 (Sidney-Monma issue)",
                             f"{heuristic} is never worse than sidney on {fam.description}", fam,
                             heuristic_vs_exact(fam, heuristic, "sidney", cache=cache), kind="comparison",
                             requires=((heuristic,), ("sidney",)), labels=(heuristic, "sidney"),
                             notes="sidney's makespan is taken as the optimum (sidney-monma-exact); the random "
                                   "instances of one family are shared by its comparisons.",
                             confirm=confirm_with(EXACT_DAG), stream=f"compare-{tag}",
                             min_samples=DAG_COMPARE_SAMPLES))
    return out


CATALOG: dict[str, Claim] = build_catalog()
