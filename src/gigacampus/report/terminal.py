"""Rich tables for the terminal."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from rich.table import Table
from rich.text import Text

from gigacampus.catalog import Catalog
from gigacampus.results import Result

__all__ = ["catalog_table", "headline_text", "run_table", "section_lines", "titled_table"]

#: Columns of the year-by-year table (the HTML report's table has the same).
RUN_TABLE_HEADERS = (
    "Year",
    "Facility MW",
    "IT MW",
    "Added",
    "Retired",
    "Installed",
    "Binding",
    "Stranded MW",
    "H100e",
    "BF16 EFLOP/s",
    "Energy GWh",
)

_BINDING_STYLE = {"power": "green", "quota": "bold red", "supply": "yellow", "none": "dim"}


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def titled_table(
    title: str, headers: Iterable[str], *, left: Collection[str] = (), no_wrap: bool = False, **options: Any
) -> Table:
    """A table titled at its left with a column per header, right-justified (numbers) unless in ``left``.

    ``no_wrap`` applies to every column; ``options`` go to :class:`rich.table.Table` (e.g. ``caption``).
    """
    table = Table(title=title, title_justify="left", **options)
    for header in headers:
        table.add_column(header, justify="left" if header in left else "right", no_wrap=no_wrap)
    return table


def run_table(result: Result) -> Table:
    """One row per year: power, accelerators added/retired/installed, binding, H100e, EFLOP/s, energy."""
    info = result.scenario.scenario
    table = titled_table(
        f"{info.name}: {info.start_year}-{info.end_year}", RUN_TABLE_HEADERS, left=("Binding",), no_wrap=True
    )
    for row in result.rows:
        binding = str(row["binding_constraint"])
        table.add_row(
            str(row["year"]),
            _n(row["facility_power_mw"]),
            _n(row["it_power_mw"]),
            _n(row["accelerators_added"]),
            _n(row["accelerators_retired"]),
            _n(row["accelerators"]),
            Text(binding, style=_BINDING_STYLE.get(binding, "")),
            _n(row["stranded_power_mw"]),
            _n(row["h100e"]),
            _n(row["dense_bf16_flops"] / 1e18, 1),
            _n(row["energy_mwh"] / 1e3),
        )
    return table


def headline_text(result: Result) -> str:
    """One paragraph: the campus at the end of the horizon and the year it is full."""
    h = result.headline
    models = ", ".join(f"{int(result.columns[f'accelerators_{m}'][-1]):,} {m}" for m in result.model_ids)
    full = f"full in {h['full_year']}" if h["full_year"] else "not full by the end of the horizon"
    return (
        f"In {h['year']}: {h['facility_power_mw']:,.0f} MW facility ({h['it_power_mw']:,.0f} MW IT), "
        f"{h['accelerators']:,} accelerators in {h['systems']:,} systems ({models}), "
        f"{h['h100e']:,.0f} H100e, {h['dense_bf16_exaflops']:,.1f} dense BF16 EFLOP/s; {full}."
    )


def catalog_table(catalog: Catalog, ids: Iterable[str] | None = None) -> Table:
    """Accelerators with their key figures and derived TPP, H100e and per-accelerator IT power."""
    headers = (
        "id",
        "name",
        "year",
        "BF16 TFLOP/s",
        "FP8 TFLOP/s",
        "HBM GB",
        "TB/s",
        "TDP W",
        "TPP",
        "H100e",
        "system",
        "IT W/acc",
    )
    table = titled_table("Accelerators (dense throughput)", headers, left=("id", "name", "system"))
    for acc_id in ids or catalog.accelerators:
        acc = catalog.accelerators[acc_id]
        d = catalog.derived(acc_id)
        table.add_row(
            acc.id,
            acc.name,
            str(acc.release_year),
            _n(acc.dense_bf16_tflops),
            _n(acc.dense_fp8_tflops) if acc.dense_fp8_tflops else "-",
            _n(acc.hbm_gb),
            f"{acc.hbm_bandwidth_tbps:g}",
            _n(acc.tdp_w) if acc.tdp_w else "-",
            _n(d["tpp"]),
            f"{d['h100e']:.2f}",
            d["default_system"],
            _n(d["it_power_w"]) if d["it_power_w"] else "(give)",
        )
    return table


def section_lines(result: Result) -> list[str]:
    """One line each for the network, training and carbon blocks of the last year."""
    lines = []
    net = result.blocks.get("network")
    if net:
        f = net["final_year"]
        known = f["power_mw"] is not None and f["power_mw"] == f["power_mw"]  # None or NaN: no switch power
        power = f"{f['power_mw']:,.1f} MW" if known else "power unknown (give switch_power_w)"
        lines.append(
            f"Network in {f['year']} ({net['switch']['id']}, {net['model']}): {f['switches']:,} switches, "
            f"{f['transceivers']:,} transceivers, {f['cables']:,} cables, {power}."
        )
    tr = result.blocks.get("training")
    if tr and tr["years"]:
        y = tr["years"][-1]
        a = tr["assumptions"]
        lines.append(
            f"Training in {y['year']}: {y['training_flop']:.2e} FLOP in {a['days']:g} days "
            f"({y['versus']['llama-3.1-405b']:,.1f} x Llama 3.1 405B), compute-optimal "
            f"{y['parameters'] / 1e9:,.0f}B parameters on {y['tokens'] / 1e12:,.1f}T tokens; "
            f"details: gigacampus train FILE."
        )
    carbon = result.blocks.get("carbon")
    if carbon:
        lines.append(carbon_line(carbon, result.rows[-1], result.year_index[-1]))
    return lines


def carbon_line(block: dict, last: Mapping[str, Any], year: int) -> str:
    """Emissions and water of the last year, with the intensity and the WUE behind them."""
    intensity = block.get("intensity_kgco2_per_kwh")
    emissions = last.get("emissions_tco2")
    if intensity is None or emissions is None or emissions != emissions:
        carbon = "emissions not computed (give site.grid_kgco2_per_kwh)"
    else:
        mix = ", ".join(f"{p['id']} {p['share']:.0%}" for p in block.get("parts", []))
        carbon = f"{emissions / 1e6:,.2f} MtCO2 at {intensity:.3g} kgCO2/kWh ({mix})"
    water = last.get("water_m3")
    if water is None or water != water:
        used = "water not computed (give carbon.cooling or carbon.wue_l_per_kwh)"
    else:
        amount = f"{water / 1e6:,.2f} million m3" if water >= 1e6 else f"{water:,.0f} m3"
        used = f"{amount} of water on site (WUE {block['wue']['wue_l_per_kwh']:g} L/kWh)"
    return f"Carbon in {year}: {carbon}; {used}."
