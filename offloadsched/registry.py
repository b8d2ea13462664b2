"""The method registry behind :func:`offloadsched.solve`.

``heuristics`` and ``formulations`` add their methods by name with :func:`register`.  A method
is a function ``fn(problem, *, time_limit, **options) -> SolverOutput``; it may be given as an
import path (``"offloadsched.formulations.cpsat_flowshop:solve"``) so that registering a method does not
import its solver.  The core imports those packages only when a method is looked up, through
the ``offloadsched.methods`` entry points (or by name when the package is not installed).

References (docs/REFERENCES.md): [Johnson1954].
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from .errors import ValidationError
from .problems import FmProblem, JointProblem, Problem
from .schedule import Schedule
from .units import is_integer, is_real
from .vocab import PROBLEM_TYPES, ProblemType, Status

PLUGIN_PACKAGES = ("offloadsched.heuristics", "offloadsched.formulations")


@dataclass
class SolverOutput:
    """What a method hands back to :func:`offloadsched.solve`.

    ``schedule`` is scored by the core evaluator; ``objective`` is the solver's own value, kept
    only to be checked against the evaluator.  Joint methods also return the ``problem`` they
    scheduled (problem D of their chosen ``partitions``).
    """

    schedule: Schedule | None
    status: Status | str = Status.HEURISTIC
    bound: float | None = None
    objective: float | None = None
    problem: Any = None
    partitions: Sequence | None = None
    log: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    overlap: bool = True  # False: score without any overlap (evaluate(..., overlap=False))


@dataclass(frozen=True)
class Option:
    """The declared type and range of a method option: ``type`` is ``int``, ``float``, ``bool``, ``str``
    or ``any`` (the method checks it); ``minimum`` / ``maximum`` bound numbers, ``choices`` strings;
    ``none``: None is allowed (the method's default)."""

    type: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    none: bool = False

    def check(self, name: str, value: Any, method: str) -> Any:
        """``value`` as the method receives it (numpy scalars as Python numbers), or a
        :class:`ValidationError` naming the method, the option, the expected type and range, and the value."""
        if value is None and (self.none or self.type == "any"):
            return value
        ok, out = True, value
        if self.type == "bool":
            ok = isinstance(value, (bool, _np_bool()))
            out = bool(value) if ok else value
        elif self.type == "int":
            ok = is_integer(value)
            out = int(value) if ok else value
        elif self.type == "float":
            ok = is_real(value)
            out = float(value) if ok else value
            ok = ok and math.isfinite(out)
        elif self.type == "str":
            ok = isinstance(value, str) and (not self.choices or value in self.choices)
        if ok and self.type in ("int", "float"):
            ok = (self.minimum is None or out >= self.minimum) and (self.maximum is None or out <= self.maximum)
        if not ok:
            raise ValidationError(f"method {method!r}: {name} must be {self.describe()}, got {value!r}")
        return out

    def describe(self) -> str:
        """``an integer >= 1``, ``True or False``, ... (the words of the error messages)."""
        if self.type == "bool":
            text = "True or False"
        elif self.type == "str":
            text = f"one of {', '.join(map(repr, self.choices))}" if self.choices else "a string"
        else:
            text = "an integer" if self.type == "int" else "a finite number"
            low, high = self.minimum, self.maximum
            text += (f" in {_num(low)}..{_num(high)}" if low is not None and high is not None else
                     f" >= {_num(low)}" if low is not None else f" <= {_num(high)}" if high is not None else "")
        return text + (" or None" if self.none else "")


def _num(x: float | None) -> str:
    return str(int(x)) if x is not None and float(x).is_integer() else str(x)


def _np_bool() -> type:
    import numpy as np

    return np.bool_


#: The declared type and range of every option name the registered methods use (keyword names are shared
#: across methods, docs/CONTRIBUTING.md); a method declares its own with ``register(options={name: Option})``.
OPTION_TYPES: dict[str, Option] = {
    "workers": Option("int", 1, 256),
    "seed": Option("int", 0, 2**31 - 1),
    "hint": Option("bool"), "log": Option("bool"), "permutation": Option("bool"), "return_trace": Option("bool"),
    "bounds": Option("bool"), "bracket": Option("bool"),
    "max_candidates": Option("int", 1, 10**12), "max_states": Option("int", 1, 10**9),
    "max_ideals": Option("int", 1, 10**9), "max_types": Option("int", 1, 10**6),
    "node_limit": Option("int", 1, 10**12), "mode": Option("int", 1, 2), "lb2_pairs": Option("int", 0, 10**6),
    "iterations": Option("int", 0, 10**9),
    "destruction": Option("int", 1, 10**6), "temperature": Option("float", 0, None),
    "tau": Option("int", 1, 10**4), "max_k": Option("int", 1, 32), "tiles": Option("any"),
    "rule": Option("str"), "solver": Option("str"), "abscissa": Option("str"),
    "lower_bound": Option("int", 0, 2**53 - 1), "hint_schedule": Option("any"),
}


@dataclass(frozen=True)
class Method:
    """A registered method: name, target, the problem types it accepts, kind and summary."""

    name: str
    target: Callable[..., SolverOutput] | str
    problems: tuple[ProblemType, ...]
    kind: str
    summary: str
    options: tuple[str, ...] = ()
    applies: Callable[[Any], str | None] | str | None = None
    option_types: tuple[tuple[str, Option], ...] = ()

    def option(self, name: str) -> Option:
        """The declared type of option ``name``: the method's own; else :data:`OPTION_TYPES`'s, taking None
        when the function's default or annotation does; ``any`` when neither declares it (the method checks it)."""
        own = dict(self.option_types).get(name)
        if own is not None:
            return own
        shared = OPTION_TYPES.get(name)
        if shared is None:
            return Option("any")
        param = inspect.signature(self.load()).parameters.get(name)
        takes_none = param is not None and (param.default is None or "None" in str(param.annotation))
        return dataclasses.replace(shared, none=takes_none)

    def check_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """``options`` checked against their declared types and ranges (numpy scalars made Python
        numbers); a :class:`ValidationError` names the first bad one."""
        return {k: self.option(k).check(k, v, self.name) for k, v in options.items()}

    def not_applicable(self, problem: Problem) -> str | None:
        """Why the method cannot take ``problem`` (None when it can): the problem type first,
        then the method's own cheap ``applies`` check (e.g. Johnson's rule needs two machines)."""
        ptype = getattr(problem, "type", None)
        if ptype not in self.problems:
            return f"it takes {', '.join(self.problems)} problems, not {ptype}"
        if self.applies is None:
            return None
        return (_load(self.applies) if isinstance(self.applies, str) else self.applies)(problem)

    def load(self) -> Callable[..., SolverOutput]:
        if callable(self.target):
            return self.target
        return _load(self.target)


def _load(path: str) -> Callable:
    """The function at an import path ``"package.module:function"``."""
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


_REGISTRY: dict[str, Method] = {}
_loaded = False


def register(name: str, target: Callable[..., SolverOutput] | str, *, problems: Sequence[ProblemType],
             kind: str = "heuristic", summary: str = "", options: Sequence[str] | Mapping[str, Option] = (),
             applies: Callable[[Any], str | None] | str | None = None) -> None:
    """Register a method under ``name`` (the one way to add a method).

    ``target`` is the method's import path ``"package.module:function"`` (imported on first use,
    so registering does not import a solver); a test may pass a function object instead.
    ``kind`` is ``heuristic`` or ``exact``; ``problems`` lists the accepted types among
    ``j2``, ``fm``, ``dag``, ``joint``; ``options`` documents the keyword options; ``applies``
    is an optional cheap check ``applies(problem) -> reason or None`` for problems of an
    accepted type that the method still cannot take (``solve`` refuses them with the reason,
    and benchmark selectors such as ``heuristic:*`` skip them).  Registering a name again
    replaces the method.

    Parameters
    ----------
    name : str
        The method's name for :func:`offloadsched.solve`.
    target : "module:function" str or callable
        The method ``fn(problem, *, time_limit, **options) -> SolverOutput``.
    problems : sequence of str
        Accepted problem types.
    kind, summary, options, applies
        As above; ``options`` must match the function's keyword-only parameters.

    Raises
    ------
    ValueError
        An unknown problem type or kind, or a target that is neither a callable nor a
        ``"module:function"`` path.

    Examples
    --------
    >>> from offloadsched import J2Problem, solve
    >>> from offloadsched.registry import get_method, register
    >>> register("doc-fifo", "offloadsched.builtin:fifo", problems=("j2",),
    ...          summary="jobs in index order (the core's fifo under another name)")
    >>> get_method("doc-fifo").target  # a path: imported when the method first runs
    'offloadsched.builtin:fifo'
    >>> solve(J2Problem([3, 1, 4], [2, 5, 1]), "doc-fifo").makespan
    11
    >>> from offloadsched.registry import _REGISTRY
    >>> _REGISTRY.pop("doc-fifo").kind  # leave the registry as it was
    'heuristic'
    """
    bad = set(problems) - set(PROBLEM_TYPES)
    if bad:
        raise ValueError(f"register({name!r}): unknown problem types {sorted(bad)}")
    if kind not in ("heuristic", "exact"):
        raise ValueError(f"register({name!r}): kind must be 'heuristic' or 'exact'")
    if not (callable(target) or (isinstance(target, str) and ":" in target)):
        raise ValueError(f"register({name!r}): target must be a 'module:function' path or a callable, "
                         f"not {target!r}")
    types = tuple((k, v) for k, v in options.items()) if isinstance(options, Mapping) else ()
    if any(not isinstance(v, Option) for _, v in types):
        raise ValueError(f"register({name!r}): options must map names to Option(...)")
    _REGISTRY[name] = Method(name, target, tuple(problems), kind,
                             summary or (_first_line(target) if callable(target) else ""), tuple(options), applies,
                             types)


def _first_line(fn) -> str:
    doc = getattr(fn, "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def machines(m: int) -> Callable[[Any], str | None]:
    """An ``applies`` check: flow problems with exactly ``m`` machines."""
    def check(problem: FmProblem) -> str | None:
        return None if problem.m == m else f"it needs {m} machines, the problem has {problem.m}"
    return check


def one_dnn_job(problem: JointProblem) -> str | None:
    """An ``applies`` check: a joint problem of one DNN job."""
    return None if len(problem.jobs) == 1 else f"it takes one DNN job, the problem has {len(problem.jobs)}"


def negligible_remote(problem: JointProblem) -> str | None:
    """An ``applies`` check: the ``negligible`` remote model."""
    return None if problem.remote_model == "negligible" else \
        f"it needs the negligible remote model, the problem's is {problem.remote_model}"


def no_release(problem) -> str | None:
    """An ``applies`` check: a problem without release times (every ``r_j = 0``)."""
    if not getattr(problem, "has_release", False):
        return None
    return ("it does not support release times (r_j > 0); use bruteforce (tiny problems), an exact method "
            "that supports them (cpsat-flowshop, cpsat-dagshop, cpsat-joint) or a release-aware heuristic")


def all_of(*checks: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    """An ``applies`` check passing when every one of ``checks`` does (the first reason otherwise)."""
    def check(problem) -> str | None:
        for c in checks:
            reason = c(problem)
            if reason is not None:
                return reason
        return None
    return check


def load_plugins() -> None:
    """Import the packages that register methods (once)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    found = {ep.value for ep in entry_points(group="offloadsched.methods")}
    for pkg in sorted(found | set(PLUGIN_PACKAGES)):
        try:
            importlib.import_module(pkg)
        except ModuleNotFoundError as exc:
            if exc.name != pkg:
                raise


def get_method(name: str) -> Method:
    """The registered method ``name``; a :class:`ValidationError` lists the known names otherwise."""
    load_plugins()
    if name not in _REGISTRY:
        raise ValidationError(f"unknown method {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def unavailable(name: str) -> str | None:
    """Why method ``name`` cannot run here (not registered, or its module does not import), or None."""
    try:
        get_method(name).load()
    except ValidationError:
        return f"{name} is not registered"
    except (ImportError, AttributeError) as exc:
        return f"{name} cannot be imported: {exc}"
    return None


def methods(problem_type: ProblemType | None = None, kind: str | None = None) -> list[Method]:
    """Registered methods, optionally only those accepting ``problem_type`` or of ``kind``."""
    load_plugins()
    return [m for _, m in sorted(_REGISTRY.items())
            if (problem_type is None or problem_type in m.problems) and (kind is None or m.kind == kind)]
