"""Atomic file writes: a temporary file beside the target, renamed into place on success.

Every file the package writes (problem and result documents, reports, databases' exports) goes
through :func:`atomic_write`, so a file is either complete or absent.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import ValidationError


@contextlib.contextmanager
def atomic_write(path, *, binary: bool = False) -> Iterator[Any]:
    """Open a temporary file beside ``path``; on success rename it to ``path``.

    A path that cannot be written (a directory, a path under a file, a read-only folder, a full
    disk) raises one :class:`ValidationError` naming it; nothing is left behind."""
    path = Path(path)
    if path.is_dir():
        raise ValidationError(f"{path}: cannot write: it is a directory")
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a written file gets the usual mode
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        reason = f"{blocker} is a file, not a folder" if blocker is not None else exc.strerror or str(exc)
        raise ValidationError(f"{path}: cannot write ({reason})") from None
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
