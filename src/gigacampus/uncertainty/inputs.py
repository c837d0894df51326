"""Uncertain inputs: a scenario key path, its type and allowed range from the schema, and its
distribution, turned into values with :meth:`UncertainInput.values` from points of the unit cube.

A key whose type is a whole number gets whole samples (rounded); a distribution whose support
leaves the key's allowed range is an error naming the key and the range, except normal and
lognormal, whose tails are truncated to the range (:attr:`UncertainInput.note` says so).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import annotated_types as at
import numpy as np

from gigacampus.errors import InputError, Problem
from gigacampus.scenario.load import concrete_types, key_field, parse_key_path
from gigacampus.scenario.uncertainty import Distribution

__all__ = ["Z95", "UncertainInput", "resolve_inputs"]

#: The standard normal's 95th percentile: a lognormal given by its 90% interval has
#: sigma = (ln p95 - ln p5) / (2 Z95). ``float(scipy.special.ndtri(0.95))`` (tested), written out
#: so that a sweep with no normal or lognormal input never imports scipy.special (~0.1 s).
Z95 = 1.6448536269514722


@dataclass(frozen=True)
class KeyType:
    """What the schema allows at a key path."""

    kind: str
    """``float``, ``int``, ``str`` or ``bool``."""
    low: float = -math.inf
    low_open: bool = False
    high: float = math.inf
    high_open: bool = False
    unit: str = ""

    def contains(self, x: float) -> bool:
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return above and below

    def describe(self) -> str:
        parts = []
        if self.low > -math.inf:
            parts.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high < math.inf:
            parts.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        what = {"float": "a number", "int": "a whole number", "str": "text", "bool": "true or false"}[self.kind]
        return (
            what
            + (" " + " and ".join(parts) if parts else "")
            + (f" [{self.unit}]" if self.unit not in ("", "-") else "")
        )


def key_type(path: str, source: str) -> tuple[list[str | int], KeyType]:
    """The parsed path and what the schema allows there; an :class:`InputError` for an unknown path."""
    try:
        parts = parse_key_path(path)
    except ValueError:
        raise InputError(
            [Problem(source, path, "not a key path; allowed: e.g. site.pue or phase[1].online_year")]
        ) from None
    info, annotation = key_field(parts)
    kinds = [k for k in concrete_types(annotation) if k in (float, int, str, bool)] if annotation is not None else []
    if not kinds:
        what = "no such key in the scenario schema" if annotation is None else "not a single number, text or true/false"
        raise InputError(
            [Problem(source, path, f"{what}; allowed: a key path --set takes to a value (docs/scenario-reference.md)")]
        )
    kind = "float" if float in kinds else kinds[0].__name__
    low, low_open, high, high_open = -math.inf, False, math.inf, False
    unit = ""
    if info is not None:
        for meta in info.metadata:
            if isinstance(meta, at.Ge):
                low, low_open = float(meta.ge), False
            elif isinstance(meta, at.Gt):
                low, low_open = float(meta.gt), True
            elif isinstance(meta, at.Le):
                high, high_open = float(meta.le), False
            elif isinstance(meta, at.Lt):
                high, high_open = float(meta.lt), True
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        unit = str(extra.get("unit", ""))
    return parts, KeyType(kind, low, low_open, high, high_open, unit)


@dataclass(frozen=True)
class UncertainInput:
    """One varied key path, its type and its distribution."""

    path: str
    parts: tuple[str | int, ...]
    type: KeyType
    distribution: Distribution
    origin: str
    """Where the distribution was given: the file's ``[uncertainty]`` or ``--vary``."""
    note: str = ""
    """What the sweep did to the distribution (a truncation to the allowed range)."""

    @property
    def discrete(self) -> bool:
        """Whether it takes few distinct values (a choice, a whole number, text, true/false): each
        distinct combination of discrete inputs is its own scenario in a sweep."""
        return self.distribution.dist == "choice" or self.type.kind != "float"

    def values(self, u: np.ndarray) -> np.ndarray:
        """Values at unit-cube points ``u`` (inverse CDF); whole numbers rounded; object array for a choice."""
        d = self.distribution
        u = np.asarray(u, dtype=float)
        if d.dist == "choice":
            values = d["values"]
            w = d.get("weights") or tuple(1.0 / len(values) for _ in values)
            idx = np.minimum(np.searchsorted(np.cumsum(w), u, side="right"), len(values) - 1)
            out = np.asarray(values, dtype=object)[idx]
            if self.type.kind == "float":
                return out.astype(float)
            if self.type.kind == "int":
                return out.astype(np.int64)
            return out
        x = _ppf(d, u, self.type)
        if self.type.kind == "int":
            return np.rint(x).astype(np.int64)
        return x


