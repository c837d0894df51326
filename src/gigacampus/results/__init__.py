"""Results as documented tables with canonical column names, and the summary JSON.

:class:`Result` holds one scenario's run: a ``timeline`` table (one row per year), a
``by_phase`` table (one row per year and phase), a ``phases`` table (one row per phase),
every effective input, and the named ``blocks`` of the analyses that ran (built by
:func:`gigacampus.pipeline.run`; :meth:`Result.with_block` adds one to a copy, e.g. in a notebook).

The tables are kept as numpy columns and plain rows; ``timeline``, ``by_phase`` and ``phases``
build pandas tables from them on first use. A command that only prints or writes files never
imports pandas (a fifth of a cold ``gigacampus run``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from gigacampus._version import __version__
from gigacampus.catalog import Catalog
from gigacampus.jsonable import jsonable
from gigacampus.model import CampusInputs, CampusOutputs, campus_full_year, phase_full_years
from gigacampus.model.columns import PER_MODEL, ColumnTable
from gigacampus.results.headline import headline_sentences
from gigacampus.results.xarray import HOLDER_FIELDS, PHASE_FIELDS, columns_dataset
from gigacampus.scenario import ResolvedInput, Scenario, resolve

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

__all__ = ["Result", "build_result", "headline_sentences", "jsonable"]

#: Columns of the notebook view's year table: (column, header, divisor, format).
_REPR_COLUMNS: tuple[tuple[str, str, float, str], ...] = (
    ("facility_power_mw", "Facility MW", 1.0, "{:,.0f}"),
    ("accelerators", "Accelerators", 1.0, "{:,.0f}"),
    ("h100e", "H100e", 1.0, "{:,.0f}"),
    ("dense_bf16_flops", "BF16 EFLOP/s", 1e18, "{:,.1f}"),
    ("energy_mwh", "Energy GWh", 1e3, "{:,.0f}"),
    ("binding_constraint", "Binding", 1.0, "{}"),
    ("capex_usd", "Capex USD bn", 1e9, "{:,.2f}"),
    ("campus_job_goodput", "Goodput", 1.0, "{:.2f}"),
)


@dataclass(frozen=True)
class Result:
    """One scenario's results.

    Attributes
    ----------
    scenario:
        The validated scenario.
    seed:
        Seed of every random draw made for this run.
    columns:
        The year table by column: each a numpy array with one value per year of ``years``,
        with the columns of the run's column table (``table``) and ``accelerators_<id>`` per
        accelerator model, in the order of ``timeline``.
    phase_year_rows:
        One row per phase and year (the rows of ``by_phase``).
    phase_rows:
        One row per phase (the rows of ``phases``).
    inputs:
        Every effective input with its origin.
    blocks:
        Extra summary sections added by analyses (e.g. ``"policy"``), JSON-ready.
    """

    scenario: Scenario
    seed: int
    year_index: tuple[int, ...]
    """The years of the horizon, in order: the index of ``timeline``."""
    columns: Mapping[str, np.ndarray]
    phase_year_rows: tuple[Mapping[str, Any], ...]
    phase_rows: tuple[Mapping[str, Any], ...]
    inputs: tuple[ResolvedInput, ...]
    headline: Mapping[str, Any]
    explanations: tuple[str, ...]
    gigacampus_version: str = __version__
    blocks: Mapping[str, Any] = field(default_factory=dict)
    table: ColumnTable | None = None
    """The column table of the run (units, dtypes and meaning of every column)."""
    analysis_explanations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Each analysis's sentences saying what bound and why (its ``Block.explanations``), by name."""

    @property
    def years(self) -> list[int]:
        return list(self.year_index)

    @cached_property
    def timeline(self) -> pd.DataFrame:
        """One row per year (index ``year``): :attr:`columns` as a pandas table."""
        import pandas as pd

        index = pd.Index(np.asarray(self.year_index, dtype=np.int64), name="year")
        return pd.DataFrame(dict(self.columns), index=index)

    @cached_property
    def by_phase(self) -> pd.DataFrame:
        """One row per year and phase: slots, installed, added, retired, wanted."""
        import pandas as pd

        return pd.DataFrame(list(self.phase_year_rows))

    @cached_property
    def phases(self) -> pd.DataFrame:
        """One row per phase: power, accelerator, system, capacity and the year it is full."""
        import pandas as pd

        return pd.DataFrame(list(self.phase_rows))

    @cached_property
    def rows(self) -> tuple[dict[str, Any], ...]:
        """The year table as one dict per year (``year`` first), its values Python numbers,
        booleans and strings."""
        return _year_rows(self.year_index, self.columns)

    def with_block(self, name: str, block: Any, columns: pd.DataFrame | None = None) -> Result:
        """A copy with a summary block and, optionally, extra per-year columns (indexed by year)."""
        if columns is None:
            return replace(self, blocks={**self.blocks, name: block})
        joined = self.timeline.join(columns, how="left")  # refuses a column the table has already
        extra = {str(c): joined[c].to_numpy() for c in columns.columns}
        return replace(self, blocks={**self.blocks, name: block}, columns={**self.columns, **extra})

    def units(self) -> dict[str, str]:
        """Unit of every key of ``years[]`` and ``phases`` (empty for text and flags)."""
        if self.table is None:
            return {}
        present = {"year", "by_accelerator", *self.columns, *(k for row in self.phase_rows for k in row)}
        return {k: u for k, u in self.table.units().items() if k in present}

    @property
    def model_ids(self) -> list[str]:
        """Accelerator ids used by the scenario's phases, in first-use order."""
        return list(dict.fromkeys(ph.accelerator for ph in self.scenario.phase))

    def year_records(self) -> list[dict[str, Any]]:
        """The ``years`` list of summary.json: timeline rows with a ``by_accelerator`` map."""
        per_model = {f"accelerators_{m}": m for m in self.model_ids}
        records = []
        for row in self.rows:
            rec = {c: v for c, v in row.items() if c not in per_model}
            rec["by_accelerator"] = {m: row[c] for c, m in per_model.items()}
            records.append(rec)
        return jsonable(records)

    def __repr__(self) -> str:
        h = self.headline
        info = self.scenario.scenario
        full = f"full in {h['full_year']}" if h.get("full_year") else "not full"
        blocks = ", ".join(self.blocks) or "none"
        return (
            f"<gigacampus.Result {info.name!r} {info.start_year}-{info.end_year}, seed {self.seed}>\n"
            f"  {h['year']}: {h['facility_power_mw']:,.0f} MW, {h['accelerators']:,} accelerators, "
            f"{h['h100e']:,.0f} H100e, {h['dense_bf16_exaflops']:,.1f} dense BF16 EFLOP/s; {full}\n"
            f"  tables: timeline {len(self.year_index)} x {len(self.columns)}, by_phase {len(self.phase_year_rows)} x "
            f"{len(self.phase_year_rows[0]) if self.phase_year_rows else 0}, inputs {len(self.inputs)}\n"
            f"  analyses: {blocks}"
        )

    def _repr_html_(self) -> str:
        """The notebook view: the headline in sentences and a compact year-by-year table."""
        esc = html.escape
        info = self.scenario.scenario
        sentences = "".join(f"<p style='margin:2px 0'>{esc(s)}</p>" for s in headline_sentences(self.to_summary()))
        cols = [c for c in _REPR_COLUMNS if c[0] in self.columns]
        head = "".join(f"<th style='text-align:right'>{esc(h)}</th>" for _, h, _, _ in cols)
        rows = []
        for row in self.rows:
            year = row["year"]
            cells = []
            for name, _, div, form in cols:
                value = row[name]
                if isinstance(value, str):
                    text = value
                elif value is None or value != value:
                    text = "-"
                else:
                    text = form.format(value / div)
                cells.append(f"<td style='text-align:right'>{esc(text)}</td>")
            rows.append(f"<tr><td>{esc(str(year))}</td>{''.join(cells)}</tr>")
        return (
            f"<div class='gigacampus-result'><strong>{esc(info.name)}</strong> "
            f"({info.start_year}-{info.end_year}, seed {self.seed})"
            f"{sentences}<table><thead><tr><th>Year</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            f"<p style='margin:2px 0;color:#5b6770'>.timeline, .by_phase and .phases are pandas tables; "
            f".to_xarray() gives a Dataset; .to_summary() the summary.json document.</p></div>"
        )

    def to_xarray(self) -> xr.Dataset:
        """The run as an :class:`xarray.Dataset` with dimensions ``year``, ``phase``, ``accelerator``
        and, when the scenario has an export policy, ``holder``; each variable's ``units`` (and
        ``long_name``) in its attributes."""
        per_model_cols = [f"accelerators_{m}" for m in self.model_ids]
        columns = {str(c): self.timeline[c].to_numpy() for c in self.timeline.columns if c not in per_model_cols}
        per_model = self.timeline[per_model_cols].to_numpy() if per_model_cols else None
        names = [ph.name for ph in self.scenario.phase]
        n_years, n_phases = len(self.timeline), len(names)
        per_phase = {name: self.by_phase[name].to_numpy().reshape(n_phases, n_years).T for name, _, _ in PHASE_FIELDS}
        phase_coords = {
            "phase_accelerator": (list(self.phases["accelerator"]), ""),
            "phase_online_year": (list(self.phases["online_year"]), "year"),
            "phase_power_mw": (list(self.phases["power_mw"]), "MW"),
        }
        holders, per_holder = _holder_cube(self.blocks.get("policy"), self.years)
        info = self.scenario.scenario
        return columns_dataset(
            columns,
            self.years,
            self.table,
            models=self.model_ids,
            per_model=per_model,
            phases=names,
            per_phase=per_phase,
            phase_coords=phase_coords,
            holders=holders,
            per_holder=per_holder,
            attrs={"scenario": info.name, "seed": self.seed, "gigacampus_version": self.gigacampus_version},
        )

    def to_summary(self) -> dict[str, Any]:
        """The summary.json document."""
        info = self.scenario.scenario
        summary: dict[str, Any] = {
            "scenario": {
                "name": info.name,
                "description": info.description,
                "start_year": info.start_year,
                "end_year": info.end_year,
                "years": self.years,
                "seed": self.seed,
                "site": self.scenario.site.name,
                "sources": list(info.sources),
            },
            "gigacampus_version": self.gigacampus_version,
            "seed": self.seed,
            "headline": dict(self.headline),
            "explanations": list(self.explanations),
            "phases": [dict(row) for row in self.phase_rows],
            "years": self.year_records(),
            "inputs": [i.to_dict() for i in self.inputs],
            "units": self.units(),
        }
        for name, block in self.blocks.items():
            summary[name] = block
        return jsonable(summary)


