"""A sweep: its specification from a scenario file and the command line, the variants' values,
and the chunks that carry them through the whole chain, on this machine or on dask.

Variant ``k`` of a sweep with ``N`` samples and ``G`` grid points is grid point ``k // N`` with
sample ``k % N``. Its values are fixed by the seed and the method alone (the unit-cube sample
is drawn once from the seed), so every engine, worker count and chunk size gives the same
numbers. Each chunk writes its own Parquet part; only row counts come back.
"""

from __future__ import annotations

import contextvars
import hashlib
import itertools
import math
import pickle
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gigacampus import pipeline
from gigacampus.catalog import Catalog, load_catalog
from gigacampus.errors import InputError, Problem
from gigacampus.scenario import apply_overrides, parse_toml, raw_scenario, scenario_from_dict
from gigacampus.scenario.uncertainty import MAX_SAMPLES, METHODS, Distribution, parse_correlate, parse_vary
from gigacampus.sweep import store
from gigacampus.sweep.plan import OPTIONS, GroupPlan, build_group, outputs_of
from gigacampus.uncertainty import UncertainInput, resolve_inputs, saltelli_design, unit_sample
from gigacampus.uncertainty.correlation import rank_correlate, target_matrix

__all__ = [
    "MAX_GRID_POINTS",
    "MAX_GROUPS",
    "Evaluator",
    "GridAxis",
    "Groups",
    "SweepSpec",
    "assemble",
    "blank",
    "blanks",
    "chunk_columns",
    "chunk_groups",
    "chunk_plan",
    "default_chunk_size",
    "even_chunk_size",
    "input_records",
    "object_column",
    "parse_grid",
    "prepare_sweep",
    "recorded_names",
    "run_chunk",
    "sample_points",
    "unit_points",
    "variant_values",
]

#: Grid points a sweep takes at most (their product over every ``--grid``).
MAX_GRID_POINTS = 1000
#: Distinct scenarios (combinations of discrete values) a sweep builds at most.
MAX_GROUPS = 256
#: Memory a chunk may take, which sets the default chunk size [bytes].
CHUNK_BYTES = 256 * 2**20
#: Bytes per variant, per year and per output column a chunk holds at its peak (the column, the
#: model's intermediates and the Parquet part), measured on the flagship: 96 with a pandas frame
#: per part; since the parts are written from the numpy columns, a 20,000-variant chunk peaks
#: about 86 MB above a 6,000-variant one (about 15 per value), so 32 keeps a factor of two.
_BYTES_PER_VALUE = 32
_MAX_CHUNK = 50_000


@dataclass(frozen=True)
class GridAxis:
    """One ``--grid KEY=v1,v2,...``: every point gets the whole sample."""

    path: str
    values: tuple[Any, ...]


def parse_grid(
    item: str,
    source: str = "--grid",
    *,
    resolve: Callable[[str, Distribution], UncertainInput] | None = None,
    example: str = "phase[1].online_year=2027,2028",
) -> GridAxis:
    """``'phase[1].online_year=2027,2028'`` -> a :class:`GridAxis` (each value checked against the key
    by ``resolve``, by default against the scenario schema; a country sweep passes its own)."""
    key, sep, text = item.partition("=")
    key = key.strip()
    if not sep or not key or not text.strip():
        raise InputError([Problem(source, item, f"allowed: KEY=v1,v2,..., e.g. {example}")])
    path, dist = parse_vary(f"{key}=choice({text})", source)
    axis = resolve(path, dist) if resolve is not None else resolve_inputs({}, [(path, dist)], source)[0]
    values = tuple(axis.distribution["values"])
    if len(set(map(repr, values))) != len(values):
        raise InputError([Problem(source, axis.path, f"repeats a value in {text!r}; allowed: distinct values")])
    return GridAxis(axis.path, values)


