"""A sweep of a country file (docs/uncertainty.md, "A country"): every variant's country is built
exactly as ``gigacampus run COUNTRY.toml --set ...`` builds it (the same loader and overrides)
and run through :func:`gigacampus.country.run_country_batch`, one variant at a time.

Key paths are a campus's own, prefixed by its name (``campus[Stargate UAE].site.pue``), or
``country.regime``. Nothing is mapped onto batched arrays, so the number of variants is bounded
(:data:`MAX_COUNTRY_VARIANTS`); there is no Sobol sensitivity. Variant ``k`` is grid point
``k // N`` with sample ``k % N``, its values fixed by the seed and the method alone, as in a
campus sweep.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gigacampus.catalog import Catalog, load_catalog
from gigacampus.country import national_cap_bound, run_country_batch
from gigacampus.errors import InputError, Problem
from gigacampus.scenario.country import campus_key, load_country
from gigacampus.scenario.load import _read_file, parse_toml
from gigacampus.scenario.uncertainty import METHODS, Distribution, parse_vary
from gigacampus.sweep import store
from gigacampus.sweep.engine import input_records, object_column, parse_grid
from gigacampus.sweep.plan import OPTIONS, set_literal
from gigacampus.uncertainty import UncertainInput, resolve_inputs, unit_sample
from gigacampus.uncertainty.inputs import KeyType

__all__ = [
    "DEFAULT_COUNTRY_SAMPLES",
    "MAX_COUNTRY_VARIANTS",
    "CountrySweepSpec",
    "country_variant_sets",
    "prepare_country_sweep",
    "run_country_sweep",
]

#: Most variants a country sweep runs (each is a whole country run).
MAX_COUNTRY_VARIANTS = 256
#: Samples when --samples is not given.
DEFAULT_COUNTRY_SAMPLES = 64
#: The national keys a country sweep varies (as choices).
NATIONAL_KEYS = ("country.regime",)

#: The recorded per-year columns: national ones, then ``<name>[<campus>]`` per campus.
NATIONAL = {
    "national_wanted": "accelerators/year",
    "national_shipped": "accelerators/year",
    "national_held_back": "accelerators/year",
    "national_cap_binds": "-",
}
PER_CAMPUS = {"shipped": "accelerators/year", "held_back": "accelerators/year"}


@dataclass(frozen=True)
class CountrySweepSpec:
    """Everything that fixes a country sweep's numbers."""

    source: str
    sets: tuple[str, ...]
    inputs: tuple[UncertainInput, ...]
    grid: tuple[tuple[str, tuple[Any, ...]], ...]
    samples: int
    method: str
    seed: int
    """The sample's seed (``--seed``, else 0)."""
    run_seed: int | None
    """``--seed`` as ``gigacampus run`` takes it (``None``: each campus's own)."""
    years: tuple[int, ...]
    campuses: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def grid_points(self) -> list[tuple[Any, ...]]:
        return list(itertools.product(*(values for _, values in self.grid)))

    @property
    def n_variants(self) -> int:
        return self.samples * math.prod(len(values) for _, values in self.grid)


def _resolve(path: str, dist: Distribution, origin: str, campuses: Sequence[str]) -> UncertainInput:
    """One varied key of a country: a campus's own key (checked against the scenario schema) or a
    national key; an :class:`InputError` naming the whole key path otherwise."""
    if path in NATIONAL_KEYS:
        if dist.dist != "choice":
            raise InputError([Problem(origin, path, f"found {dist.dist}(...); allowed: choice(...) (text)")])
        return UncertainInput(path, tuple(path.split(".")), KeyType("str"), dist, origin)
    scoped = campus_key(path)
    if scoped is None:
        raise InputError(
            [
                Problem(
                    origin,
                    path,
                    "not a key of a country sweep; allowed: campus[<campus name>].<key path> "
                    f"(e.g. campus[{campuses[0]}].site.pue) or {', '.join(NATIONAL_KEYS)}",
                )
            ]
        )
    name, rest = scoped
    if name not in campuses:
        raise InputError(
            [Problem(origin, path, f"no campus named {name!r}; allowed: {', '.join(repr(c) for c in campuses)}")]
        )
    try:
        (inner,) = resolve_inputs({}, [(rest, dist)], origin)
    except InputError as err:
        raise InputError(
            [dataclasses.replace(p, path=f"campus[{name}].{p.path}") if p.path == rest else p for p in err.problems]
        ) from None
    return dataclasses.replace(inner, path=path, origin=origin)


