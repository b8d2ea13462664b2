"""The claims engine: search for counterexamples to a named claim, minimise them, record them.

A :class:`Claim` pairs a :class:`SearchSpace` of instances (how to enumerate, sample, mutate and shrink
small instances, given as hashable *genomes*) with a test ``check(genome) -> Check`` that runs
the claim's method and an exact reference through :func:`offloadsched.solve` and compares the
two makespans.  :func:`run_claim` searches in three phases within a time budget:

1. exhaustive enumeration of the family's small instances (smallest first),
2. random sampling,
3. an adversarial local search (simulated annealing maximising ``ratio / bound``, with the
   family's mutations: times +-1, jobs or leaves added and removed),

then minimises the smallest counterexample greedily (remove jobs / layers, decrease values,
while it stays a counterexample) and returns a :class:`ClaimResult`.  Everything is drawn from
``numpy.random.default_rng((seed, crc32(name)))``, so a run is a function of the seed and of
how far the time budget reaches (``max_evals`` bounds it by counts instead).
"""

from __future__ import annotations

import functools
import math
import time
import zlib
from collections.abc import Callable, Hashable, Iterator
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any, Protocol, TypeVar

import numpy as np

from ..errors import OffloadSchedError
from ..jsonable import jsonable
from ..registry import methods, unavailable

Genome = Hashable
#: The genome type of one search space (a tuple of job rows, a nested expression, ...).
G = TypeVar("G", bound=Hashable)

#: Phase shares of the budget: enumeration, then sampling, then annealing (the rest).
ENUM_SHARE = 0.4
SAMPLE_SHARE = 0.2
#: Extra time for minimising a counterexample, as a share of the budget (at least 2 s).
MINIMISE_SHARE = 0.25
#: Scores are capped here (a positive makespan against an optimum of 0 is infinitely bad).
SCORE_CAP = 1e6


class SearchSpace(Protocol[G]):
    """Small instances of one kind, as hashable genomes of type ``G`` (the space itself is hashable:
    :func:`_space` caches per space)."""

    @property
    def description(self) -> str:
        """What the space holds, in words."""

    def __hash__(self) -> int: ...

    def build(self, genome: G) -> Any:
        """The problem object of ``genome`` (what :func:`offloadsched.io.save` writes)."""

    def enumerate(self) -> Iterator[G]:
        """Every small instance of the family, smallest first (finite)."""

    def enumeration_space(self) -> dict[str, Any]:
        """What :meth:`enumerate` covers: a description and the number of genomes it yields."""

    def sample(self, rng: np.random.Generator) -> G:
        """A random instance."""

    def mutate(self, genome: G, rng: np.random.Generator) -> G | None:
        """A random neighbour (None when the drawn move does not apply)."""

    def shrink(self, genome: G) -> Iterator[G]:
        """Smaller neighbours, most aggressive first: fewer items, then smaller values."""

    def size(self, genome: G) -> tuple:
        """Sort key of instance size: (items, ..., sum of values)."""