@dataclass(frozen=True)
class SweepSpec:
    """Everything that fixes a sweep's numbers (picklable: dask workers get it)."""

    source: str
    raw: Mapping[str, Any]
    sets: tuple[str, ...]
    inputs: tuple[UncertainInput, ...]
    grid: tuple[GridAxis, ...]
    samples: int
    method: str
    seed: int
    years: tuple[int, ...]
    sensitivity: bool
    sensitivity_samples: int
    notes: tuple[str, ...] = ()
    correlations: tuple[tuple[int, int, float, str], ...] = ()
    """Rank correlations: (input index, input index, Spearman rho, source)."""
    token: str = field(default="", compare=False)
    """A digest of the above (each process caches its groups and sample under it)."""

    @property
    def grid_points(self) -> list[tuple[Any, ...]]:
        return list(itertools.product(*(a.values for a in self.grid)))

    @property
    def n_variants(self) -> int:
        return self.samples * math.prod(len(a.values) for a in self.grid)


def prepare_sweep(
    path: str | Path,
    *,
    samples: int | None = None,
    method: str | None = None,
    seed: int | None = None,
    sets: Sequence[str] = (),
    vary: Sequence[str] = (),
    grid: Sequence[str] = (),
    sensitivity: bool = True,
    sensitivity_samples: int = 512,
    correlate: Sequence[str] = (),
    catalog: Catalog | None = None,
    text: str | None = None,
) -> SweepSpec:
    """Read and check a sweep: the file (with ``--set``), its ``[uncertainty]``, ``--vary`` and ``--grid``.

    With ``text`` (the file's TOML, e.g. a shipped scenario) no file is read: ``path`` only names it."""
    cat = catalog or load_catalog()
    source = str(path)
    raw = apply_overrides(raw_scenario(path) if text is None else parse_toml(text, source), sets)
    scn = scenario_from_dict(raw, source, catalog=cat)
    section = scn.uncertainty
    from_file: dict[str, Distribution] = section.distributions() if section is not None else {}
    from_cli = [parse_vary(v) for v in vary]
    inputs = resolve_inputs(from_file, from_cli, source)
    axes = tuple(parse_grid(g) for g in grid)
    problems = []
    grid_paths = {a.path for a in axes}
    for u in inputs:
        if u.path in grid_paths:
            problems.append(Problem("--grid", u.path, "is also sampled; allowed: a key either sampled or on the grid"))
    if not inputs and not axes:
        problems.append(
            Problem(source, "uncertainty.inputs", "nothing to vary; allowed: [uncertainty.inputs], --vary or --grid")
        )
    n = samples if samples is not None else (section.samples if section is not None else 1024)
    if not 1 <= n <= MAX_SAMPLES:
        problems.append(Problem("--samples", "", f"found {n}; allowed: 1 to {MAX_SAMPLES:,}"))
    m = method or (section.method if section is not None else "sobol")
    if m not in METHODS:
        problems.append(Problem("--method", "", f"found {m!r}; allowed: {', '.join(METHODS)}"))
    points = math.prod(len(a.values) for a in axes)
    if points > MAX_GRID_POINTS:
        problems.append(Problem("--grid", "", f"{points:,} grid points; allowed: at most {MAX_GRID_POINTS:,}"))
    elif n * points > MAX_SAMPLES:
        problems.append(
            Problem("--samples", "", f"{n:,} samples x {points} grid points; allowed: at most {MAX_SAMPLES:,} variants")
        )
    if sensitivity_samples < 2 or sensitivity_samples & (sensitivity_samples - 1):
        problems.append(Problem("--sensitivity-samples", "", f"found {sensitivity_samples}; allowed: a power of 2"))
    correlations = _correlations(source, section, correlate, inputs, problems)
    if problems:
        raise InputError(problems)
    notes = tuple(f"{u.path}: {u.note}" for u in inputs if u.note)
    if correlations and sensitivity and inputs:
        given = "1 rank correlation is" if len(correlations) == 1 else f"{len(correlations)} rank correlations are"
        notes += (f"no Sobol sensitivity: its indices assume independent inputs, and {given} given",)
    spec = SweepSpec(
        source,
        raw,
        tuple(sets),
        inputs,
        axes,
        n,
        m,
        scn.scenario.seed if seed is None else seed,
        tuple(scn.years),
        sensitivity and bool(inputs) and not correlations,
        sensitivity_samples,
        notes,
        correlations,
    )
    digest = hashlib.sha256(pickle.dumps((spec, str(cat.__class__)))).hexdigest()[:16]
    return SweepSpec(**{**spec.__dict__, "token": digest})


