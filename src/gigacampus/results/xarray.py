"""Results as :mod:`xarray` Datasets: named dimensions, units and meanings in attributes.

A run is a cube: per-year columns along ``year``, per-phase counts along ``(year, phase)``,
accelerators by model along ``(year, accelerator)`` and, with an export policy, chips by holder
along ``(year, holder)``. A batch of variants adds a leading ``variant`` dimension.
xarray is imported when a Dataset is first asked for, not on ``import gigacampus``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gigacampus.model.columns import PER_MODEL, ColumnTable

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "BATCH_VIEW",
    "HOLDER_FIELDS",
    "PHASE_FIELDS",
    "batch_dataset",
    "batch_view_rows",
    "columns_dataset",
    "unique_names",
]

#: Per-phase counts of a run: (variable name, unit, meaning).
PHASE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("accelerator_slots", "accelerators", "accelerators the phase's power can hold"),
    ("accelerators", "accelerators", "accelerators in service in the phase at the year end"),
    ("accelerators_added", "accelerators/year", "accelerators installed in the phase in the year"),
    ("accelerators_retired", "accelerators/year", "accelerators retired from the phase in the year"),
    ("accelerators_wanted", "accelerators/year", "accelerators the phase asked for in the year"),
)

#: Per-holder numbers of the policy block's years: (key in the block, unit, meaning).
HOLDER_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("allocated", "accelerators/year", "what the holder's share of the caps allowed it to import"),
    ("shipped", "accelerators/year", "accelerators shipped to the holder for this campus"),
    ("installed", "accelerators", "the holder's accelerators in service at the campus"),
    ("h100e_delivered", "H100e/year", "H100-equivalents shipped to the holder"),
    ("h100e_installed", "H100e", "the holder's H100-equivalents in service at the campus"),
)


def unique_names(names: Sequence[str]) -> list[str]:
    """Names made unique for an index: repeats get ``(2)``, ``(3)``, ..."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _attrs(table: ColumnTable | None, name: str) -> dict[str, str]:
    col = table.get(name) if table is not None else None
    if col is None:
        return {}
    out = {"units": col.unit if col.unit not in ("", "-") else "1"}
    if getattr(col, "description", ""):
        out["long_name"] = str(col.description)
    owner = table.owner(name) if table is not None else None
    out["analysis"] = owner or "core"
    return out