@dataclass
class Check:
    """A claim tested on one instance.

    The claim says ``heuristic <= bound * optimal`` (or ``heuristic == optimal`` when ``exact``).
    ``heuristic`` is the claim's side (a heuristic's makespan, a closed form), ``optimal`` the
    reference (a proven optimum, the evaluator).  Integers compare exactly; floats (a relaxation's
    values) within ``tolerance``.  ``sides`` holds, per side (``heuristic``, ``optimal``), the
    schedule and what is needed to redraw it (``problem`` as a document when the side scheduled
    another problem than :attr:`problem`, ``partitions``, ``method``, ``label``).
    """

    heuristic: int | float
    optimal: int | float
    bound: Fraction = Fraction(1)
    exact: bool = False
    problem: Any = None
    sides: dict[str, dict[str, Any]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    tolerance: float = 0.0

    @property
    def violated(self) -> bool:
        h, o = self.heuristic, self.optimal
        if self.exact:
            return abs(h - o) > self.tolerance
        if isinstance(h, int) and isinstance(o, int):
            return h * self.bound.denominator > self.bound.numerator * o
        return h > float(self.bound) * o + self.tolerance

    @property
    def ratio(self) -> float:
        """``heuristic / optimal`` (for ``exact`` claims the larger of it and its inverse)."""
        h, o = self.heuristic, self.optimal
        if h == o or abs(h - o) <= self.tolerance:
            return 1.0
        if self.exact:
            h, o = max(h, o), min(h, o)
        return h / o if o else math.inf

    @property
    def score(self) -> float:
        """``ratio / bound``: above 1 exactly when the claim is violated (what annealing maximises)."""
        return min(self.ratio / float(self.bound), SCORE_CAP)


class NotApplicable(OffloadSchedError):
    """The instance is outside the claim's scope (a method refuses it, no optimum was proven)."""


@dataclass(frozen=True)
class Claim:
    """A named claim of MODEL.md section 4 (or a comparison between two methods).

    ``requires`` lists groups of method names; each group needs one registered member.
    ``min_samples`` forces at least that many random instances whatever the budget.  ``confirm``
    re-checks the final counterexample with other exact methods; ``stream`` names the random
    stream (claims sharing one see the same instances; default: the name).
    """

    name: str
    source: str
    statement: str
    family: SearchSpace[Any]
    check: Callable[[Any], Check]
    requires: tuple[tuple[str, ...], ...] = ()
    bound: str = "1"
    kind: str = "claim"
    labels: tuple[str, str] = ("heuristic", "optimum")
    notes: str = ""
    min_samples: int = 0
    confirm: Callable[[Check], dict[str, Any]] | None = None
    stream: str = ""

    def missing(self) -> list[str]:
        """Method names (one per unmet group, joined by ``/``) that are not available."""
        known = available()
        return ["/".join(group) for group in self.requires if not any(m in known for m in group)]


_AVAILABLE: tuple[float, set[str]] = (-math.inf, set())


def available(max_age: float = 30.0) -> set[str]:
    """Names of the registered methods whose code imports (a method still being written may be
    registered by import path before its module exists); cached for ``max_age`` seconds."""
    global _AVAILABLE
    if time.monotonic() - _AVAILABLE[0] > max_age:
        _AVAILABLE = (time.monotonic(), {m.name for m in methods() if unavailable(m.name) is None})
    return _AVAILABLE[1]


@dataclass
class ClaimResult:
    """What a claim's search found (one record of ``claims.json``)."""

    name: str
    source: str
    statement: str
    kind: str
    verdict: str
    bound: str
    labels: list[str]
    tried: int = 0
    phases: dict[str, int] = field(default_factory=dict)
    enumeration: dict[str, Any] = field(default_factory=dict)
    violations: int = 0
    not_applicable: int = 0
    first_not_applicable: str | None = None
    errors: int = 0
    first_error: str | None = None
    worst_ratio: float | None = None
    worst: dict[str, Any] | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    counterexample: str | None = None
    sidecar: str | None = None
    genome: str | None = None
    size: list | None = None
    heuristic_makespan: int | float | None = None
    optimal_makespan: int | float | None = None
    ratio: float | None = None
    schedules: dict[str, Any] | None = None
    confirmations: dict[str, Any] = field(default_factory=dict)
    minimisation: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    budget_s: float = 0.0
    wall_time_s: float = 0.0
    notes: str = ""

    @property
    def holds(self) -> bool:
        return self.verdict.startswith("holds")

    @property
    def false(self) -> bool:
        return self.verdict == "false"

    def to_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClaimResult:
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in names})


# -- the search ------------------------------------------------------------------------------
@dataclass
class _Tally:
    """Everything the phases share: the evaluation cache and the running records."""

    claim: Claim
    cache: dict[Genome, float | None] = field(default_factory=dict)
    phases: dict[str, int] = field(default_factory=lambda: {"enumerated": 0, "sampled": 0, "annealed": 0})
    violations: int = 0
    not_applicable: int = 0
    first_not_applicable: str | None = None
    errors: int = 0
    first_error: str | None = None
    worst: tuple[float, Genome] | None = None
    smallest: Genome | None = None
    ratios: dict[str, list[float]] = field(default_factory=lambda: {"enumerated": [], "sampled": [], "annealed": []})
    violated: dict[str, int] = field(default_factory=lambda: {"enumerated": 0, "sampled": 0, "annealed": 0})

    def score(self, genome: Genome, phase: str) -> float | None:
        """The score of ``genome`` (None: not applicable or failed), evaluated once."""
        if genome in self.cache:
            return self.cache[genome]
        self.phases[phase] += 1
        check = self.evaluate(genome)
        if check is None:
            self.cache[genome] = None
            return None
        s = self.cache[genome] = check.score
        self.ratios[phase].append(check.ratio)
        if self.worst is None or s > self.worst[0]:
            self.worst = (s, genome)
        if check.violated:
            self.violations += 1
            self.violated[phase] += 1
            size = self.claim.family.size
            if self.smallest is None or (size(genome), repr(genome)) < (size(self.smallest), repr(self.smallest)):
                self.smallest = genome
        return s

    def evaluate(self, genome: Genome) -> Check | None:
        try:
            return self.claim.check(genome)
        except NotApplicable as exc:
            self.not_applicable += 1
            if self.first_not_applicable is None:
                self.first_not_applicable = f"{exc} (instance {genome!r})"
        except Exception as exc:  # a method's failure is a finding, not a crash of the engine
            self.errors += 1
            if self.first_error is None:
                self.first_error = f"{type(exc).__name__}: {exc} (instance {genome!r})"
        return None

    @property
    def tried(self) -> int:
        return sum(self.phases.values())