def _correlations(
    source: str,
    section: Any,
    correlate: Sequence[str],
    inputs: Sequence[UncertainInput],
    problems: list[Problem],
) -> tuple[tuple[int, int, float, str], ...]:
    """The file's ``[[uncertainty.correlation]]`` and ``--correlate`` (which replaces the file's
    for the same pair) as input indices, checked: both paths sampled, the matrix valid."""
    given: dict[frozenset[str], tuple[str, str, float, str, str, str]] = {}
    for k, c in enumerate(section.correlation if section is not None else ()):
        where = (source, f"uncertainty.correlation[{k}].inputs")
        given[frozenset(c.inputs)] = (*c.inputs, c.rank, c.source, *where)
    for item in correlate:
        try:
            a, b, rho = parse_correlate(item)
        except InputError as err:
            problems.extend(err.problems)
            continue
        given[frozenset((a, b))] = (a, b, rho, "", "--correlate", item)
    index = {u.path: i for i, u in enumerate(inputs)}
    out: list[tuple[int, int, float, str]] = []
    origins = {file for *_, file, _ in given.values()}
    for a, b, rho, src, file, where in given.values():
        missing = [p for p in (a, b) if p not in index]
        if missing:
            problems.append(
                Problem(
                    file,
                    where,
                    f"{', '.join(missing)} is not sampled; allowed: a path of [uncertainty.inputs] or --vary",
                )
            )
            continue
        out.append((index[a], index[b], rho, src))
    if out and not problems:
        try:
            np.linalg.cholesky(target_matrix(len(inputs), [(i, j, r) for i, j, r, _ in out]))
        except np.linalg.LinAlgError:
            pairs = "; ".join(f"{inputs[i].path} ~ {inputs[j].path} = {r:g}" for i, j, r, _ in out)
            problems.append(
                Problem(
                    " and ".join(sorted(origins)),
                    "uncertainty.correlation",
                    f"these rank correlations cannot hold together ({pairs}); allowed: a positive definite set "
                    "(weaken one of them)",
                )
            )
    return tuple(sorted(out))


def unit_points(spec: SweepSpec) -> np.ndarray:
    """The sweep's ``(samples, inputs)`` unit-cube points, with its rank correlations induced."""
    u = unit_sample(spec.method, spec.samples, len(spec.inputs), spec.seed)
    return rank_correlate(u, [(i, j, r) for i, j, r, _ in spec.correlations], spec.seed)


