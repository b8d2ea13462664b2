"""The bad-input corpus (:mod:`tests.bad_inputs`) through the command line: every case ends in a one-line error
with exit status 2 naming the offending item, or in the correct result; never a traceback, never a wrong answer."""

from __future__ import annotations

from collections import Counter

import pytest

from .bad_inputs import cases, run_case

CASES = cases()


def test_corpus_covers_every_class():
    assert len(CASES) >= 150
    prefixes = Counter(c.id.split("-")[0] for c in CASES)
    for cls in ("j2", "fm", "dag", "dnn", "joint", "file", "taillard", "opt", "tl", "bf", "cpsat", "json", "plot",
                "eval", "bench", "report", "export", "zoo", "claims"):
        assert prefixes[cls] >= 1, cls
    assert sum(c.exit == 0 for c in CASES) >= 10 and sum(c.exit == 2 for c in CASES) >= 150


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case, tmp_path):
    outcome = run_case(case, tmp_path)
    assert outcome.kind in ("clean error", "correct result"), (
        f"{outcome.kind}: {outcome.detail}\nstderr: {outcome.err}\nstdout: {outcome.out}")
