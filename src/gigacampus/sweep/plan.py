"""How a sweep turns sampled key-path values into batches for :func:`gigacampus.pipeline.run_batch`.

Generic over the scenario schema: nothing here knows which key path feeds which array.

* Discrete inputs (a ``choice``, a whole-number or text key, a ``--grid`` axis) split the
  variants into *groups*; each group is its own scenario, built exactly as
  ``gigacampus run FILE --set path=value ...`` builds it (the same key-path parser and loader).
* Continuous inputs are mapped onto the batched inputs (the campus model's and every
  analysis's own) by *probing*: the group's scenario is built at an anchor (the distribution's
  median) and at two more values of each input; every batched array element that changes must
  change affinely in the input (checked at the three points to ``1e-9``), else the step that
  derives it (``prepare``, e.g. the clos overhead from the PUE) must re-derive it per variant,
  else the input cannot be sampled continuously (an :class:`~gigacampus.errors.InputError`
  that says to give it as ``choice`` or ``--grid``). Two inputs acting on the same element are
  checked jointly.
* Each group is then *verified*: at every probe point, the mapped batch through the whole chain
  gives the same columns (to ``1e-9``) as the exactly built scenario. An input an analysis
  reads from the scenario rather than from its batched inputs fails here, with its name. The
  groups after a process's first are verified at one point that moves every continuous input
  at once (each to its first probe value), and at every probe point only if that one disagrees.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gigacampus import pipeline
from gigacampus.analyses.reliability.expected import MONTE_CARLO_COLUMNS
from gigacampus.catalog import Catalog
from gigacampus.errors import InputError, Problem
from gigacampus.model.batch import Batch
from gigacampus.scenario import Scenario, apply_overrides, scenario_from_dict
from gigacampus.uncertainty import UncertainInput

__all__ = ["OPTIONS", "RTOL", "GroupPlan", "build_group", "outputs_of", "set_literal"]

#: Run options of every sweep batch: the reliability analysis's exact expectations only.
OPTIONS: dict[str, dict[str, Any]] = {"reliability": {"expected_only": True}}
#: Relative tolerance of the probes' and the verification's comparisons.
RTOL = 1e-9
_ATOL = 1e-12


def set_literal(value: Any) -> str:
    """``value`` as ``--set`` reads it back exactly (TOML: ``repr`` of a float round-trips)."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return json.dumps(str(value))


def _leaves(obj: Batch, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], np.ndarray]:
    out: dict[tuple[str, ...], np.ndarray] = {}
    for name in type(obj).batch_fields():
        value = getattr(obj, name)
        if isinstance(value, Batch):
            out.update(_leaves(value, (*prefix, name)))
        elif isinstance(value, np.ndarray):
            out[(*prefix, name)] = value
    return out


def _replace(obj: Batch, leaves: Mapping[tuple[str, ...], np.ndarray]) -> Batch:
    changes: dict[str, Any] = {}
    nested: dict[str, dict[tuple[str, ...], np.ndarray]] = {}
    for key, value in leaves.items():
        if len(key) == 1:
            changes[key[0]] = value
        else:
            nested.setdefault(key[0], {})[key[1:]] = value
    for name, sub in nested.items():
        changes[name] = _replace(getattr(obj, name), sub)
    return dataclasses.replace(obj, **changes)  # type: ignore[type-var]


Bundle = dict[str, Batch]
"""The campus inputs (``"campus"``) and each analysis's own batched inputs, by name."""


def _flat(bundle: Bundle) -> dict[tuple[str, ...], np.ndarray]:
    return {(name, *k): v for name, b in bundle.items() for k, v in _leaves(b).items()}


def outputs_of(run: pipeline.BatchRun) -> dict[str, np.ndarray]:
    """The per-year columns a sweep records, ``(S, T)`` each (the Monte Carlo's are left out); a
    text column as an object array holding one ``str`` per distinct text (a sweep's text columns
    hold a few: copied value by value, each element would become a string of its own)."""
    return {k: _shared_texts(v) for k, v in run.columns.items() if k != "year" and k not in MONTE_CARLO_COLUMNS}


