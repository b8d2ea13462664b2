"""Every registered method declares exactly the keyword options its function takes.

``Method.options`` is what ``offloadsched methods``, the suites and the docs show; ``solve()`` checks
a call's options against the function's signature.  The two must name the same keywords.
"""

from __future__ import annotations

import inspect

import pytest

import offloadsched

METHODS = offloadsched.methods()


def test_every_method_is_checked():
    assert len(METHODS) >= 30


@pytest.mark.parametrize("method", METHODS, ids=[m.name for m in METHODS])
def test_options_match_the_functions_keywords(method):
    if (reason := offloadsched.registry.unavailable(method.name)) is not None:
        pytest.skip(reason)
    params = inspect.signature(method.load()).parameters
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()), "no **kwargs: name the options"
    positional = [n for n, p in params.items() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    assert len(positional) == 1, f"one positional parameter, the problem; got {positional}"
    keywords = {n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert "time_limit" in keywords
    assert keywords - {"time_limit"} == set(method.options)
    assert len(method.options) == len(set(method.options))