def _holder_cube(block: Any, years: Sequence[int]) -> tuple[list[str], dict[str, np.ndarray]]:
    """Holder names and ``(year, holder)`` arrays of the policy block's per-holder numbers."""
    if not isinstance(block, Mapping) or not block.get("holders"):
        return [], {}
    names = [str(h["name"]) for h in block["holders"]]
    index = {name: j for j, name in enumerate(names)}
    cube = {key: np.full((len(years), len(names)), np.nan) for key, _, _ in HOLDER_FIELDS}
    row_of = {int(y): t for t, y in enumerate(years)}
    for rec in block.get("years", []):
        t = row_of.get(int(rec["year"]))
        for entry in rec.get("holders", []) if t is not None else []:
            j = index.get(str(entry.get("holder")))
            for key in cube:
                value = entry.get(key)
                if j is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
                    cube[key][t, j] = value
    return names, cube


def _year_rows(years: Sequence[int], columns: Mapping[str, np.ndarray]) -> tuple[dict[str, Any], ...]:
    """One dict per year (``year`` first) of Python values from a table held by column."""
    names = list(columns)
    values = zip(*(np.asarray(columns[name]).tolist() for name in names), strict=True)
    return tuple(
        {"year": int(year), **dict(zip(names, row, strict=True))} for year, row in zip(years, values, strict=True)
    )