def _shared_texts(x: np.ndarray) -> np.ndarray:
    if x.dtype.kind != "U":
        return x
    values, codes = np.unique(x, return_inverse=True)
    return values.astype(object)[codes.reshape(x.shape)]


@dataclass(frozen=True)
class _Term:
    input: int
    """Index into the group's continuous inputs."""
    slope: np.ndarray
    """d element / d input, the leaf's shape without its variant axis (0 where unaffected)."""


@dataclass(frozen=True)
class _LeafMap:
    key: tuple[str, ...]
    copy: int | None
    """An input whose value the whole leaf is (e.g. ``pue``): copied exactly, not recomputed."""
    terms: tuple[_Term, ...]


@dataclass(frozen=True)
class GroupPlan:
    """One group of a sweep: its scenario and how its continuous inputs reach the batches."""

    scenario: Scenario
    base: Bundle
    """The batches at the anchor (``S = 1``)."""
    anchor: np.ndarray
    """(m,) the continuous inputs' anchor values."""
    maps: tuple[_LeafMap, ...]

    def bundle(self, x: np.ndarray) -> Bundle:
        """The batches of ``len(x)`` variants with continuous values ``x`` (n, m)."""
        n = x.shape[0]
        out = {name: b.repeat(n) for name, b in self.base.items()}
        leaves: dict[str, dict[tuple[str, ...], np.ndarray]] = {}
        flat = _flat(self.base)
        for lm in self.maps:
            f0 = flat[lm.key]
            if lm.copy is not None:
                value = np.broadcast_to(x[:, lm.copy].reshape((n,) + (1,) * (f0.ndim - 1)), (n, *f0.shape[1:])).copy()
            else:
                value = np.repeat(f0.astype(float), n, axis=0)
                for t in lm.terms:
                    dx = (x[:, t.input] - self.anchor[t.input]).reshape((n,) + (1,) * (f0.ndim - 1))
                    value = value + t.slope[None] * dx
            leaves.setdefault(lm.key[0], {})[lm.key[1:]] = value
        for name, sub in leaves.items():
            out[name] = _replace(out[name], sub)
        return out


def _build(raw: Mapping[str, Any], sets: Sequence[str], source: str, catalog: Catalog) -> tuple[Scenario, Bundle]:
    scn = scenario_from_dict(apply_overrides(raw, sets), source, catalog=catalog)
    return scn, pipeline.batched_inputs(scn, catalog)


def _problem(source: str, path: str, message: str) -> InputError:
    return InputError([Problem(source, path, message)])


def _close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.isclose(a, b, rtol=RTOL, atol=_ATOL, equal_nan=True)


def build_group(
    raw: Mapping[str, Any],
    base_sets: Sequence[str],
    discrete: Sequence[tuple[str, Any]],
    continuous: Sequence[UncertainInput],
    source: str,
    catalog: Catalog,
    *,
    every_probe: bool = True,
) -> GroupPlan:
    """The plan of one group: ``discrete`` (path, value) pairs fixed, ``continuous`` inputs mapped.

    ``every_probe``: verify at every probe point; else at one point that moves every continuous
    input at once (a group after the first of a sweep), and at every probe only if that fails."""
    fixed = [*base_sets, *(f"{p}={set_literal(v)}" for p, v in discrete)]
    anchor = np.asarray([float(u.values(np.asarray([0.5]))[0]) for u in continuous])

    def sets_at(values: Sequence[float]) -> list[str]:
        return [*fixed, *(f"{u.path}={set_literal(v)}" for u, v in zip(continuous, values, strict=True))]

    scn, base = _build(raw, sets_at(anchor), source, catalog)
    flat0 = _flat(base)
    probes: list[tuple[np.ndarray, Scenario, dict[tuple[str, ...], np.ndarray]]] = []
    per_input: list[list[tuple[float, dict[tuple[str, ...], np.ndarray]]]] = []
    for j, u in enumerate(continuous):
        seen = []
        for q in (0.2, 0.8, 0.05, 0.95):
            v = float(u.values(np.asarray([q]))[0])
            if v != anchor[j] and all(v != s for s, _ in seen):
                point = anchor.copy()
                point[j] = v
                p_scn, p_bundle = _build(raw, sets_at(point), source, catalog)
                _same_structure(base, p_bundle, u, source)
                flat = _flat(p_bundle)
                seen.append((v, flat))
                probes.append((point, p_scn, flat))
            if len(seen) == 2:
                break
        per_input.append(seen)
    maps = _maps(base, flat0, anchor, continuous, per_input, probes, scn, raw, sets_at, source, catalog)
    plan = GroupPlan(scn, base, anchor, maps)
    if every_probe or len(probes) < 2:
        _verify(plan, probes, continuous, source, catalog)
    else:
        joint = anchor.copy()
        for point, _, _ in probes:
            moved = point != anchor
            joint[moved & (joint == anchor)] = point[moved & (joint == anchor)]
        j_scn, _ = _build(raw, sets_at(joint), source, catalog)
        if not _agrees(plan, [(joint, j_scn)], catalog):
            _verify(plan, probes, continuous, source, catalog)
            names = ", ".join(u.path for u in continuous)
            raise _problem(
                source,
                continuous[0].path,
                f"{names} moved together change outputs other than through the batched inputs; give one of "
                "them as choice(...) or with --grid",
            )
    return plan