def columns_dataset(
    columns: Mapping[str, np.ndarray],
    years: Sequence[int],
    table: ColumnTable | None,
    *,
    variant: Sequence[int] | None = None,
    models: Sequence[str] = (),
    per_model: np.ndarray | None = None,
    phases: Sequence[str] = (),
    per_phase: Mapping[str, np.ndarray] | None = None,
    phase_coords: Mapping[str, tuple[Sequence[Any], str]] | None = None,
    holders: Sequence[str] = (),
    per_holder: Mapping[str, np.ndarray] | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """A Dataset from per-year columns and the optional per-model, per-phase and per-holder cubes.

    Without ``variant`` the arrays have no variant axis (``(T,)``, ``(T, P)``, ...); with it, each
    has a leading one of that length. ``phase_coords`` maps a coordinate name to (one value per
    phase, unit), e.g. the accelerator id or the year each phase comes online.
    """
    import xarray as xr

    lead = ("variant",) if variant is not None else ()
    data: dict[str, Any] = {}
    for name, values in columns.items():
        arr = np.asarray(values)
        if name == "year" or arr.ndim != len(lead) + 1:
            continue
        if arr.dtype == object:
            arr = arr.astype(str)
        data[name] = xr.Variable((*lead, "year"), arr, attrs=_attrs(table, name))
    if per_model is not None and len(models):
        attrs_model = {**_attrs(table, PER_MODEL), "long_name": "accelerators in service by model at the year end"}
        attrs_model.setdefault("units", "accelerators")
        data["accelerators_by_model"] = xr.Variable((*lead, "year", "accelerator"), per_model, attrs=attrs_model)
    units = dict((n, (u, m)) for n, u, m in PHASE_FIELDS)
    for name, values in (per_phase or {}).items():
        unit, meaning = units.get(name, ("", ""))
        data[f"{name}_by_phase"] = xr.Variable(
            (*lead, "year", "phase"), values, attrs={"units": unit, "long_name": meaning}
        )
    holder_units = dict((n, (u, m)) for n, u, m in HOLDER_FIELDS)
    for name, values in (per_holder or {}).items():
        unit, meaning = holder_units.get(name, ("", ""))
        data[f"{name}_by_holder"] = xr.Variable(
            (*lead, "year", "holder"), values, attrs={"units": unit, "long_name": meaning}
        )
    coords: dict[str, Any] = {"year": ("year", np.asarray(years, dtype=np.int64), {"units": "year"})}
    if variant is not None:
        coords["variant"] = ("variant", np.asarray(variant, dtype=np.int64))
    if per_model is not None and len(models):
        coords["accelerator"] = ("accelerator", list(models))
    if phases:
        coords["phase"] = ("phase", unique_names(list(phases)))
        for name, (values, unit) in (phase_coords or {}).items():
            coords[name] = ("phase", list(values), {"units": unit} if unit else {})
    if holders:
        coords["holder"] = ("holder", unique_names(list(holders)))
    return xr.Dataset(data, coords=coords, attrs=dict(attrs or {}))


def batch_dataset(
    inputs: Any,
    outputs: Any,
    columns: Mapping[str, np.ndarray],
    table: ColumnTable | None,
    attrs: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """A Dataset of a batch of variants: every ``(S, T)`` column along ``(variant, year)`` and the
    model's per-phase and per-model counts along ``(variant, year, phase)`` and
    ``(variant, year, accelerator)``. ``inputs`` and ``outputs`` are the batch's
    :class:`~gigacampus.model.CampusInputs` and :class:`~gigacampus.model.CampusOutputs`."""
    installed = np.asarray(outputs.accelerators)
    per_model = np.stack(
        [installed[:, :, inputs.phase_model == m].sum(axis=2) for m in range(len(inputs.models))], axis=-1
    )
    per_phase = {
        "accelerator_slots": outputs.slots,
        "accelerators": outputs.accelerators,
        "accelerators_added": outputs.accelerators_added,
        "accelerators_retired": outputs.accelerators_retired,
        "accelerators_wanted": outputs.demand,
    }
    models = list(inputs.models)
    return columns_dataset(
        columns,
        [int(y) for y in inputs.years],
        table,
        variant=list(range(installed.shape[0])),
        models=models,
        per_model=per_model,
        phases=list(inputs.phase_names),
        per_phase=per_phase,
        phase_coords={"phase_accelerator": ([models[int(m)] for m in inputs.phase_model], "")},
        attrs=attrs,
    )


#: Last-year columns summarised in a batch's text and notebook views: (column, label, divisor, format).
BATCH_VIEW: tuple[tuple[str, str, float, str], ...] = (
    ("facility_power_mw", "Facility MW", 1.0, "{:,.0f}"),
    ("accelerators", "Accelerators", 1.0, "{:,.0f}"),
    ("h100e", "H100e", 1.0, "{:,.0f}"),
    ("energy_mwh", "Energy GWh", 1e3, "{:,.0f}"),
    ("tco_usd_per_accelerator_hour", "TCO USD/acc-h", 1.0, "{:,.3f}"),
    ("campus_job_goodput", "Goodput", 1.0, "{:.3f}"),
)


def batch_view_rows(columns: Mapping[str, np.ndarray]) -> list[tuple[str, str, str, str]]:
    """(label, min, median, max) over the variants of each :data:`BATCH_VIEW` column's last year."""
    rows = []
    for name, label, div, form in BATCH_VIEW:
        values = np.asarray(columns.get(name, []), dtype=float)
        if values.ndim != 2 or not values.size:
            continue
        last = values[:, -1] / div
        last = last[np.isfinite(last)]
        if last.size:
            rows.append((label, *(form.format(v) for v in (last.min(), np.median(last), last.max()))))
    return rows
