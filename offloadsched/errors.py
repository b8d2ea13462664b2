"""Exceptions raised by offloadsched.

Every mistake in user input (a file, an argument, an API call) raises a
:class:`ValidationError`, a :class:`ValueError` subclass whose message names the
offending item.  The command line turns it into one line on stderr and exit
status 2.
"""

from __future__ import annotations


class OffloadSchedError(Exception):
    """Base class of every exception the package raises on purpose."""


class ValidationError(OffloadSchedError, ValueError):
    """Invalid user input: a graph, a time, a partition, a file, a name."""


class SizeLimitError(ValidationError):
    """An instance is larger than a method's documented limit."""


class ScheduleError(ValidationError):
    """A schedule does not fit its problem (unknown item, order violates precedence)."""


class SolverError(OffloadSchedError, RuntimeError):
    """A solver failed for a reason that is not the user's input."""