def _explain(year: int, row: Mapping[str, Any], prev_power: float) -> str:
    binding = row["binding_constraint"]
    added, wanted = int(row["accelerators_added"]), int(row["accelerators_wanted"])
    retired = int(row["accelerators_retired"])
    power = row["facility_power_mw"]
    lead = f"{year}: {power:,.0f} MW online"
    if power > prev_power and prev_power > 0:
        lead += f" (+{power - prev_power:,.0f} MW)"
    if binding == "none":
        return f"{year}: no power online yet, so nothing to install."
    if binding == "power":
        text = (
            f"{lead}; power bound: the campus holds {int(row['accelerator_slots']):,} accelerators "
            f"in whole systems and is full"
        )
        if added:
            text += f" after {added:,} were installed"
            if retired:
                text += f" ({retired:,} of them replacing retirements)"
        return text + "."
    cut_quota = int(row["accelerators_cut_by_quota"])
    cut_supply = int(row["accelerators_cut_by_supply"])
    cut_approval = int(row.get("accelerators_cut_by_approval", 0))
    parts = []
    if cut_quota:
        parts.append(f"the quota held back {cut_quota:,}")
    if cut_approval:
        parts.append(f"no approved holder with room could take {cut_approval:,}")
    if cut_supply:
        parts.append(f"vendor supply held back {cut_supply:,}")
    return (
        f"{lead}; {binding} bound: {added:,} of the {wanted:,} accelerators wanted were shipped "
        f"({' and '.join(parts)}), leaving {row['stranded_power_mw']:,.0f} MW without accelerators."
    )


