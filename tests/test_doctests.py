"""The public API's docstring examples run as doctests (numpydoc ``Examples`` sections)."""

import doctest
import importlib

import pytest

MODULES = ["offloadsched.solve", "offloadsched.problems", "offloadsched.evaluate", "offloadsched.check",
           "offloadsched.registry"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no doctest"
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"
