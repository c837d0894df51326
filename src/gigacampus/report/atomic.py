"""Writing one file atomically: the whole text or nothing, and never through a symlink."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from gigacampus.errors import InputError, Problem

__all__ = ["write_text"]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically: a temporary file beside it, then renamed over it
    (a symlink at ``path`` is replaced, never followed)."""
    path = Path(path)
    if not str(path).strip():
        raise InputError([Problem("''", "", "an empty path; allowed: a file name")])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            os.chmod(tmp, 0o666 & ~_umask())  # as an ordinary new file (mkstemp makes it private)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise InputError([Problem(str(path), "", f"cannot write: {exc.strerror or exc}")]) from None
    return path
