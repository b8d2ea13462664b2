"""The ``offloadsched`` command line.

User mistakes (a bad file, an unknown method, a bad argument) print one line on stderr and
exit with status 2; no traceback.  Every command has ``--help``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence

from . import __version__
from .errors import ValidationError

#: Modules that add subcommands: each has ``register(subparsers)``.
COMMAND_MODULES = ("offloadsched.commands", "offloadsched.instances.cli", "offloadsched.bench.cli",
                   "offloadsched.claims.cli")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


#: Python's spellings of the JSON constants, read as them in ``-o key=value``.
_PYTHON_CONSTANTS = {"True": True, "False": False, "None": None}


def parse_option(text: str) -> tuple[str, object]:
    """``key=value`` with the value read as JSON when it parses (numbers, true/false, lists; Python's
    True / False / None too), else kept as a string; the method's declared option type then checks it."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValidationError(f"option {text!r} is not of the form key=value")
    if value in _PYTHON_CONSTANTS:
        return key.replace("-", "_"), _PYTHON_CONSTANTS[value]
    try:
        return key.replace("-", "_"), json.loads(value)
    except (json.JSONDecodeError, RecursionError):
        return key.replace("-", "_"), value
    except ValueError:  # an integer literal of thousands of digits
        raise ValidationError(f"option {key!r}: value too long to be a number") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="offloadsched", description="Optimal and heuristic schedules for DNN "
                     "inference offloading pipelines, with optimality gaps.")
    parser.add_argument("--version", action="version", version=f"offloadsched {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import numpy as np

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        # an overflow in a derived time is reported by the checks that follow it, not as a warning
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return int(args.func(args) or 0)
    except ValidationError as exc:
        sys.stderr.write(f"offloadsched {args.command}: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("offloadsched: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file the command could not read or write: one line, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"offloadsched {args.command}: error: {where}{exc.strerror or exc}\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