def build_result(
    scenario: Scenario,
    catalog: Catalog,
    inputs: CampusInputs,
    outputs: CampusOutputs,
    *,
    columns: Mapping[str, np.ndarray],
    blocks: Mapping[str, Any],
    provenance: Sequence[ResolvedInput],
    table: ColumnTable,
    analysis_explanations: Mapping[str, tuple[str, ...]] | None = None,
    variant: int = 0,
    seed: int | None = None,
) -> Result:
    """Tables for one variant of a model run."""
    v = variant
    years = inputs.years
    installed = outputs.accelerators[v]  # (T, P)
    data: dict[str, Any] = {}
    for name in table.names("year"):
        if name == "year":
            continue
        if name == PER_MODEL:
            for m, model_id in enumerate(inputs.models):
                data[f"accelerators_{model_id}"] = installed[:, inputs.phase_model == m].sum(axis=1).astype(np.int64)
            continue
        if name in columns:
            data[name] = columns[name][v]
    for name in list(data):
        col = table.get(name)
        if col is not None and col.dtype == "int":
            values = np.asarray(data[name], dtype=np.float64)
            if not np.isfinite(values).all():
                raise ValueError(f"column {name!r} is declared int but holds NaN or inf; declare it float")
            data[name] = np.rint(values).astype(np.int64)
        elif col is not None and col.dtype == "bool":
            data[name] = np.asarray(data[name]).astype(bool)
        elif col is not None and col.dtype == "str":
            data[name] = np.asarray(data[name]).astype(object)
        else:  # a copy: the result never shares memory with the batch's outputs
            data[name] = np.array(data[name])

    rows = []
    phase_rows = []
    full_years = phase_full_years(inputs, outputs, v)
    for p, ph in enumerate(scenario.phase):
        system = catalog.system_for(ph.accelerator, ph.system)
        for t, year in enumerate(years):
            rows.append(
                {
                    "year": int(year),
                    "phase": ph.name,
                    "accelerator": ph.accelerator,
                    "accelerator_slots": int(outputs.slots[v, t, p]),
                    "accelerators": int(installed[t, p]),
                    "systems": int(round(outputs.systems[v, t, p])),
                    "accelerators_added": int(outputs.accelerators_added[v, t, p]),
                    "accelerators_retired": int(outputs.accelerators_retired[v, t, p]),
                    "accelerators_wanted": int(outputs.demand[v, t, p]),
                }
            )
        capacity = int(outputs.slots[v, -1, p])
        phase_rows.append(
            {
                "name": ph.name,
                "online_year": ph.online_year,
                "power_mw": ph.power_mw,
                "power_basis": resolve.power_basis(ph, scenario),
                "accelerator": ph.accelerator,
                "system": system.id,
                "accelerator_it_power_w": float(inputs.accelerator_power_w[v, p]),
                "accelerators_per_system": int(inputs.accelerators_per_system[v, p]),
                "system_slots": int(round(capacity / inputs.accelerators_per_system[v, p])),
                "accelerator_slots": capacity,
                "full_year": full_years[p],
            }
        )
    last = {name: values[-1] for name, values in data.items()}
    full_year = campus_full_year(inputs, outputs, v)
    headline = {
        "year": int(years[-1]),
        "facility_power_mw": float(last["facility_power_mw"]),
        "it_power_mw": float(last["it_power_mw"]),
        "accelerators": int(last["accelerators"]),
        "systems": int(last["systems"]),
        "h100e": float(last["h100e"]),
        "dense_bf16_exaflops": float(last["dense_bf16_flops"]) / 1e18,
        "dense_fp8_exaflops": float(last["dense_fp8_flops"]) / 1e18,
        "full_year": full_year,
        "energy_mwh_total": float(np.sum(data["energy_mwh"])),
        "binding_constraints": {int(y): str(b) for y, b in zip(years, data["binding_constraint"], strict=True)},
    }
    prev = np.concatenate([[0.0], np.asarray(data["facility_power_mw"], dtype=np.float64)[:-1]])
    year_index = tuple(int(y) for y in years)
    explanations = tuple(_explain(row["year"], row, prev[i]) for i, row in enumerate(_year_rows(year_index, data)))
    return Result(
        scenario=scenario,
        seed=scenario.scenario.seed if seed is None else seed,
        year_index=year_index,
        columns=data,
        phase_year_rows=tuple(rows),
        phase_rows=tuple(phase_rows),
        inputs=tuple(provenance),
        headline=headline,
        explanations=explanations,
        blocks=dict(blocks),
        table=table,
        analysis_explanations=dict(analysis_explanations or {}),
    )
