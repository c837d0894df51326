"""Errors that reach users: each names the file, the key path, what was found and what is allowed.

The command line prints every :class:`Problem` of an :class:`InputError` on its own line
and exits with code 2; the web API returns the same lines with an HTTP 4xx status.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    Attributes
    ----------
    source:
        The file (or ``<request>``, ``<override>``) the input came from.
    path:
        Key path inside the input, e.g. ``phase[1].power_mw``; empty for the whole file.
    message:
        What was found and what is allowed.
    suggestion:
        The closest valid key or id, when there is one.
    """

    source: str
    path: str
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}: {self.path}" if self.path else self.source
        text = f"{where}: {self.message}"
        if self.suggestion:
            text += f" (did you mean '{self.suggestion}'?)"
        return text

    def to_dict(self) -> dict[str, str | None]:
        return {
            "source": self.source,
            "path": self.path,
            "message": self.message,
            "suggestion": self.suggestion,
            "text": str(self),
        }


class GigacampusError(Exception):
    """Base class of the errors gigacampus raises on purpose."""


class InputError(GigacampusError):
    """One or more problems with user input (scenario file, option, request)."""

    def __init__(self, problems: Sequence[Problem]):
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[InputError], tuple[tuple[Problem, ...]]]:
        # rebuilt from its problems (the default would pass the joined message as the problems),
        # as when a worker process (dask, or the local engine's) sends one back
        return (type(self), (self.problems,))


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` (case-insensitive), or ``None`` if none is close."""
    pool = {c.lower(): c for c in choices}
    key = word.lower()
    prefixed = sorted((c for c in pool if c.startswith(key) and c != key), key=len)
    if prefixed:  # 'h100' -> 'h100-sxm' rather than the closer-spelled 'h200'
        return pool[prefixed[0]]
    match = difflib.get_close_matches(key, list(pool), n=1, cutoff=0.6)
    return pool[match[0]] if match else None
