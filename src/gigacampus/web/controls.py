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

from gigacampus.analyses.policy.section import Policy
from gigacampus.catalog import Catalog
from gigacampus.catalog.regimes import load_regimes
from gigacampus.scenario.core import Fleet, Phase, Quota, Site

__all__ = ["field_bounds", "key_controls"]


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
        return controls
    controls.append(
        _number("quota.units_per_year", "Quota: accelerators a year", Quota, "units_per_year", values, 10_000)
    )
    controls.append(_number("quota.campus_share", "Quota: campus share", Quota, "campus_share", values, 0.05))
    return controls