class Evaluator:
    """Carries variants' values through the whole chain, group by group (cached per process)."""

    def __init__(self, spec: SweepSpec, catalog: Catalog | None = None):
        self.spec = spec
        self.catalog = catalog or load_catalog()
        self.groups: dict[tuple[Any, ...], GroupPlan] = {}
        self.discrete = [i for i, u in enumerate(spec.inputs) if u.discrete]
        self.continuous = [i for i, u in enumerate(spec.inputs) if not u.discrete]

    def group(self, key: tuple[Any, ...]) -> GroupPlan:
        if key not in self.groups:
            if len(self.groups) >= MAX_GROUPS:
                raise InputError(
                    [
                        Problem(
                            self.spec.source,
                            "uncertainty.inputs",
                            f"more than {MAX_GROUPS} distinct combinations of discrete values (choices, whole "
                            "numbers, grid points); allowed: fewer (narrow a whole-number range or give choices)",
                        )
                    ]
                )
            paths = [self.spec.inputs[i].path for i in self.discrete] + [a.path for a in self.spec.grid]
            self.groups[key] = build_group(
                self.spec.raw,
                self.spec.sets,
                list(zip(paths, key, strict=True)),
                [self.spec.inputs[i] for i in self.continuous],
                self.spec.source,
                self.catalog,
                every_probe=not self.groups,
            )
        return self.groups[key]

    def outputs(
        self, values: Sequence[np.ndarray], grid: Sequence[np.ndarray], threads: int = 1
    ) -> dict[str, np.ndarray]:
        """Every recorded per-year column, ``(n, T)``, for ``n`` variants: ``values`` per input, ``grid`` per axis."""
        n = len(values[0]) if values else len(grid[0])
        return assemble(n, self.by_group(values, grid, threads))

    def by_group(self, values: Sequence[np.ndarray], grid: Sequence[np.ndarray], threads: int = 1) -> Groups:
        """Each group's variants (their indices among the ``n``) and recorded per-year columns,
        ``(variants of the group, T)``, in the order :func:`_groups` gives the groups.

        ``threads`` > 1 runs the groups on that many threads. numpy lets go of the GIL inside
        its loops, so two groups of a few thousand variants share two cores (a 100,000-variant
        sweep of the flagship: about 1 s less on two). Each group is computed on its own, from
        its own plan, so the numbers do not depend on the threads. The plans are built in order
        on this thread (each is cached), the next while the threads run the groups planned."""
        n = len(values[0]) if values else len(grid[0])
        x = np.column_stack([values[i] for i in self.continuous]) if self.continuous else np.zeros((n, 0))
        groups = _groups([values[i] for i in self.discrete] + list(grid), n)

        def one(plan: GroupPlan, idx: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
            bundle = plan.bundle(x[idx])
            run = pipeline.run_batch(
                plan.scenario,
                bundle["campus"],  # type: ignore[arg-type]
                catalog=self.catalog,
                options=OPTIONS,
                analysis_inputs={k: v for k, v in bundle.items() if k != "campus"},
                payloads=False,  # a sweep records columns only (the blocks took ~10 ms a group)
            )
            return idx, outputs_of(run)

        if threads <= 1 or len(groups) < 2:
            return [one(self.group(key), idx) for key, idx in groups]
        with ThreadPoolExecutor(min(threads, len(groups))) as pool:
            # each task in a copy of this thread's context: the work budget in force applies there too
            futures = [pool.submit(contextvars.copy_context().run, one, self.group(key), idx) for key, idx in groups]
            return [f.result() for f in futures]


Groups = list[tuple[np.ndarray, dict[str, np.ndarray]]]
"""Each group's variants (indices) and its recorded columns, ``(variants of the group, T)``."""


def blank(
    shape: tuple[int, ...], col: np.ndarray, numeric: Callable[[tuple[int, ...]], np.ndarray] | None = None
) -> np.ndarray:
    """Room for a recorded column: NaN floats for a numeric one, or ``numeric(shape)`` if given
    (shared or uninitialised memory that the caller fills whole), and ``None`` for any other (what
    a variant whose group does not record the column keeps)."""
    if col.dtype.kind not in "fiub":
        return np.empty(shape, object)
    return np.full(shape, np.nan) if numeric is None else numeric(shape)


def blanks(
    groups: Groups,
    n: int,
    *,
    years_first: bool = False,
    numeric: Callable[[tuple[int, ...]], np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """A :func:`blank` column of ``n`` variants for each column the groups record, in the order
    they first appear (each column's kind from the first group recording it): ``(n, T)``, or
    ``(T, n)`` with ``years_first``."""
    out: dict[str, np.ndarray] = {}
    for _, res in groups:
        for name, col in res.items():
            if name not in out:
                out[name] = blank((col.shape[1], n) if years_first else (n, col.shape[1]), col, numeric)
    return out


def recorded_names(groups: Groups) -> list[str]:
    """The recorded columns of a chunk's groups, in the order they first appear."""
    return list(dict.fromkeys(name for _, res in groups for name in res))


def assemble(n: int, groups: Groups) -> dict[str, np.ndarray]:
    """The groups' columns as the chunk's ``(n, T)`` columns, each variant in its row."""
    out = blanks(groups, n)
    for idx, res in groups:
        for name, col in res.items():
            out[name][idx] = col
    return out


def _plain(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(v.item() if isinstance(v, np.generic) else v for v in key)


def _groups(columns: Sequence[np.ndarray], n: int) -> list[tuple[tuple[Any, ...], np.ndarray]]:
    """The distinct rows of the discrete ``columns`` (each a key, plain Python values) and the
    variants having each, in the order each first appears."""
    if not columns:
        return [((), np.arange(n))]
    codes = np.zeros(n, dtype=np.int64)
    for col in columns:
        # a code per distinct value (by repr for objects, as a key compares them), then per combination
        as_text = np.asarray([repr(v) for v in col.tolist()]) if col.dtype.kind == "O" else col
        _, inverse = np.unique(as_text, return_inverse=True)
        codes = codes * (int(inverse.max()) + 1) + inverse.reshape(-1)
        codes = np.unique(codes, return_inverse=True)[1].reshape(-1)  # renumbered: below n, never overflows
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    out = []
    for g in np.argsort(first, kind="stable"):
        rows = np.flatnonzero(inverse.reshape(-1) == g)
        out.append((_plain(tuple(col[rows[0]] for col in columns)), rows))
    return out


_CACHE: dict[str, tuple[Evaluator, np.ndarray]] = {}


def _cached(spec: SweepSpec) -> tuple[Evaluator, np.ndarray]:
    """This process's evaluator and unit-cube sample for ``spec`` (one kept at a time)."""
    if spec.token not in _CACHE:
        _CACHE.clear()
        _CACHE[spec.token] = (Evaluator(spec), unit_points(spec))
    return _CACHE[spec.token]


def sample_points(spec: SweepSpec) -> np.ndarray:
    """The sweep's unit-cube points: this process's cached ones when its chunks ran here, else
    drawn again (the same points: they depend on the seed and the method alone)."""
    cached = _CACHE.get(spec.token)
    return cached[1] if cached is not None else unit_points(spec)


def variant_values(spec: SweepSpec, start: int, stop: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each input's and each grid axis's value for variants ``start`` to ``stop - 1``."""
    _, u = _cached(spec)
    k = np.arange(start, stop)
    i, g = k % spec.samples, k // spec.samples
    values = [inp.values(u[i, j]) for j, inp in enumerate(spec.inputs)]
    points = spec.grid_points
    grid = [np.asarray([points[p][a] for p in g], dtype=object) for a in range(len(spec.grid))]
    return values, grid


def default_chunk_size(spec: SweepSpec, n_columns: int = 64) -> int:
    """Variants per chunk so that a chunk stays within :data:`CHUNK_BYTES`."""
    per_variant = _BYTES_PER_VALUE * n_columns * len(spec.years)
    return int(max(256, min(_MAX_CHUNK, CHUNK_BYTES // per_variant)))


def even_chunk_size(n: int, most: int) -> int:
    """The chunk size that splits ``n`` variants into as few chunks of at most ``most`` as it
    can, all of one size but the last, which is shorter by fewer variants than there are chunks:
    the worker processes then get even shares, where ``most`` itself could leave one short chunk."""
    chunks = max(1, -(-n // max(1, most)))
    return max(1, -(-n // chunks))


def chunk_plan(n: int, size: int) -> list[tuple[int, int, int]]:
    """``(index, start, stop)`` of each chunk."""
    return [(c, s, min(s + size, n)) for c, s in enumerate(range(0, n, size))]


def chunk_columns(
    spec: SweepSpec, start: int, stop: int, threads: int = 1
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Variants ``start`` to ``stop - 1`` through the whole chain: each input's column by key path
    and each recorded output, ``(n, T)``; the groups on ``threads`` threads."""
    columns, groups = chunk_groups(spec, start, stop, threads)
    return columns, assemble(stop - start, groups)


def chunk_groups(spec: SweepSpec, start: int, stop: int, threads: int = 1) -> tuple[dict[str, np.ndarray], Groups]:
    """:func:`chunk_columns` with the outputs left by group (their variants' indices from
    ``start``), for a caller that puts them in place itself."""
    evaluator, _ = _cached(spec)
    values, grid = variant_values(spec, start, stop)
    groups = evaluator.by_group(values, grid, threads)
    columns: dict[str, np.ndarray] = {u.path: v for u, v in zip(spec.inputs, values, strict=True)}
    columns.update({a.path: object_column(g, a.values) for a, g in zip(spec.grid, grid, strict=True)})
    return columns, groups


def run_chunk(spec: SweepSpec, index: int, start: int, stop: int, parts: str) -> int:
    """Evaluate variants ``start`` to ``stop - 1`` and write ``parts/part-<index>.parquet``; the row count."""
    columns, outputs = chunk_columns(spec, start, stop)
    return store.write_part(store.part_file(Path(parts), index), np.arange(start, stop), columns, outputs, spec.years)


def run_chunk_into(
    spec: SweepSpec, index: int, start: int, stop: int, body: str, schema: Any, parts: str
) -> tuple[int, Any]:
    """Evaluate variants ``start`` to ``stop - 1`` and append them to the sweep's one file
    ``body`` (:func:`store.append_part`; ``parts/part-<index>.parquet`` if ``schema`` does not
    take them); the rows and the row groups written."""
    columns, outputs = chunk_columns(spec, start, stop)
    fallback = store.part_file(Path(parts), index)
    return store.append_part(Path(body), schema, np.arange(start, stop), columns, outputs, spec.years, fallback)


def input_records(inputs: Sequence[UncertainInput]) -> list[dict[str, Any]]:
    """The sweep document's ``inputs``: each varied key, its distribution and where it was given."""
    return [
        {
            "path": u.path,
            "distribution": u.distribution.to_dict(),
            "written": u.distribution.describe(),
            "unit": u.type.unit,
            "origin": u.origin,
            "discrete": u.discrete,
            "note": u.note,
            "source": u.distribution.source,
        }
        for u in inputs
    ]


def object_column(values: np.ndarray, domain: Sequence[Any] | None = None) -> np.ndarray:
    """An object column as numbers when it holds numbers; its type from ``domain`` (every value
    the column can hold, e.g. a grid axis's) when given, so that every chunk of a sweep gives the
    column one type (a part of ``--grid site.pue=1,1.5`` holding only the 1s is still DOUBLE)."""
    kinds = values if domain is None else domain
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in kinds):
        return values.astype(float) if any(isinstance(v, float) for v in kinds) else values.astype(np.int64)
    return values.astype(str) if all(isinstance(v, str) for v in kinds) else values


def sensitivity_outputs(
    spec: SweepSpec, chunk_size: int | None = None, threads: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], int]:
    """The Saltelli design's outputs at the last year (grid point 0): ``f_A``, ``f_B`` (s, n), ``f_AB``
    (d, s, n), the numeric column names, and the evaluations it took (``chunk_size`` at a time)."""
    evaluator, _ = _cached(spec)
    n, d = spec.sensitivity_samples, len(spec.inputs)
    a, b, ab = saltelli_design(n, d, spec.seed)
    points = np.concatenate([a, b, ab.reshape(d * n, d)])
    grid0 = spec.grid_points[0]
    size = chunk_size or default_chunk_size(spec)
    cols: dict[str, list[np.ndarray]] = {}
    for start in range(0, len(points), size):
        u = points[start : start + size]
        values = [inp.values(u[:, j]) for j, inp in enumerate(spec.inputs)]
        grid = [np.asarray([grid0[i]] * len(u), dtype=object) for i in range(len(spec.grid))]
        for name, col in evaluator.outputs(values, grid, threads).items():
            if col.dtype.kind in "fiub":
                cols.setdefault(name, []).append(np.asarray(col[:, -1], dtype=float))
    names = sorted(cols)
    f = np.stack([np.concatenate(cols[c]) for c in names])  # (s, (d + 2) n)
    f_a, f_b = f[:, :n], f[:, n : 2 * n]
    f_ab = f[:, 2 * n :].reshape(len(names), d, n).transpose(1, 0, 2)
    return f_a, f_b, f_ab, names, len(points)
