"""The ``[uncertainty]`` section and the distributions it (and ``--vary``) gives to scenario key paths.

A distribution is written as a TOML table in ``[uncertainty.inputs]``::

    [uncertainty.inputs]
    "site.pue" = { dist = "triangular", low = 1.1, mode = 1.3, high = 1.5 }

or on the command line as ``--vary 'site.pue=triangular(1.1, 1.3, 1.5)'``. Two sampled inputs may
be given a Spearman rank correlation::

    [[uncertainty.correlation]]
    inputs = ["finance.system_price_usd.gb300-nvl72", "phase[1].rack_power_kw"]
    rank = 0.5

or ``--correlate 'finance.system_price_usd.gb300-nvl72,phase[1].rack_power_kw=0.5'``. This module only reads
and checks what is written (names, parameters, their order); sampling lives in
:mod:`gigacampus.uncertainty`, which also checks each key path against the schema.
``gigacampus run`` ignores the section: it runs the point values written in the file.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from pydantic import Field, field_validator

from gigacampus.catalog import Catalog
from gigacampus.errors import InputError, Problem, closest
from gigacampus.scenario.base import Problems, ScenarioChecksFailed, Section, choice, is_number, table_at

__all__ = [
    "DISTRIBUTIONS",
    "MAX_SAMPLES",
    "METHODS",
    "MAX_RANK",
    "Correlation",
    "Distribution",
    "Uncertainty",
    "distribution_problems",
    "parse_correlate",
    "parse_distribution",
    "parse_vary",
]

#: Sampling methods (scipy.stats.qmc): scrambled Sobol, Latin hypercube, plain random.
METHODS = ("sobol", "lhs", "random")
#: Largest number of samples one sweep takes (times the grid points).
MAX_SAMPLES = 10_000_000
#: Each distribution's parameters, in the order ``--vary`` writes them positionally.
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "loguniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("p5", "p95"),
    "choice": ("values", "weights"),
}
_MAX_CHOICES = 1000
#: Largest size of a rank correlation (1 would make two inputs one: give one input instead).
MAX_RANK = 0.99


@dataclass(frozen=True)
class Distribution:
    """One input's distribution: ``dist`` and its parameters (numbers; ``values`` and ``weights``
    for ``choice``, where ``weights`` are normalised to sum to 1)."""

    dist: str
    params: tuple[tuple[str, Any], ...]
    source: str = ""
    """Where the range comes from (``source = "..."`` in the table)."""

    def __getitem__(self, name: str) -> Any:
        return dict(self.params)[name]

    def get(self, name: str, default: Any = None) -> Any:
        return dict(self.params).get(name, default)

    def to_dict(self) -> dict[str, Any]:
        out = {"dist": self.dist, **{k: (list(v) if isinstance(v, tuple) else v) for k, v in self.params}}
        return out | ({"source": self.source} if self.source else {})

    def describe(self) -> str:
        """As ``--vary`` writes it: ``triangular(1.1, 1.3, 1.5)``."""
        if self.dist == "choice":
            values = ", ".join(_text(v) for v in self["values"])
            w = self.get("weights")
            return f"choice({values})" + (f" weights {', '.join(f'{x:g}' for x in w)}" if w else "")
        return f"{self.dist}({', '.join(f'{self[p]:g}' for p in DISTRIBUTIONS[self.dist])})"


def _text(v: Any) -> str:
    return repr(v) if isinstance(v, str) else f"{v:g}" if isinstance(v, float) else str(v)


def distribution_problems(dist: Any, params: dict[str, Any]) -> list[str]:
    """What is wrong with a distribution as written (empty: nothing)."""
    if dist not in DISTRIBUTIONS:
        hint = closest(str(dist), DISTRIBUTIONS)
        return [
            f"unknown dist {dist!r}; allowed: {', '.join(DISTRIBUTIONS)}"
            + (f" (did you mean {hint!r}?)" if hint else "")
        ]
    names = DISTRIBUTIONS[dist]
    unknown = sorted(set(params) - set(names))
    if unknown:
        return [f"{dist} takes {', '.join(names)}; found {', '.join(unknown)}"]
    required = names if dist != "choice" else ("values",)
    missing = [n for n in required if n not in params]
    if missing:
        return [f"{dist} needs {', '.join(missing)}"]
    if dist == "choice":
        values = params["values"]
        if not isinstance(values, (list, tuple)) or not values:
            return [f"choice values: found {values!r}; allowed: a non-empty list"]
        if len(values) > _MAX_CHOICES:
            return [f"choice values: {len(values)} of them; allowed: at most {_MAX_CHOICES}"]
        if any(isinstance(v, (list, tuple, dict)) for v in values):
            return ["choice values: allowed: numbers, text or true/false (no lists or tables)"]
        weights = params.get("weights")
        if weights is not None:
            if not isinstance(weights, (list, tuple)) or len(weights) != len(values):
                return [f"choice weights: allowed: a list of {len(values)} numbers, one per value"]
            if not all(is_number(w) and math.isfinite(w) and w >= 0 for w in weights):
                return ["choice weights: allowed: finite numbers >= 0"]
            if sum(weights) <= 0:
                return ["choice weights sum to 0; allowed: weights with a positive sum"]
        return []
    bad = [n for n in names if not (is_number(params[n]) and math.isfinite(params[n]))]
    if bad:
        return [f"{dist} {', '.join(f'{n} = {params[n]!r}' for n in bad)}; allowed: finite numbers"]
    p = {n: float(params[n]) for n in names}
    if dist in ("uniform", "loguniform") and not p["low"] < p["high"]:
        return [f"{dist} low {p['low']:g} >= high {p['high']:g}; allowed: low < high"]
    if dist == "loguniform" and p["low"] <= 0:
        return [f"loguniform low {p['low']:g}; allowed: low > 0"]
    if dist == "triangular" and not (p["low"] <= p["mode"] <= p["high"] and p["low"] < p["high"]):
        return [f"triangular({p['low']:g}, {p['mode']:g}, {p['high']:g}); allowed: low <= mode <= high, low < high"]
    if dist == "normal" and not p["sd"] > 0:
        return [f"normal sd {p['sd']:g}; allowed: sd > 0"]
    if dist == "lognormal" and not 0 < p["p5"] < p["p95"]:
        return [f"lognormal p5 {p['p5']:g}, p95 {p['p95']:g}; allowed: 0 < p5 < p95"]
    return []


def _build(dist: str, params: dict[str, Any], source: str = "") -> Distribution:
    if dist == "choice":
        values = tuple(params["values"])
        w = params.get("weights")
        weights = tuple(float(x) / float(sum(w)) for x in w) if w is not None else None
        items: tuple[tuple[str, Any], ...] = (("values", values),)
        if weights is not None:
            items += (("weights", weights),)
        return Distribution("choice", items, source)
    return Distribution(dist, tuple((n, float(params[n])) for n in DISTRIBUTIONS[dist]), source)


def parse_distribution(table: Any, source: str, path: str) -> Distribution:
    """A distribution from its TOML table; raises :class:`~gigacampus.errors.InputError` naming ``path``."""
    if not isinstance(table, dict):
        raise InputError(
            [
                Problem(
                    source, path, f'found {table!r}; allowed: a table such as {{ dist = "uniform", low = 1, high = 2 }}'
                )
            ]
        )
    params = {k: v for k, v in table.items() if k not in _TEXT_KEYS}
    problems = distribution_problems(table.get("dist"), params) + _text_problems(table)
    if problems:
        raise InputError([Problem(source, path, m) for m in problems])
    return _build(str(table["dist"]), params, str(table.get("source", "")))


#: Keys of a distribution table that are not parameters.
_TEXT_KEYS = ("dist", "source")


def _text_problems(table: dict[str, Any]) -> list[str]:
    value = table.get("source", "")
    if not isinstance(value, str) or len(value) > 2000:
        return ["source: allowed: text of at most 2,000 characters (where the range comes from)"]
    return []


_CALL = re.compile(r"\s*([A-Za-z_][A-Za-z_0-9]*)\s*\((.*)\)\s*", re.S)


def parse_vary(item: str, source: str = "--vary") -> tuple[str, Distribution]:
    """``'site.pue=triangular(1.1, 1.3, 1.5)'`` -> ``("site.pue", Distribution)``."""
    key, sep, text = item.partition("=")
    key = key.strip()
    example = (
        "allowed: key.path=dist(...), e.g. site.pue=triangular(1.1, 1.3, 1.5) "
        "or phase[1].online_year=choice(2027, 2028)"
    )
    m = _CALL.fullmatch(text) if sep and key else None
    if m is None:
        raise InputError([Problem(source, item, example)])
    dist, args_text = m.group(1), m.group(2)
    if dist not in DISTRIBUTIONS:
        hint = closest(dist, DISTRIBUTIONS)
        raise InputError([Problem(source, key, f"unknown dist {dist!r}; allowed: {', '.join(DISTRIBUTIONS)}", hint)])
    try:
        args = tomllib.loads(f"v = [{args_text}]")["v"] if args_text.strip() else []
    except tomllib.TOMLDecodeError:
        # bare words (accelerator ids, regimes) are text, as --set reads them
        args = [_bare(a) for a in args_text.split(",")]
    if dist == "choice":
        params: dict[str, Any] = {"values": args}
    else:
        names = DISTRIBUTIONS[dist]
        if len(args) != len(names):
            raise InputError(
                [Problem(source, key, f"{dist} takes {len(names)} numbers ({', '.join(names)}); found {len(args)}")]
            )
        params = dict(zip(names, args, strict=True))
    problems = distribution_problems(dist, params)
    if problems:
        raise InputError([Problem(source, key, msg) for msg in problems])
    return key, _build(dist, params)


def _bare(text: str) -> Any:
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_correlate(item: str, source: str = "--correlate") -> tuple[str, str, float]:
    """``'a.path,b.path=0.5'`` -> ``("a.path", "b.path", 0.5)`` (a Spearman rank correlation)."""
    pair, sep, text = item.partition("=")
    first, comma, second = pair.partition(",")
    first, second = first.strip(), second.strip()
    example = (
        f"allowed: key.path,other.path=rank, rank between -{MAX_RANK} and {MAX_RANK}, "
        "e.g. site.pue,phase[1].rack_power_kw=0.5"
    )
    try:
        rank = float(text)
    except ValueError:
        rank = math.nan
    if not (sep and comma and first and second) or not math.isfinite(rank):
        raise InputError([Problem(source, item, example)])
    if first == second:
        raise InputError([Problem(source, item, "the two key paths are the same; allowed: two different inputs")])
    if not -MAX_RANK <= rank <= MAX_RANK:
        raise InputError([Problem(source, item, f"rank {rank:g}; {example}")])
    return first, second, rank


class Correlation(Section):
    """``[[uncertainty.correlation]]``: a Spearman rank correlation between two sampled inputs,
    induced in the sample by the Iman-Conover method (each input keeps its own distribution)."""

    inputs: tuple[str, str]
    """The two key paths, each also in ``[uncertainty.inputs]`` (or given by ``--vary``)."""
    rank: float = Field(ge=-MAX_RANK, le=MAX_RANK, allow_inf_nan=False, json_schema_extra={"unit": "1"})
    """Spearman rank correlation, -0.99 to 0.99."""
    source: str = Field(default="", max_length=2000)
    """Where the correlation comes from."""

    @field_validator("inputs")
    @classmethod
    def _two(cls, value: tuple[str, str]) -> tuple[str, str]:
        if value[0] == value[1]:
            raise ScenarioChecksFailed([("", f"found {list(value)!r}; allowed: two different key paths", None)])
        return value


class Uncertainty(Section):
    """``[uncertainty]``: what ``gigacampus sweep`` varies and how it samples (``gigacampus run``
    ignores it and runs the point values written in the file); see docs/uncertainty.md."""

    samples: int = Field(default=1024, strict=True, ge=1, le=MAX_SAMPLES, json_schema_extra={"unit": "count"})
    """Variants a sweep draws (times the points of any ``--grid``)."""
    method: str = Field(default="sobol", min_length=1, max_length=20)
    """``sobol`` (scrambled Sobol), ``lhs`` (Latin hypercube) or ``random``."""
    inputs: dict[str, dict[str, Any]] = Field(default_factory=dict, max_length=200)
    """Scenario key path (as ``--set`` writes it) -> distribution table, e.g.
    ``"site.pue" = { dist = "triangular", low = 1.1, mode = 1.3, high = 1.5 }``."""
    correlation: list[Correlation] = Field(default_factory=list, max_length=100)
    """Rank correlations between pairs of sampled inputs (none: the inputs are independent)."""

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        return choice(value, METHODS, "method")

    @classmethod
    def cross_field_problems(cls, data: dict[str, Any], catalog: Catalog) -> Problems:
        out: Problems = []
        for path, table in table_at(table_at(data, "uncertainty"), "inputs").items():
            where = f"uncertainty.inputs.{_quoted(path)}"
            if not isinstance(table, dict):
                out.append((where, f"found {table!r}; allowed: a distribution table", None))
                continue
            params = {k: v for k, v in table.items() if k not in _TEXT_KEYS}
            problems = distribution_problems(table.get("dist"), params) + _text_problems(table)
            out += [(where, msg, None) for msg in problems]
        return out

    def distributions(self) -> dict[str, Distribution]:
        """Each input's distribution (the section is validated, so each parses)."""
        return {path: parse_distribution(t, "[uncertainty]", path) for path, t in self.inputs.items()}


def _quoted(path: str) -> str:
    return f'"{path}"' if re.search(r"[.\[\]]", path) else path