def prepare_country_sweep(
    path: str | Path,
    *,
    samples: int | None = None,
    method: str | None = None,
    seed: int | None = None,
    sets: Sequence[str] = (),
    vary: Sequence[str] = (),
    grid: Sequence[str] = (),
    catalog: Catalog | None = None,
) -> CountrySweepSpec:
    """Read and check a country sweep: the file (with ``--set``), ``--vary`` and ``--grid``."""
    cat = catalog or load_catalog()
    source = str(path)
    data = parse_toml(_read_file(Path(path)), source)
    if "uncertainty" in data:
        raise InputError(
            [
                Problem(
                    source,
                    "uncertainty",
                    "a country file takes no [uncertainty] section; allowed: give the inputs on the command line "
                    "(gigacampus sweep COUNTRY.toml --vary 'campus[<name>].site.pue=uniform(1.2, 1.4)' or --grid)",
                )
            ]
        )
    country = load_country(path, overrides=sets, catalog=cat)
    names = tuple(c.name for c in country.campuses)
    inputs = tuple(_resolve(*parse_vary(v), "--vary", names) for v in vary)
    axes = []
    for item in grid:
        axis = parse_grid(
            item,
            resolve=lambda key, dist: _resolve(key, dist, "--grid", names),
            example=f"campus[{names[0]}].site.pue=1.2,1.3",
        )
        axes.append((axis.path, axis.values))
    problems = []
    paths = [u.path for u in inputs] + [p for p, _ in axes]
    for p in sorted({p for p in paths if paths.count(p) > 1}):
        problems.append(Problem("--vary", p, "given more than once (--vary or --grid); allowed: once"))
    if not inputs and not axes:
        problems.append(
            Problem(source, "", "nothing to vary; allowed: --vary or --grid (a country file takes no [uncertainty])")
        )
    n = samples if samples is not None else (DEFAULT_COUNTRY_SAMPLES if inputs else 1)
    m = method or "sobol"
    if m not in METHODS:
        problems.append(Problem("--method", "", f"found {m!r}; allowed: {', '.join(METHODS)}"))
    points = math.prod(len(v) for _, v in axes)
    if n < 1 or n * points > MAX_COUNTRY_VARIANTS:
        problems.append(
            Problem(
                "--samples",
                "",
                f"found {n:,} samples x {points} grid points = {n * points:,} variants; allowed: 1 to "
                f"{MAX_COUNTRY_VARIANTS} variants for a country (each is a whole country run): "
                "give a smaller --samples",
            )
        )
    if problems:
        raise InputError(problems)
    notes = tuple(f"{u.path}: {u.note}" for u in inputs if u.note)
    return CountrySweepSpec(
        source,
        tuple(sets),
        inputs,
        tuple(axes),
        n,
        m,
        0 if seed is None else seed,
        seed,
        tuple(range(country.info.start_year, country.info.end_year + 1)),
        names,
        notes,
    )


def _values(spec: CountrySweepSpec) -> tuple[list[np.ndarray], list[list[Any]]]:
    """Each input's and each grid axis's value for every variant."""
    k = np.arange(spec.n_variants)
    i, g = k % spec.samples, k // spec.samples
    u = unit_sample(spec.method, spec.samples, len(spec.inputs), spec.seed)
    values = [inp.values(u[i, j]) for j, inp in enumerate(spec.inputs)]
    points = spec.grid_points
    grid = [[points[p][a] for p in g] for a in range(len(spec.grid))]
    return values, grid