def _same_structure(base: Bundle, other: Bundle, u: UncertainInput, source: str) -> None:
    if set(base) != set(other):
        raise _problem(source, u.path, "changes which analyses run; allowed as a continuous input only if it does not")
    for name, b in base.items():
        try:
            type(b).stack([b, other[name]])
        except ValueError as exc:
            raise _problem(
                source, u.path, f"changes the structure of the {name} inputs ({exc}); give it as choice(...) or --grid"
            ) from None


def _maps(
    base: Bundle,
    flat0: dict[tuple[str, ...], np.ndarray],
    anchor: np.ndarray,
    continuous: Sequence[UncertainInput],
    per_input: list[list[tuple[float, dict[tuple[str, ...], np.ndarray]]]],
    probes: list[tuple[np.ndarray, Scenario, dict[tuple[str, ...], np.ndarray]]],
    scn: Scenario,
    raw: Mapping[str, Any],
    sets_at: Any,
    source: str,
    catalog: Catalog,
) -> tuple[_LeafMap, ...]:
    derived = _derived(base, per_input, scn, catalog)
    maps = []
    for key, f0 in flat0.items():
        if key in derived:
            continue
        terms: list[_Term] = []
        copy = None
        for j, seen in enumerate(per_input):
            if not seen:
                continue
            (v1, fl1), *rest = seen
            if all(_unchanged(fl[key], f0) for _, fl in seen):
                continue
            moved = (
                [~((fl[key] == f0) | (np.isnan(fl[key]) & np.isnan(f0))) for _, fl in seen]
                if np.issubdtype(f0.dtype, np.floating)
                else []
            )
            finite = all(
                np.isfinite(f0[m]).all() and np.isfinite(fl[key][m]).all()
                for m, (_, fl) in zip(moved, seen, strict=False)
            )
            if not np.issubdtype(f0.dtype, np.floating) or not finite:
                raise _problem(
                    source,
                    continuous[j].path,
                    f"changes whole-number or unbounded inputs ({'.'.join(key)}); give it as choice(...) or --grid",
                )
            with np.errstate(invalid="ignore"):  # inf - inf where an unbounded leaf is unchanged (slope 0)
                slope = np.where(fl1[key] == f0, 0.0, fl1[key] - f0)[0] / (v1 - anchor[j])
            for v2, fl2 in rest:
                predicted = f0 + slope[None] * (v2 - anchor[j])
                if not np.all(_close(predicted, fl2[key])):
                    raise _problem(
                        source,
                        continuous[j].path,
                        f"changes {'.'.join(key)} in a way that is not linear and that no step re-derives per "
                        "variant; give it as choice(...) or with --grid",
                    )
            is_copy = np.all(f0 == anchor[j]) and all(np.all(fl[key] == v) for v, fl in seen)
            if is_copy and not terms:
                copy = j
            terms.append(_Term(j, slope))
        if copy is not None and len(terms) > 1:
            copy = None
        if len(terms) > 1:
            _check_joint(key, f0, terms, anchor, continuous, raw, sets_at, source, catalog)
        if terms:
            maps.append(_LeafMap(key, copy, tuple(terms)))
    return tuple(maps)