def run_claim(claim: Claim, *, budget: float = 10.0, seed: int = 0, max_evals: int | None = None) -> tuple[
        ClaimResult, Check | None, Check | None]:
    """Search ``claim`` for counterexamples within ``budget`` seconds.

    Returns the result record, the minimised counterexample's :class:`Check` (None when none
    was found) and the worst instance's :class:`Check`.  ``max_evals`` caps the evaluations of
    each phase (for reproducible short runs).
    """
    t0 = time.perf_counter()
    result = ClaimResult(name=claim.name, source=claim.source, statement=claim.statement, kind=claim.kind,
                         verdict="", bound=claim.bound, labels=list(claim.labels), seed=seed, budget_s=budget,
                         notes=claim.notes)
    missing = claim.missing()
    if missing:
        result.verdict = "skipped: " + "; ".join(f"method {m} not registered" for m in missing)
        return result, None, None
    rng = np.random.default_rng((seed, zlib.crc32((claim.stream or claim.name).encode())))
    tally = _Tally(claim)
    family = claim.family
    cap = max_evals if max_evals is not None else math.inf

    # 1. exhaustive enumeration, smallest first
    deadline = t0 + budget * ENUM_SHARE
    space = dict(_space(family))
    complete = True
    for k, genome in enumerate(family.enumerate()):
        if time.perf_counter() > deadline or k >= cap:
            complete = False
            break
        tally.score(genome, "enumerated")
    space.update(enumerated=tally.phases["enumerated"], complete=complete)
    result.enumeration = space

    # 2. random sampling (the rest of its share, or min_samples)
    remaining = t0 + budget - time.perf_counter()
    deadline = time.perf_counter() + max(0.0, remaining) * SAMPLE_SHARE / (1 - ENUM_SHARE)
    k = 0
    while k < cap and (time.perf_counter() < deadline or tally.phases["sampled"] < claim.min_samples):
        tally.score(family.sample(rng), "sampled")
        k += 1

    # 3. adversarial local search until the budget is spent
    _anneal(tally, rng, t0 + budget, cap)

    result.tried = tally.tried
    result.phases = dict(tally.phases)
    result.violations, result.not_applicable = tally.violations, tally.not_applicable
    result.first_not_applicable = tally.first_not_applicable
    result.errors, result.first_error = tally.errors, tally.first_error
    result.stats = {phase: _stats(tally.ratios[phase], tally.violated[phase]) for phase in tally.phases
                    if tally.ratios[phase]}
    worst_check = None
    if tally.worst is not None:
        worst_genome = tally.worst[1]
        worst_check = tally.evaluate(worst_genome)
        if worst_check is not None:
            result.worst_ratio = worst_check.ratio
            result.worst = {"size": list(family.size(worst_genome)), "heuristic": worst_check.heuristic,
                            "optimal": worst_check.optimal, "genome": repr(worst_genome)}
    cex = None
    if tally.smallest is not None:
        cex = _minimised(result, claim, tally, rng, deadline=time.perf_counter() + max(2.0, budget * MINIMISE_SHARE))
        result.verdict = "false"
    elif tally.tried == tally.not_applicable + tally.errors:
        result.verdict = (f"error: {tally.first_error}" if tally.errors else
                          "inconclusive: no instance in the claim's scope was decided")
    else:
        result.verdict = "holds on everything tried"
    result.wall_time_s = round(time.perf_counter() - t0, 3)
    return result, cex, worst_check


@functools.lru_cache(maxsize=64)
def _space(family: SearchSpace[Any]) -> dict[str, Any]:
    """``family.enumeration_space()``, once per family (counting may walk the whole enumeration)."""
    return family.enumeration_space()


