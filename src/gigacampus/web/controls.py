"""Dashboard form controls for a scenario's key inputs, with bounds taken from the schema.

Bounds, units and help text come from the pydantic models' field metadata (the same source
as the scenario reference and the CLI's error messages), and each control starts at the run's
effective value (from the summary's ``inputs``), so the dashboard cannot drift from the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import annotated_types as at
from pydantic import BaseModel

from gigacampus.analyses.finance.section import Finance, FinanceSource
from gigacampus.analyses.policy.section import CapSpec, Holder, Policy
from gigacampus.analyses.reliability.section import Reliability
from gigacampus.catalog import Catalog
from gigacampus.catalog.regimes import load_regimes
from gigacampus.scenario.core import Fleet, Phase, Quota, Site

__all__ = ["analysis_controls", "field_bounds", "key_controls"]


def field_bounds(model: type[BaseModel], name: str) -> dict[str, Any]:
    """``minimum``/``maximum`` (and whether each is exclusive), unit, kind and help of one field."""
    info = model.model_fields[name]
    out: dict[str, Any] = {
        "minimum": None,
        "maximum": None,
        "exclusive_minimum": False,
        "exclusive_maximum": False,
    }
    for meta in info.metadata:
        if isinstance(meta, at.Ge):
            out["minimum"] = meta.ge
        elif isinstance(meta, at.Gt):
            out["minimum"], out["exclusive_minimum"] = meta.gt, True
        elif isinstance(meta, at.Le):
            out["maximum"] = meta.le
        elif isinstance(meta, at.Lt):
            out["maximum"], out["exclusive_maximum"] = meta.lt, True
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    unit = str(extra.get("unit", ""))
    out["unit"] = "" if unit == "-" else unit
    annotation = str(info.annotation)
    out["kind"] = "integer" if "int" in annotation and "float" not in annotation else "number"
    out["help"] = " ".join((info.description or "").split())
    default = info.default
    out["schema_default"] = default if isinstance(default, (int, float)) and not isinstance(default, bool) else None
    return out


def _effective(summary: Mapping[str, Any]) -> dict[str, tuple[Any, str]]:
    return {
        str(i["path"]): (i.get("value"), str(i.get("origin", "")))
        for i in summary.get("inputs", [])
        if isinstance(i, Mapping) and "path" in i
    }


def _number(
    path: str, label: str, model: type[BaseModel], name: str, values: Mapping[str, tuple[Any, str]], step: float
) -> dict[str, Any]:
    bounds = field_bounds(model, name)
    value, origin = values.get(path, (bounds["schema_default"], "schema default"))
    return {"path": path, "label": label, "value": value, "origin": origin, "step": step, **bounds}


def key_controls(summary: Mapping[str, Any], catalog: Catalog) -> list[dict[str, Any]]:
    """Controls for power per phase, online year, accelerator, PUE, lifetime and the quota.

    The quota controls follow the scenario: a scenario with ``[policy]`` gets its regime and
    campus share (``[quota]`` and ``[policy]`` exclude each other); otherwise ``[quota]``'s cap.
    """
    controls = _core_controls(summary, catalog)
    return controls + analysis_controls(summary)


def _core_controls(summary: Mapping[str, Any], catalog: Catalog) -> list[dict[str, Any]]:
    values = _effective(summary)
    info = summary["scenario"]
    controls: list[dict[str, Any]] = [_number("site.pue", "PUE", Site, "pue", values, 0.01)]
    options = [
        {
            "value": acc_id,
            "label": f"{acc_id}: {acc.name}"
            + ("" if catalog.system_for(acc_id, None).system_power_kw is not None else " (needs system_power_kw)"),
        }
        for acc_id, acc in catalog.accelerators.items()
    ]
    for i, phase in enumerate(summary.get("phases") or []):
        name = str(phase.get("name", f"phase {i}"))
        controls.append(_number(f"phase[{i}].power_mw", f"{name}: power", Phase, "power_mw", values, 10))
        year = _number(f"phase[{i}].online_year", f"{name}: online year", Phase, "online_year", values, 1)
        # the schema's cross-field rule: a phase comes online within the scenario's years
        year.update(minimum=info["start_year"], maximum=info["end_year"], kind="integer")
        controls.append(year)
        value, origin = values.get(f"phase[{i}].accelerator", (phase.get("accelerator"), "scenario"))
        controls.append(
            {
                "path": f"phase[{i}].accelerator",
                "label": f"{name}: accelerator",
                "kind": "select",
                "value": value,
                "origin": origin,
                "options": options,
                "unit": "",
                "help": " ".join((Phase.model_fields["accelerator"].description or "").split()),
            }
        )
    controls.append(_number("fleet.lifetime_years", "Accelerator lifetime", Fleet, "lifetime_years", values, 1))
    if "policy" in summary:
        regimes = load_regimes()
        current = (summary["policy"].get("regime") or {}).get("id")
        controls.append(
            {
                "path": "policy.regime",
                "label": "Export regime",
                "kind": "select",
                "value": current,
                "origin": values.get("policy.regime", (current, "scenario"))[1],
                "options": [{"value": rid, "label": f"{rid}: {r.name}"} for rid, r in regimes.items()],
                "unit": "",
                "help": " ".join((Policy.model_fields["regime"].description or "").split()),
            }
        )
        controls.append(
            _number("policy.campus_share", "Campus share of the national caps", Policy, "campus_share", values, 0.05)
        )
        return _grouped(controls)
    controls.append(
        _number("quota.units_per_year", "Quota: accelerators a year", Quota, "units_per_year", values, 10_000)
    )
    controls.append(_number("quota.campus_share", "Quota: campus share", Quota, "campus_share", values, 0.05))
    return _grouped(controls)


_CORE_GROUPS = ("Campus", "Phases", "Export quota")


def _grouped(controls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each core control with the heading of its group in the form, in the groups' order."""
    for c in controls:
        path = c["path"]
        if path.startswith("phase["):
            c.setdefault("group", "Phases")
        elif path.startswith(("policy.", "quota.")):
            c.setdefault("group", "Export quota")
        else:
            c.setdefault("group", "Campus")
    return sorted(controls, key=lambda c: _CORE_GROUPS.index(c["group"]))


