"""Export-control classification of an accelerator under ECCN 3A090.

* TPP (Total Processing Performance) = 2 x MacTOPS x bit length, the highest over the
  precisions the part supports; the datasheet's dense TOP/s already count 2 ops per MAC, so
  TPP = dense TOP/s x bit length (computed by :mod:`gigacampus.catalog`).
* Performance density = TPP / die area [mm2], where the die area is published.
* The outcome comes from the threshold rows in ``catalog/data/eccn_3a090.csv``, tried in
  order; the first row that matches gives the classification. A row that needs the density
  of a part whose die area is unknown cannot be decided: if no earlier row matched, the
  outcome is ``undetermined`` and the reason says what is missing.

Two kinds of "H100-equivalent" appear in policy texts. gigacampus's ``h100e`` divides dense
8-bit throughput by the H100's 1,979 TOP/s. Export rules and the analyses of them (CSIS,
SemiAnalysis) count H100-equivalents by TPP; :attr:`Classification.h100_tpp_equivalents`
gives that figure (TPP / the H100's 15,832).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from gigacampus.catalog import H100E_REFERENCE_ID, Catalog
from gigacampus.catalog.tables import read_table

__all__ = ["NOT_CONTROLLED", "UNDETERMINED", "Classification", "Threshold", "classify", "load_thresholds"]

NOT_CONTROLLED = "not controlled by 3A090"
UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class Threshold:
    """One paragraph of ECCN 3A090 as data."""

    id: str
    eccn: str
    tpp_min: float
    tpp_below: float | None
    density_min: float | None
    density_below: float | None
    rule_text: str
    source: str
    retrieved: object = None
    notes: str | None = None

    @property
    def needs_density(self) -> bool:
        return self.density_min is not None or self.density_below is not None

    def test(self, tpp: float, density: float | None) -> tuple[bool | None, str]:
        """``(matches, why)``; ``matches`` is ``None`` when the density is needed but unknown."""
        if tpp < self.tpp_min:
            return False, f"TPP {tpp:,.0f} < {self.tpp_min:,.0f}"
        if self.tpp_below is not None and tpp >= self.tpp_below:
            return False, f"TPP {tpp:,.0f} >= {self.tpp_below:,.0f}"
        tpp_text = f"TPP {tpp:,.0f} >= {self.tpp_min:,.0f}"
        if self.tpp_below is not None:
            tpp_text += f" and < {self.tpp_below:,.0f}"
        if not self.needs_density:
            return True, tpp_text
        if density is None:
            return None, f"{tpp_text} but the die area is not published, so the density test cannot be made"
        if self.density_min is not None and density < self.density_min:
            return False, f"performance density {density:.2f} < {self.density_min:g}"
        if self.density_below is not None and density >= self.density_below:
            return False, f"performance density {density:.2f} >= {self.density_below:g}"
        bounds = f">= {self.density_min:g}" if self.density_min is not None else ""
        if self.density_below is not None:
            bounds += f"{' and ' if bounds else ''}< {self.density_below:g}"
        return True, f"{tpp_text} and performance density {density:.2f} {bounds}"


@cache
def load_thresholds() -> tuple[Threshold, ...]:
    """The shipped 3A090 thresholds, in the order they are tried."""
    return tuple(Threshold(**row) for row in read_table("eccn_3a090"))


@dataclass(frozen=True)
class Classification:
    """An accelerator's export-control figures and its 3A090 outcome."""

    accelerator: str
    name: str
    tpp: float
    tpp_precision: str
    die_area_mm2: float | None
    performance_density: float | None
    h100e: float
    h100_tpp_equivalents: float
    eccn: str
    paragraph: str | None
    reason: str
    checks: tuple[tuple[str, str], ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["checks"] = [{"paragraph": p, "result": r} for p, r in self.checks]
        data["units"] = {"tpp": "TPP", "die_area_mm2": "mm2", "performance_density": "TPP/mm2", "h100e": "H100e"}
        return data


def classify(accelerator_id: str, catalog: Catalog, thresholds: tuple[Threshold, ...] | None = None) -> Classification:
    """Classify one catalog accelerator (``KeyError`` for an unknown id)."""
    acc = catalog.accelerators[accelerator_id]
    rows = load_thresholds() if thresholds is None else thresholds
    tpp, density = acc.tpp, acc.performance_density
    checks: list[tuple[str, str]] = []
    outcome, paragraph, reason = NOT_CONTROLLED, None, ""
    pending: list[Threshold] = []
    for row in rows:
        matches, why = row.test(tpp, density)
        checks.append((row.id, ("matches: " if matches else "") + why))
        if matches is None:
            pending.append(row)
        elif matches:
            if pending:
                outcome = UNDETERMINED
                reason = (
                    f"{why} would give {row.eccn} ({row.id}), but {pending[0].id} comes first and needs the "
                    f"performance density, which is unknown without a published die area"
                )
            else:
                outcome, paragraph, reason = row.eccn, row.id, f"{why} ({row.id})"
            break
    else:
        if pending:
            outcome = UNDETERMINED
            reason = f"{pending[0].id} needs the performance density, which is unknown without a published die area"
        else:
            reason = "; ".join(f"{pid}: {why}" for pid, why in checks) or "no thresholds given"
    used = [r for r in rows if r.id == paragraph] or list(rows)
    source = " ; ".join(dict.fromkeys(s.strip() for r in used for s in r.source.split(" ; ")))
    h100_tpp = catalog.accelerators[H100E_REFERENCE_ID].tpp
    return Classification(
        accelerator=acc.id,
        name=acc.name,
        tpp=tpp,
        tpp_precision=acc.tpp_precision,
        die_area_mm2=acc.die_area_mm2,
        performance_density=density,
        h100e=catalog.h100e(acc.id),
        h100_tpp_equivalents=tpp / h100_tpp,
        eccn=outcome,
        paragraph=paragraph,
        reason=reason,
        checks=tuple(checks),
        source=source,
    )
