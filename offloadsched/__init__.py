"""offloadsched: optimal and heuristic schedules for DNN inference offloading pipelines.

The model is data (:mod:`offloadsched.problems`), the solver is a function
(:func:`solve`), the one evaluator (:func:`evaluate`) scores every schedule.
"""

from . import builtin as _builtin  # noqa: F401  (registers fifo and bruteforce)
from .bounds import bound_parts, lower_bound
from .check import check, violations
from .dnn import DNN, Layer, chain
from .errors import OffloadSchedError, ScheduleError, SizeLimitError, SolverError, ValidationError
from .evaluate import evaluate, makespan
from .io import load, save
from .online import simulate
from .partition import Partition
from .platform import NETWORKS, Network, Platform, get_network
from .problems import (
    DagProblem,
    FmProblem,
    J2Problem,
    JointProblem,
    build_dag,
    build_fm,
    build_j2,
    identical_jobs,
)
from .registry import Method, SolverOutput, get_method, methods, register
from .schedule import Schedule, Timing
from .solve import Result, solve

__version__ = "0.1.0"

__all__ = [
    "DNN", "Layer", "chain", "Partition", "Platform", "Network", "NETWORKS", "get_network",
    "J2Problem", "FmProblem", "DagProblem", "JointProblem", "build_j2", "build_fm", "build_dag",
    "identical_jobs", "Schedule", "Timing", "evaluate", "makespan", "check", "violations",
    "lower_bound", "bound_parts", "solve", "Result", "SolverOutput", "register", "get_method",
    "methods", "Method", "simulate", "load", "save", "OffloadSchedError", "ValidationError", "SizeLimitError",
    "ScheduleError", "SolverError", "__version__",
]
