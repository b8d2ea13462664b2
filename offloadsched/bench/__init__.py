"""The benchmark runner: suites as data, a resumable results database, local or Dask executors.

* :mod:`~offloadsched.bench.suite` - TOML suite files, validated (:func:`load_suite`).
* :mod:`~offloadsched.bench.builders` - instance families (name -> deterministic builder).
* :mod:`~offloadsched.bench.runner` - planning, the worker function, executors, progress.
* :mod:`~offloadsched.bench.db` - the SQLite results database and CSV / Parquet export.
* :mod:`~offloadsched.bench.cli` - the ``bench``, ``report`` and ``export`` subcommands.
* :mod:`~offloadsched.bench.fl_experiment` - seed 003's fused-layer experiment (suite ``fl``: its
  task and report section).

References (docs/REFERENCES.md): [Seed003].
"""

from .builders import FAMILIES, Built, family, get_family
from .db import DEFAULT_DB, ResultsDB, export
from .runner import RunSummary, Unit, build_instance, plan, run_suite, run_unit
from .suite import Suite, load_suite, suite_names

__all__ = ["DEFAULT_DB", "ResultsDB", "export", "FAMILIES", "Built", "family", "get_family", "RunSummary",
           "Unit", "build_instance", "plan", "run_suite", "run_unit", "Suite", "load_suite", "suite_names"]