def _ppf(d: Distribution, u: np.ndarray, kt: KeyType) -> np.ndarray:
    if d.dist == "uniform":
        return d["low"] + u * (d["high"] - d["low"])
    if d.dist == "loguniform":
        lo, hi = math.log(d["low"]), math.log(d["high"])
        return np.exp(lo + u * (hi - lo))
    if d.dist == "triangular":
        a, c, b = d["low"], d["mode"], d["high"]
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)
    from scipy.special import ndtr, ndtri  # normal and lognormal inputs only

    mu, sigma, log = _normal_params(d)
    lo, hi = _range(kt, log)
    pa, pb = ndtr((lo - mu) / sigma), ndtr((hi - mu) / sigma)
    # clip so that u = 0 or 1 stays inside the range
    z = ndtri(np.clip(pa + u * (pb - pa), 1e-300, 1 - 1e-16))
    x = mu + sigma * z
    x = np.clip(x, lo, hi)
    return np.exp(x) if log else x


def _normal_params(d: Distribution) -> tuple[float, float, bool]:
    if d.dist == "normal":
        return d["mean"], d["sd"], False
    lo, hi = math.log(d["p5"]), math.log(d["p95"])
    return (lo + hi) / 2, (hi - lo) / (2 * Z95), True


def _range(kt: KeyType, log: bool) -> tuple[float, float]:
    lo, hi = kt.low, kt.high
    if log:
        lo = math.log(lo) if lo > 0 else -math.inf
        hi = math.log(hi) if hi < math.inf else math.inf
    return lo, hi


def _support(d: Distribution) -> tuple[float, float] | None:
    if d.dist in ("uniform", "loguniform", "triangular"):
        return d["low"], d["high"]
    return None


def _check(path: str, kt: KeyType, d: Distribution, source: str) -> str:
    """The truncation note (empty: none); an :class:`InputError` for a distribution the key cannot take."""
    allowed = kt.describe()
    if d.dist == "choice":
        for v in d["values"]:
            ok = (
                (kt.kind == "str" and isinstance(v, str))
                or (kt.kind == "bool" and isinstance(v, bool))
                or (kt.kind == "int" and isinstance(v, int) and not isinstance(v, bool) and kt.contains(v))
                or (kt.kind == "float" and isinstance(v, (int, float)) and not isinstance(v, bool) and kt.contains(v))
            )
            if not ok:
                raise InputError([Problem(source, path, f"choice value {v!r} is not allowed here; allowed: {allowed}")])
        return ""
    if kt.kind not in ("float", "int"):
        raise InputError([Problem(source, path, f"{d.dist} gives numbers; this key takes {allowed}: use choice(...)")])
    support = _support(d)
    if support is not None:
        lo, hi = support
        if kt.kind == "int":
            lo, hi = round(lo), round(hi)
        if not (kt.contains(lo) and kt.contains(hi)):
            raise InputError(
                [Problem(source, path, f"{d.describe()} reaches outside the allowed range; allowed: {allowed}")]
            )
        return ""
    from scipy.special import ndtr

    mu, sigma, log = _normal_params(d)
    lo, hi = _range(kt, log)
    mass = float(ndtr((hi - mu) / sigma) - ndtr((lo - mu) / sigma))
    if mass < 1e-6:
        raise InputError(
            [Problem(source, path, f"{d.describe()} has almost no probability in the allowed range {allowed}")]
        )
    if mass < 1 - 1e-12:
        return f"{d.describe()} truncated to {allowed} ({1 - mass:.2%} of its probability was outside)"
    return ""


def resolve_inputs(
    from_file: Mapping[str, Distribution], from_cli: Sequence[tuple[str, Distribution]], source: str
) -> tuple[UncertainInput, ...]:
    """The file's ``[uncertainty.inputs]`` with ``--vary`` added or replacing, each checked against the schema."""
    merged: dict[str, tuple[Distribution, str]] = {p: (d, source) for p, d in from_file.items()}
    for path, dist in from_cli:
        merged[path] = (dist, "--vary")
    out, problems = [], []
    for path, (dist, origin) in merged.items():
        try:
            parts, kt = key_type(path, origin)
            note = _check(path, kt, dist, origin)
        except InputError as exc:
            problems += exc.problems
            continue
        out.append(UncertainInput(path, tuple(parts), kt, dist, origin, note))
    if problems:
        raise InputError(problems)
    return tuple(out)