def analysis_controls(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Controls for the analyses the scenario has: each holder's share and caps ([policy]), the
    prices, market and the interest rate of each financing source that has one ([finance]), and the
    checkpoint, restart and job size ([reliability]). Paths are ``--set`` key paths."""
    values = _effective(summary)
    out: list[dict[str, Any]] = []
    policy = summary.get("policy")
    if isinstance(policy, Mapping):
        for i, holder in enumerate(policy.get("holders") or []):
            name = str(holder.get("name", f"holder {i}"))
            ctl = _number(
                f"policy.holder[{i}].share", f"{name}: share of the national caps", Holder, "share", values, 0.05
            )
            out.append({**ctl, "group": "Holders"})
            for j, cap in enumerate(holder.get("caps") or []):
                path = f"policy.holder[{i}].caps[{j}].amount"
                ctl = _number(
                    path, f"{name}: cap ({cap.get('unit')}, {cap.get('per')})", CapSpec, "amount", values, 1000
                )
                out.append({**ctl, "unit": str(cap.get("unit", "")), "group": "Holders"})
    if "finance" in summary:
        systems = [
            str(i["path"]).split(".", 2)[2]
            for i in summary.get("inputs", [])
            if str(i.get("path", "")).startswith("finance.system_price_usd.")
        ]
        for system in systems:
            path = f"finance.system_price_usd.{system}"
            value, origin = values.get(path, (None, ""))
            bounds = field_bounds(Finance, "facility_usd_per_mw")
            out.append(
                {
                    **bounds,
                    "path": path,
                    "label": f"Price of one {system} system",
                    "value": value,
                    "origin": origin,
                    "step": 10_000,
                    "minimum": 0.0,
                    "maximum": 1e10,
                    "unit": "USD/system",
                    "help": "Price of one system (rack or server) in USD of the price year; default: the catalog's.",
                    "group": "Finance",
                }
            )
        for name, label, step in (
            ("facility_usd_per_mw", "Facility cost per MW of IT power", 100_000),
            ("networking_share", "Networking, as a share of system capex", 0.01),
            ("market_price_usd_per_accelerator_hour", "Market rental price per accelerator-hour", 0.1),
            ("rental_utilization", "Share of hours rented", 0.01),
        ):
            out.append({**_number(f"finance.{name}", label, Finance, name, values, step), "group": "Finance"})
        # the weighted average cost of capital comes from each source's rate (debt interest, equity return)
        for i, source in enumerate(summary["finance"].get("sources") or []):
            who = source.get("partner", f"source {i}") if isinstance(source, Mapping) else f"source {i}"
            ctl = _number(
                f"finance.source[{i}].rate", f"{who}: rate (cost of capital)", FinanceSource, "rate", values, 0.005
            )
            if isinstance(source, Mapping) and source.get("rate") is not None:
                ctl.update(value=source["rate"], origin=values.get(ctl["path"], (None, "scenario"))[1])
            out.append({**ctl, "group": "Finance"})
    if "reliability" in summary:
        for name, label, step in (
            ("checkpoint_s", "Checkpoint time", 5),
            ("restart_s", "Restart time", 30),
            ("job_fraction", "Fraction job: share of the campus", 0.05),
        ):
            out.append(
                {**_number(f"reliability.{name}", label, Reliability, name, values, step), "group": "Reliability"}
            )
    return out
