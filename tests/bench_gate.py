"""A benchmark task for the fault tests that keeps ``bench`` busy by construction, not by timing.

:func:`gated_solve` solves a small J2 instance by brute force.  Each call first takes a numbered ticket
(a file created with ``O_EXCL`` in the results folder): the first ``free`` tickets return at once, every
later call waits until the test creates the file ``GATE`` there.  A run therefore commits exactly
``free`` units and then stays busy until the test kills it, however fast or loaded the machine is."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

GATE = "GATE"


def _ticket(folder: Path) -> int:
    for k in itertools.count():
        try:
            os.close(os.open(folder / f"ticket-{k}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            continue
        return k
    raise AssertionError("unreachable")


def gated_solve(n: int = 5, free: int = 3, seed: int = 0, results_dir: str = ".") -> list[dict]:
    """The brute-force optimum of a random J2 instance, after the gate (see the module doc)."""
    from offloadsched import solve
    from offloadsched.instances.generators import random_j2

    folder = Path(results_dir)
    if _ticket(folder) >= free:
        while not (folder / GATE).exists():
            time.sleep(0.01)
    res = solve(random_j2(n, seed=seed), "bruteforce")
    return [{"method": "bruteforce", "instance": f"j2 n={n} seed={seed}", "status": str(res.status),
             "makespan": res.makespan, "bound": res.bound}]
