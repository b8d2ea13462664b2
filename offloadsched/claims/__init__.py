"""The claims engine: the papers' claims (MODEL.md section 4) checked with exact solvers.

Each named claim is searched for counterexamples by exhaustive enumeration of small instances,
random sampling and an adversarial local search, with optima from exact methods through
:func:`offloadsched.solve`; a counterexample is minimised and stored as a problem file with the
claim's and the optimal schedule in a JSON sidecar.  :mod:`offloadsched.claims.bench` runs the
claims as the benchmark suite ``claims`` and turns results into the reports' claim records.

>>> from offloadsched.claims import run_claims, load_claims, plot_counterexample
>>> results = run_claims(["johnson-j2"], budget=5, seed=0, out_dir=None)  # doctest: +SKIP
"""

from .api import (
    DATA_DIR,
    claim_names,
    copy_to_package_data,
    load_claims,
    load_counterexample,
    plot_counterexample,
    records_date,
    run_claims,
    side_timing,
)
from .engine import Check, Claim, ClaimResult, NotApplicable, minimise, run_claim

__all__ = ["Check", "Claim", "ClaimResult", "DATA_DIR", "NotApplicable", "claim_names", "copy_to_package_data",
           "load_claims", "load_counterexample", "minimise", "plot_counterexample", "records_date", "run_claim",
           "run_claims", "side_timing"]