def _derived(
    base: Bundle,
    per_input: list[list[tuple[float, dict[tuple[str, ...], np.ndarray]]]],
    scn: Scenario,
    catalog: Catalog,
) -> set[tuple[str, ...]]:
    """Campus leaves a ``prepare`` step re-derives from the rest of the batch (e.g. the clos
    overhead from PUE and power): the prepared anchor batch, with every other leaf of a probe,
    gives that probe's value back."""
    out: set[tuple[str, ...]] = set()
    campus = base["campus"]
    flat0 = _flat(base)  # once: the leaves of the anchor, compared with every probe's
    at_anchor = _leaves(campus)
    campus_leaves = [k for k in flat0 if k[0] == "campus"]
    for seen in per_input:
        for _, flat in seen:
            changed = [k for k in campus_leaves if not _unchanged(flat[k], flat0[k])]
            if not changed:
                continue
            candidate = {k[1:]: flat[k] for k in changed}
            for k in changed:
                trial = dict(candidate)
                trial[k[1:]] = at_anchor[k[1:]]
                again = _leaves(pipeline.prepare_inputs(scn, _replace(campus, trial), catalog=catalog, options=OPTIONS))
                if np.allclose(again[k[1:]], flat[k], rtol=RTOL, atol=_ATOL):
                    out.add(k)
    return out


def _check_joint(
    key: tuple[str, ...],
    f0: np.ndarray,
    terms: list[_Term],
    anchor: np.ndarray,
    continuous: Sequence[UncertainInput],
    raw: Mapping[str, Any],
    sets_at: Any,
    source: str,
    catalog: Catalog,
) -> None:
    point = anchor.copy()
    for t in terms:
        point[t.input] = float(continuous[t.input].values(np.asarray([0.8]))[0])
    _, bundle = _build(raw, sets_at(point), source, catalog)
    predicted = f0.astype(float) + sum(t.slope[None] * (point[t.input] - anchor[t.input]) for t in terms)
    if not np.all(_close(predicted, _flat(bundle)[key])):
        names = " and ".join(continuous[t.input].path for t in terms)
        raise _problem(
            source,
            continuous[terms[0].input].path,
            f"{names} act together on {'.'.join(key)} (not additively); give one of them as choice(...) or --grid",
        )


def _mapped_and_exact(
    plan: GroupPlan, points: Sequence[tuple[np.ndarray, Scenario]], catalog: Catalog
) -> tuple[dict[str, np.ndarray], list[dict[str, np.ndarray]], dict[str, float]]:
    """The mapped batch's columns at ``points``, each point's exactly built run, and their unit scales."""
    x = np.stack([p for p, _ in points])
    bundle = plan.bundle(x)
    mapped = outputs_of(
        pipeline.run_batch(
            plan.scenario,
            bundle["campus"],  # type: ignore[arg-type]
            catalog=catalog,
            options=OPTIONS,
            analysis_inputs={k: v for k, v in bundle.items() if k != "campus"},
            payloads=False,
        )
    )
    # only the columns are compared: no analysis need build its summary block
    runs = [
        outputs_of(pipeline.run_batch(p_scn, catalog=catalog, options=OPTIONS, payloads=False)) for _, p_scn in points
    ]
    return mapped, runs, _unit_scales(runs)


def _agrees(plan: GroupPlan, points: Sequence[tuple[np.ndarray, Scenario]], catalog: Catalog) -> bool:
    mapped, runs, scale = _mapped_and_exact(plan, points, catalog)
    return not any(_disagreeing(mapped, runs, scale))


