"""``offloadsched claims``: check the papers' claims (MODEL.md section 4) with exact solvers."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..errors import ValidationError

#: The longest --budget (seconds per claim): a week.
MAX_BUDGET_S = 7 * 86400.0


def register(sub) -> None:
    p = sub.add_parser("claims", help="check the papers' claims with exact solvers",
                       description="Search each named claim for counterexamples (exhaustive small instances, "
                       "random sampling, adversarial local search), minimise what is found and write "
                       "claims.json with the counterexamples as problem files and schedule sidecars.")
    p.add_argument("--claim", action="append", metavar="NAME", help="a claim to check (repeatable; default: all; "
                   "see --list)")
    p.add_argument("--budget", type=float, default=20.0, help="seconds per claim (default 20)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("-o", "--out", type=Path, default=Path("results/claims"),
                   help="output folder (default results/claims)")
    p.add_argument("--samples", type=int, help="random instances per comparison, at least (default 10000)")
    p.add_argument("--max-evals", type=int, help="cap on the evaluations of each search phase")
    p.add_argument("--plot", action="store_true", help="also draw each counterexample as <claim>.png")
    p.add_argument("--package-data", action="store_true",
                   help="copy the run's records and instance files into the package data folder")
    p.add_argument("--list", action="store_true", help="list the claims and exit")
    p.set_defaults(func=_claims)


def _claims(args: argparse.Namespace) -> int:
    from .api import DATA_DIR, copy_to_package_data, run_claims, select

    if args.list:
        for claim in select(None):
            print(f"{claim.name:36s} {claim.kind:10s} {claim.source}: {claim.statement}")
        return 0
    if not (0 < args.budget <= MAX_BUDGET_S and math.isfinite(args.budget)):
        raise ValidationError(f"--budget must be positive and finite, at most {MAX_BUDGET_S:.0f} s per claim, "
                              f"got {args.budget}")
    if not 0 <= args.seed < 2**32:
        raise ValidationError(f"--seed must be an integer in 0..2^32-1, got {args.seed}")
    for name, value in (("--samples", args.samples), ("--max-evals", args.max_evals)):
        if value is not None and value < 0:
            raise ValidationError(f"{name} must be >= 0, got {value}")
    select(args.claim)  # unknown names fail before any work

    def show(r) -> None:
        worst = "-" if r.worst_ratio is None else f"{r.worst_ratio:.4g}"
        cex = f"  counterexample {r.counterexample} ({r.heuristic_makespan} vs {r.optimal_makespan})" \
            if r.counterexample else ""
        print(f"{r.name:36s} {r.verdict:28s} tried {r.tried:>7d}  worst {worst:>7s}{cex}", flush=True)
        if args.plot and r.counterexample:
            _plot(r, args.out)

    results = run_claims(args.claim, budget=args.budget, seed=args.seed, out_dir=args.out,
                         max_evals=args.max_evals, samples=args.samples, progress=show)
    print(f"wrote {args.out / 'claims.json'} ({len(results)} claims)")
    if args.package_data:
        copied = copy_to_package_data(args.out, DATA_DIR)
        print(f"copied {len(copied)} files to {DATA_DIR}")
    return 0


def _plot(result, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from ..atomic import atomic_write
    from .api import plot_counterexample

    fig = plot_counterexample(result.name, out)
    with atomic_write(out / f"{result.name}.png", binary=True) as fh:
        fig.savefig(fh, format="png", dpi=110)
    plt.close(fig)