def _minimised(result: ClaimResult, claim: Claim, tally: _Tally, rng: np.random.Generator, deadline: float
               ) -> Check | None:
    """Minimise the smallest counterexample found and record it (and its confirmations) in ``result``."""
    t1 = time.perf_counter()
    genome, steps = minimise(claim, tally.smallest, deadline=deadline, rng=rng)
    cex = tally.evaluate(genome)
    if cex is None or not cex.violated:  # a re-check disagreed (an exact model's time limit): keep the original
        genome, cex = tally.smallest, tally.evaluate(tally.smallest)
    family = claim.family
    result.minimisation = {"from_size": list(family.size(tally.smallest)), "steps": steps,
                           "wall_time_s": round(time.perf_counter() - t1, 3)}
    result.size, result.genome = list(family.size(genome)), repr(genome)
    if cex is not None:
        result.heuristic_makespan, result.optimal_makespan, result.ratio = cex.heuristic, cex.optimal, cex.ratio
        result.schedules = {side: {k: v for k, v in d.items() if k != "problem"} for side, d in cex.sides.items()}
        if claim.confirm is not None:
            result.confirmations = claim.confirm(cex)
    return cex


def _anneal(tally: _Tally, rng: np.random.Generator, deadline: float, cap: float) -> None:
    """Simulated annealing on ``score`` with restarts from the worst instance or a new sample."""
    family = tally.claim.family
    start = time.perf_counter()
    span = max(deadline - start, 1e-9)
    current = tally.worst[1] if tally.worst is not None else family.sample(rng)
    cur = tally.score(current, "annealed") or 0.0
    stale = 0
    k = 0
    while time.perf_counter() < deadline and k < cap:
        k += 1
        temperature = 0.05 * max(1e-3, 1 - (time.perf_counter() - start) / span)
        cand = family.mutate(current, rng)
        if cand is None:
            continue
        s = tally.score(cand, "annealed")
        if s is None:
            continue
        if s >= cur or rng.random() < math.exp((s - cur) / temperature):
            stale = 0 if s > cur else stale + 1
            current, cur = cand, s
        else:
            stale += 1
        if stale > 300:  # restart: half the time from the worst so far, half from a fresh sample
            current = tally.worst[1] if tally.worst is not None and rng.random() < 0.5 else family.sample(rng)
            cur = tally.score(current, "annealed") or 0.0
            stale = 0


def minimise(claim: Claim, genome: Genome, *, deadline: float = math.inf, rng: np.random.Generator | None = None,
             lateral: int = 400) -> tuple[Genome, int]:
    """Shrink a counterexample.

    Greedy: take the first of the family's smaller neighbours (fewer items first, then smaller
    values) that is still a counterexample, until none is.  Then, with ``rng``, up to ``lateral``
    random double mutations that keep a counterexample no larger than the current one (a
    sideways step out of a greedy dead end), each followed by the greedy descent again; stops at
    the first round without progress or at the deadline.  Returns the smallest genome and the
    number of accepted steps."""
    size = claim.family.size
    memo: dict[Genome, bool] = {}

    def bad(g: Genome) -> bool:
        if g not in memo:
            try:
                memo[g] = claim.check(g).violated
            except Exception:  # outside the claim's scope or a failing method: not a counterexample
                memo[g] = False
        return memo[g]

    def descend(g: Genome) -> tuple[Genome, int]:
        n, improved = 0, True
        while improved and time.perf_counter() < deadline:
            improved = False
            for cand in claim.family.shrink(g):
                if cand != g and cand not in memo and bad(cand):
                    g, n, improved = cand, n + 1, True
                    break
                if time.perf_counter() > deadline:
                    break
        return g, n

    best, steps = descend(genome)
    while rng is not None and time.perf_counter() < deadline:
        cur, progress = best, False
        for _ in range(lateral):
            if time.perf_counter() > deadline:
                break
            cand = claim.family.mutate(cur, rng)
            cand = claim.family.mutate(cand, rng) if cand is not None else None
            if cand is None or cand in memo or size(cand) > size(cur) or not bad(cand):
                continue
            cur, n = descend(cand)
            steps += n + 1
            if size(cur) < size(best):
                best, progress = cur, True
                break
        if not progress:
            break
    return best, steps


def _stats(ratios: list[float], violations: int) -> dict[str, Any]:
    """Counts and ratio statistics of one phase's decided instances."""
    r = np.array(ratios, dtype=float)
    finite = r[np.isfinite(r)]
    worse = r > 1 + 1e-12
    out: dict[str, Any] = {"instances": int(r.size), "violations": violations, "worse": int(worse.sum()),
                           "share_worse": float(worse.mean()), "max_ratio": float(r.max()),
                           "mean_ratio": float(finite.mean()) if finite.size else None}
    bad = finite[finite > 1 + 1e-12]
    if bad.size:
        out["mean_ratio_when_worse"] = float(bad.mean())
    return out