def country_variant_sets(spec: CountrySweepSpec) -> list[list[str]]:
    """Each variant's ``--set`` overrides: ``gigacampus run COUNTRY.toml`` with them gives its numbers."""
    values, grid = _values(spec)
    out = []
    for k in range(spec.n_variants):
        own = [f"{u.path}={set_literal(v[k])}" for u, v in zip(spec.inputs, values, strict=True)]
        own += [f"{p}={set_literal(g[k])}" for (p, _), g in zip(spec.grid, grid, strict=True)]
        out.append([*spec.sets, *own])
    return out


def run_country_sweep(
    spec: CountrySweepSpec, folder: str | Path | None, catalog: Catalog | None = None
) -> dict[str, Any]:
    """Run every variant into ``folder`` (``variants.parquet``; none with ``folder=None``) and return
    the ``sweep.json`` document."""
    cat = catalog or load_catalog()
    n, years = spec.n_variants, list(spec.years)
    outputs: dict[str, np.ndarray] = {name: np.zeros((n, len(years))) for name in NATIONAL}
    for name in PER_CAMPUS:
        for c in spec.campuses:
            outputs[f"{name}[{c}]"] = np.zeros((n, len(years)))
    cache: dict[tuple[str, ...], dict[str, np.ndarray]] = {}
    for k, sets in enumerate(country_variant_sets(spec)):
        key = tuple(sets)
        if key not in cache:
            country = load_country(spec.source, overrides=sets, catalog=cat)
            batch = run_country_batch(country, catalog=cat, seed=spec.run_seed, options=OPTIONS)
            row = {
                "national_wanted": batch.wanted[0].sum(axis=1),
                "national_shipped": batch.shipped[0].sum(axis=1),
                "national_held_back": batch.held_back[0].sum(axis=1),
                "national_cap_binds": national_cap_bound(batch)[0].astype(float),
            }
            for i, c in enumerate(batch.campus_names):
                row[f"shipped[{c}]"] = batch.shipped[0, :, i]
                row[f"held_back[{c}]"] = batch.held_back[0, :, i]
            cache[key] = row
        for name, col in cache[key].items():
            outputs[name][k] = col
    values, grid = _values(spec)
    columns: dict[str, np.ndarray] = {u.path: v for u, v in zip(spec.inputs, values, strict=True)}
    columns.update({p: object_column(np.asarray(g, dtype=object)) for (p, _), g in zip(spec.grid, grid, strict=True)})
    if folder is not None:
        target = Path(folder) / "variants.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        store.write_part(target, np.arange(n), columns, outputs, years)
    out_doc = {
        c: {
            "unit": NATIONAL.get(c) or PER_CAMPUS[c.partition("[")[0]],
            "year": years,
            "mean": [float(x) for x in col.mean(axis=0)],
            # linear interpolation, as store.column_stats (numpy.percentile's default)
            **{f"p{q}": [float(x) for x in np.percentile(col, q, axis=0)] for q in (5, 50, 95)},
        }
        for c, col in outputs.items()
    }
    binds = outputs["national_cap_binds"] > 0
    return {
        "kind": "country",
        "scenario": spec.source,
        "campuses": list(spec.campuses),
        "samples": spec.samples,
        "variants": n,
        "seed": spec.seed,
        "run_seed": spec.run_seed,
        "method": spec.method,
        "inputs": input_records(spec.inputs),
        "grid": [{"path": p, "values": list(v)} for p, v in spec.grid],
        "set": list(spec.sets),
        "years": years,
        "outputs": out_doc,
        "probabilities": {
            "national_cap_binds": {
                "description": "a national (or group) cap of the export regime binds in the year",
                "probability": float(binds.any(axis=1).mean()),
                "over": "in some year",
                "by_year": {str(y): float(binds[:, t].mean()) for t, y in enumerate(years)},
            }
        },
        "distinct_countries": len(cache),
        "notes": [
            *spec.notes,
            "a country sweep runs each variant's country as gigacampus run COUNTRY.toml --set would "
            f"(at most {MAX_COUNTRY_VARIANTS} variants); no Sobol sensitivity",
        ],
    }
