"""The batch axis: one mechanism that gives every inputs class ``take``, ``repeat`` and ``stack``.

An inputs class is a frozen dataclass deriving from :class:`Batch` whose every field says
whether it runs along the batch (variant) axis, with :func:`batched`, or is shared by the whole
batch (the structure: years, phases, holders, ...), with :func:`shared`. A field declared as
neither is an error the first time the class is used, so a new field cannot silently be left
out of slicing. A batched field may hold another :class:`Batch` (or ``None``): it is sliced and
stacked with its own fields.

Batched arrays have the variant axis first: ``(S, ...)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Self

import numpy as np

__all__ = ["Batch", "batched", "shared"]

_AXIS = "gigacampus_axis"


def batched(**kwargs: Any) -> Any:
    """A field with one row per variant (leading axis ``S``), or a nested :class:`Batch`."""
    return dataclasses.field(metadata={_AXIS: "batch"}, **kwargs)


def shared(**kwargs: Any) -> Any:
    """A field that every variant of a batch shares (it must be equal to stack two batches)."""
    return dataclasses.field(metadata={_AXIS: "shared"}, **kwargs)


@cache
def _axes(cls: type) -> tuple[tuple[str, str], ...]:
    out = []
    for f in dataclasses.fields(cls):
        axis = f.metadata.get(_AXIS)
        if axis not in ("batch", "shared"):
            raise TypeError(
                f"{cls.__name__}.{f.name} is declared neither batched() nor shared(); "
                "every field of a Batch says which it is"
            )
        out.append((f.name, axis))
    return tuple(out)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    return bool(a == b)


class Batch:
    """Base of every batched inputs dataclass (see the module docstring)."""

    @classmethod
    def batch_fields(cls) -> tuple[str, ...]:
        """Names of the fields along the variant axis."""
        return tuple(name for name, axis in _axes(cls) if axis == "batch")

    @property
    def n_variants(self) -> int:
        """Variants in the batch (``S``): the leading size of the first batched array."""
        for name in self.batch_fields():
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                return int(value.shape[0])
        raise TypeError(f"{type(self).__name__} has no batched array")

    def take(self, index: np.ndarray | Sequence[int]) -> Self:
        """The variants at ``index`` (a new batch)."""
        idx = np.asarray(index)
        return self._map_rows(lambda value: value[idx])

    def repeat(self, n: int) -> Self:
        """A batch of ``n`` copies of variant 0, ready to be varied."""
        # np.repeat of the first row: the same values as take([0] * n), without gathering by index
        return self._map_rows(lambda value: np.repeat(value[:1], n, axis=0))

    def _map_rows(self, fn: Callable[[np.ndarray], np.ndarray]) -> Self:
        """A new batch with ``fn`` applied to every batched array, nested batches' included."""
        changes = {}
        for name in self.batch_fields():
            value = getattr(self, name)
            if isinstance(value, Batch):
                changes[name] = value._map_rows(fn)
            elif value is not None:
                changes[name] = fn(value)
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    @classmethod
    def stack(cls, batches: Sequence[Self]) -> Self:
        """Join batches that share their structure (every :func:`shared` field) along the variant axis."""
        if not batches:
            raise ValueError("nothing to stack")
        first = batches[0]
        changes: dict[str, Any] = {}
        for name, axis in _axes(cls):
            values = [getattr(b, name) for b in batches]
            if axis == "shared":
                if not all(_equal(values[0], v) for v in values[1:]):
                    raise ValueError(f"batches differ in {cls.__name__}.{name} and cannot be stacked")
                continue
            if all(v is None for v in values):
                continue
            if any(v is None for v in values):
                raise ValueError(f"batches differ in whether they have {cls.__name__}.{name} and cannot be stacked")
            if isinstance(values[0], Batch):
                changes[name] = type(values[0]).stack(values)
            else:
                changes[name] = np.concatenate(values, axis=0)
        return dataclasses.replace(first, **changes)  # type: ignore[type-var]
