"""The hostile API corpus (:mod:`tests.bad_api_inputs`): every call ends in a ValidationError naming the offending
argument or entry, or in a correct result; never another exception, never a wrong answer."""

from __future__ import annotations

import pytest

from .bad_api_inputs import CASES, run_case


def test_corpus_size():
    assert len(CASES) >= 100
    assert len({c.name for c in CASES}) == len(CASES), "duplicate case names"
    assert sum(c.error is None for c in CASES) >= 20 and sum(c.error is not None for c in CASES) >= 70


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_api_case(case):
    outcome = run_case(case)
    assert outcome.kind in ("clean error", "correct result"), f"{outcome.kind}: {outcome.detail}"