def _disagreeing(
    mapped: Mapping[str, np.ndarray], runs: Sequence[Mapping[str, np.ndarray]], scale: Mapping[str, float]
) -> list[list[str]]:
    """For each point ``i``, the columns of its exact run (in their order) whose row ``i`` of the
    mapped batch is not :func:`_equal` to it. Each column is compared at all the points at once
    (a group's first verification compares ~60 columns at ~16 points)."""
    same: dict[str, dict[int, bool]] = {}
    for name in dict.fromkeys(name for exact in runs for name in exact):
        rows = [i for i, exact in enumerate(runs) if name in exact]
        verdicts = _equal_rows(mapped[name], rows, [runs[i][name][0] for i in rows], scale.get(_unit(name), 0.0))
        same[name] = dict(zip(rows, verdicts, strict=True))
    return [[name for name in exact if not same[name][i]] for i, exact in enumerate(runs)]


def _equal_rows(col: np.ndarray, rows: Sequence[int], exact: Sequence[np.ndarray], scale: float) -> list[bool]:
    """``[_equal(col[i], e, scale) for i, e in zip(rows, exact)]``, in one comparison where it can be."""
    a = col[list(rows)]
    if a.dtype.kind in "OUS" or any(e.dtype.kind in "OUS" or e.shape != a.shape[1:] for e in exact):
        return [_equal(col[i], e, scale) for i, e in zip(rows, exact, strict=True)]
    x, y = np.asarray(a, dtype=float), np.asarray(np.stack(exact), dtype=float)
    close = np.isclose(x, y, rtol=RTOL, atol=max(_ATOL, RTOL * scale), equal_nan=True)
    return [bool(v) for v in close.all(axis=tuple(range(1, close.ndim)))]


def _verify(
    plan: GroupPlan,
    probes: list[tuple[np.ndarray, Scenario, dict[tuple[str, ...], np.ndarray]]],
    continuous: Sequence[UncertainInput],
    source: str,
    catalog: Catalog,
) -> None:
    if not probes:
        return
    mapped, runs, scale = _mapped_and_exact(plan, [(p, p_scn) for p, p_scn, _ in probes], catalog)
    for (point, _, _), bad in zip(probes, _disagreeing(mapped, runs, scale), strict=True):
        if bad:
            j = int(np.flatnonzero(point != plan.anchor)[0])
            raise _problem(
                source,
                continuous[j].path,
                f"changes {', '.join(bad[:3])} other than through the batched inputs (an analysis reads it from "
                "the scenario); give it as choice(...) or with --grid",
            )


def _unchanged(a: np.ndarray, b: np.ndarray) -> bool:
    return _identical(a, b) or bool(np.array_equal(a, b, equal_nan=np.issubdtype(a.dtype, np.floating)))


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two numeric arrays hold the same bits: then ``np.array_equal`` (NaN equal to NaN)
    says they are equal too, and most leaves of a probe are (one compare of bytes, not ~6 ufuncs).
    Different bits may still be equal (0.0 and -0.0, two NaNs): the caller asks numpy then."""
    return a.dtype == b.dtype and a.shape == b.shape and a.dtype.kind in "biuf" and a.tobytes() == b.tobytes()


def _unit(name: str) -> str:
    col = pipeline.COLUMNS.get(name)
    return col.unit if col is not None else name


def _unit_scales(runs: Sequence[Mapping[str, np.ndarray]]) -> dict[str, float]:
    """The largest magnitude of any column of each unit: a difference (a cumulative funding gap of
    a few micro-dollars where the exact run has 0) below ``RTOL`` of it is rounding, not a change."""
    out: dict[str, float] = {}
    for run in runs:
        for name, col in run.items():
            if col.dtype.kind in "fiub":
                x = np.abs(np.asarray(col, dtype=float))
                x = x[np.isfinite(x)]
                if x.size:
                    out[_unit(name)] = max(out.get(_unit(name), 0.0), float(x.max()))
    return out


def _equal(a: np.ndarray, b: np.ndarray, scale: float = 0.0) -> bool:
    if a.dtype.kind in "OUS" or b.dtype.kind in "OUS":
        return bool(np.array_equal(a, b))
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all(np.isclose(x, y, rtol=RTOL, atol=max(_ATOL, RTOL * scale), equal_nan=True)))
