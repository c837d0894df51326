"""The reliability analysis of a scenario run (applies with a ``[reliability]`` section).

Each year, for a synchronous job on every installed accelerator (year end) and for one on
``job_fraction`` of them: the failure rate, the interval, the exact expected goodput, Monte Carlo
percentiles of ``job_days``-long runs, whether the campus-wide job is viable (expected goodput
at least ``min_goodput``) and, if not, the longest checkpoint or restart that would make it so;
the fleet's availability from the repair simulation, the spares each job needs, and the
expected failures per day of each phase.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from gigacampus.analyses.contract import Analysis, Block, Context, OwnInputs, with_section
from gigacampus.analyses.reliability import renewal
from gigacampus.analyses.reliability.charts import reliability_charts
from gigacampus.analyses.reliability.engine import simulate_job
from gigacampus.analyses.reliability.expected import ReliabilityInputs, expected_columns
from gigacampus.analyses.reliability.fleet import (
    RepairPolicy,
    campus_availability,
    exact_availability,
    spares_needed,
)
from gigacampus.analyses.reliability.section import Reliability
from gigacampus.analyses.reliability.work import check_checkpoints, check_work, estimate_work
from gigacampus.catalog import Catalog
from gigacampus.catalog.failure_rates import COMPONENTS, FailureRates, catalog_rates
from gigacampus.model import CampusInputs
from gigacampus.model.columns import Column, read_columns
from gigacampus.scenario import ResolvedInput, Scenario, section_rows
from gigacampus.scenario.resolve import default_row
from gigacampus.units import (
    DAYS_PER_FAILURE_YEAR,
    SECONDS_PER_DAY,
    SECONDS_PER_FAILURE_YEAR,
    SECONDS_PER_HOUR,
    duration,
)

__all__ = ["COLUMN_UNITS", "RELIABILITY", "scenario_rates"]

#: Days between points of the availability series in the summary.
SERIES_EVERY_DAYS = 30


def scenario_rates(rel: Reliability, accelerator_id: str) -> FailureRates:
    """Failure rates of one accelerator under the ``[reliability]`` section (validated, so one
    of the branches always applies)."""
    if rel.failures_per_accelerator_year is not None:
        return FailureRates({"all": rel.failures_per_accelerator_year}, "scenario")
    overrides = {k: v for k, v in rel.component_rates.model_dump().items() if v is not None}
    base = catalog_rates(accelerator_id)
    if base is None and rel.rates_from is not None:
        rates_from = catalog_rates(rel.rates_from)
        if rates_from is not None:
            base = FailureRates(rates_from.per_component, f"{rates_from.origin} (rates_from)", rates_from.source)
    if base is None:
        return FailureRates({c: float(overrides[c]) for c in COMPONENTS}, "scenario")
    if not overrides:
        return base
    return FailureRates({**base.per_component, **overrides}, f"{base.origin}+scenario", base.source)


def _job(
    accelerators: int, rate_per_acc_year: float, rel: Reliability, target: float, seed: np.random.SeedSequence
) -> dict[str, Any]:
    """One job's numbers for one year."""
    lam = accelerators * rate_per_acc_year / SECONDS_PER_FAILURE_YEAR
    c, r, rf = rel.checkpoint_s, rel.restart_s, rel.restart_failures
    out: dict[str, Any] = {"accelerators": accelerators, "failures_per_day": lam * SECONDS_PER_DAY}
    if accelerators == 0 or lam == 0:
        interval = rel.interval_s
        g = None if interval is None or accelerators == 0 else float(interval / (interval + c))
        out.update(mtbf_h=None, interval_s=interval, goodput=g, goodput_p5=g, goodput_p95=g)
        out["viable"] = g is not None and g >= target
        out.update(max_checkpoint_s=None, max_restart_s=None, young_daly_interval_s=None, common_scale=None)
        return out
    interval = rel.interval_s if rel.interval_s is not None else float(renewal.optimal_interval_s(lam, c))
    g = float(renewal.expected_goodput(lam, interval, c, r, rf))
    horizon = rel.job_days * SECONDS_PER_DAY
    path = "reliability.interval_s" if rel.interval_s is not None else "reliability.checkpoint_s"
    check_checkpoints(horizon, interval, c, "scenario", path)
    samples = simulate_job(lam, interval, c, r, horizon, rel.replicas, seed, restart_failures=rf)
    mc = samples.checkpoints * interval / horizon
    max_c = float(renewal.max_checkpoint_s(lam, r, target, rf))
    max_r = float(renewal.max_restart_s(lam, c, target, rf))
    # 1 exactly when the job is viable already (what max_common_scale returns then), without its bisection
    scale = 1.0 if g >= target else float(renewal.max_common_scale(lam, c, r, target, rf))
    out.update(
        mtbf_h=1.0 / lam / SECONDS_PER_HOUR,
        interval_s=interval,
        young_daly_interval_s=float(renewal.young_daly_interval_s(lam, c)),
        goodput=g,
        goodput_p5=float(np.percentile(mc, 5)),
        goodput_p95=float(np.percentile(mc, 95)),
        viable=g >= target,
        max_checkpoint_s=None if math.isnan(max_c) else max_c,
        max_restart_s=None if math.isnan(max_r) else max_r,
        common_scale=scale,
    )
    return out


def _goodput(accelerators: float, rate_per_acc_year: float, rel: Reliability) -> float | None:
    """Expected long-run goodput of a job (at the given interval, or the best one for its size)."""
    if accelerators <= 0:
        return None
    lam = accelerators * rate_per_acc_year / SECONDS_PER_FAILURE_YEAR
    c, r, rf = rel.checkpoint_s, rel.restart_s, rel.restart_failures
    if rel.interval_s is None:
        return float(renewal.optimal_goodput(lam, c, r, rf))
    return float(renewal.expected_goodput(lam, rel.interval_s, c, r, rf))


def _best_job(installed: int, rate_per_acc_year: float, rel: Reliability) -> dict[str, Any]:
    """The job size at most ``installed`` with the most useful compute, accelerators x expected
    goodput (:func:`renewal.best_job_size`), and how many such jobs the fleet holds at once."""
    size = renewal.best_job_size(
        installed,
        rate_per_acc_year / SECONDS_PER_FAILURE_YEAR,
        rel.checkpoint_s,
        rel.restart_s,
        rel.restart_failures,
        rel.interval_s,
    )
    return {
        "accelerators": size,
        "goodput": _goodput(size, rate_per_acc_year, rel),
        "concurrent_jobs": installed // size if size else 0,
    }


def _largest_phase_job(
    scenario: Scenario,
    catalog: Catalog,
    installed_p: np.ndarray,
    rates: Mapping[str, FailureRates],
    rel: Reliability,
) -> dict[str, Any]:
    """A job on the phase (one fabric) with the most dense BF16 compute installed, at that
    phase's accelerators' failure rate (what ``[training] scope = "largest_phase"`` runs)."""
    flops = [
        float(int(installed_p[p])) * catalog.accelerators[ph.accelerator].dense_bf16_tflops
        for p, ph in enumerate(scenario.phase)
    ]
    p = int(np.argmax(flops))
    n = int(installed_p[p])
    rate = rates[scenario.phase[p].accelerator].failures_per_accelerator_year
    return {"phase_index": p, "phase": scenario.phase[p].name, "accelerators": n, "goodput": _goodput(n, rate, rel)}


def _verdict(job: dict[str, Any], rel: Reliability, target: float) -> str:
    head = (
        f"campus-wide job ({job['accelerators']:,}) fails every {duration(job['mtbf_h'] * SECONDS_PER_HOUR)}, "
        f"goodput {job['goodput']:.2f} (p5 {job['goodput_p5']:.2f}, p95 {job['goodput_p95']:.2f})"
    )
    if job["viable"]:
        return head + ": viable"
    fixes = []
    if job["max_checkpoint_s"] is not None:
        c = job["max_checkpoint_s"]
        fixes.append(f"checkpoint <= {c * 1e3:.2g} ms" if c < 0.1 else f"checkpoint <= {duration(c)}")
    if job["max_restart_s"] is not None:
        fixes.append(f"restart <= {duration(job['max_restart_s'])}")
    if fixes:
        return head + f": not viable; needs {' or '.join(fixes)}"
    f = job["common_scale"]
    return (
        head + f": not viable; needs checkpoint and restart both {1 / f:,.0f}x shorter "
        f"({duration(f * rel.checkpoint_s)} and {duration(f * rel.restart_s)})"
    )


class _Fleet:
    """The fleet's availability for the analysis: exact (Poisson, :class:`ExactAvailability`) with
    unlimited crews and no daily cap, else the Monte Carlo of :func:`campus_availability`."""

    def __init__(
        self,
        years: np.ndarray,
        installed: np.ndarray,
        hw_per_acc: np.ndarray,
        policy: RepairPolicy,
        replicas: int,
        seed: np.random.SeedSequence,
    ) -> None:
        self.exact = (
            exact_availability(years, installed, hw_per_acc, policy)
            if policy.crews is None and policy.repairs_per_day is None
            else None
        )
        self.samples = None if self.exact else campus_availability(years, installed, hw_per_acc, policy, replicas, seed)
        source = self.exact or self.samples
        assert source is not None
        self.day_year, self.installed = source.day_year, source.installed
        self.method = "exact (Poisson: unlimited crews, no daily cap)" if self.exact else "monte carlo"

    def quantiles(self, days: np.ndarray, qs: tuple[float, ...]) -> list[float | None]:
        """Percentiles ``qs`` of the available fraction over ``days`` (a mask of recorded days)."""
        if self.exact is not None:
            return self.exact.available_quantiles(days, qs)
        assert self.samples is not None
        chosen = self.samples.available_fraction[:, days]
        finite = chosen[np.isfinite(chosen)]
        return [float(np.percentile(finite, q)) if finite.size else None for q in qs]

    def day_quantiles(self, days: np.ndarray, qs: tuple[float, ...]) -> list[list[float | None]]:
        """Percentiles ``qs`` of the available fraction on each of ``days`` (indices) separately."""
        if self.exact is not None:
            return self.exact.day_quantiles(days, qs)
        assert self.samples is not None
        out = []
        for d in days:
            col = self.samples.available_fraction[:, d]
            ok = col[np.isfinite(col)]
            out.append([float(np.percentile(ok, q)) if ok.size else None for q in qs])
        return out

    def spares(
        self, job_accelerators: int, probability: float, days: np.ndarray, seed: np.random.SeedSequence, *, cold: bool
    ) -> int:
        if self.exact is not None:
            return self.exact.spares(job_accelerators, probability, days, cold=cold)
        assert self.samples is not None
        down = 1.0 - self.samples.available_fraction[:, days]
        installed = self.samples.installed[days]
        return spares_needed(job_accelerators, down, probability, seed, cold=cold, installed=installed)


_fleet = _Fleet


def _variant(
    scenario: Scenario,
    catalog: Catalog,
    run_seed: int,
    years: np.ndarray,
    installed_tp: np.ndarray,
    *,
    n_variants: int = 1,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The block and the per-year column records of one variant (``installed_tp`` is (T, P))."""
    rel = scenario.reliability
    assert rel is not None
    target = rel.min_goodput if rel.min_goodput is not None else catalog.default("reliability.min_goodput").value
    repair_days = rel.repair_days if rel.repair_days is not None else catalog.default("reliability.repair_days").value
    policy = RepairPolicy(repair_days, rel.repair_shape, rel.repair_crews, rel.repairs_per_day)
    ss_jobs, ss_fleet, ss_spares = np.random.SeedSequence(run_seed).spawn(3)
    job_seeds = ss_jobs.spawn(2 * years.size)
    spare_seeds = ss_spares.spawn(2 * years.size)

    rates = {acc: scenario_rates(rel, acc) for acc in dict.fromkeys(ph.accelerator for ph in scenario.phase)}
    installed = np.zeros(years.size)
    rate_sum = np.zeros(years.size)  # sum over phases of accelerators x rate [1/year]
    hw_sum = np.zeros(years.size)
    phase_rows = []
    for p, ph in enumerate(scenario.phase):
        fr = rates[ph.accelerator]
        for t, year in enumerate(years):
            n = float(int(installed_tp[t, p]))
            installed[t] += n
            rate_sum[t] += n * fr.failures_per_accelerator_year
            hw_sum[t] += n * fr.hardware_failures_per_accelerator_year
            phase_rows.append(
                {
                    "year": int(year),
                    "phase": ph.name,
                    "accelerator": ph.accelerator,
                    "accelerators": int(n),
                    "failures_per_day": n * fr.failures_per_accelerator_year / DAYS_PER_FAILURE_YEAR,
                    "hardware_failures_per_day": n * fr.hardware_failures_per_accelerator_year / DAYS_PER_FAILURE_YEAR,
                }
            )
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_per_acc = np.where(installed > 0, rate_sum / installed, 0.0)
        hw_per_acc = np.where(installed > 0, hw_sum / installed, 0.0)

    # the work of every loop below, refused above the budget before any starts
    sizes = [int(round(n)) for n in installed]
    jobs = [
        (m, float(r))
        for n, r in zip(sizes, rate_per_acc, strict=True)
        for m in (n, int(math.floor(rel.job_fraction * n)))
        if m > 0 and r > 0
    ]
    work = estimate_work(years.size, policy, rel.replicas, rel.job_days, jobs)
    check_work(work, f"scenario {scenario.scenario.name!r}", variants=n_variants)
    fleet = _fleet(years, installed, hw_per_acc, policy, rel.replicas, ss_fleet)

    records, columns, lines = [], [], []
    texts: list[tuple[list[int], str, list[tuple[float, float, int]]]] = []
    origins = "; ".join(f"{acc}: {fr.origin}, {fr.failures_per_accelerator_year:.3g}" for acc, fr in rates.items())
    lines.append(
        f"Reliability (failures per accelerator-year {origins}; checkpoint {duration(rel.checkpoint_s)}, restart "
        f"{duration(rel.restart_s)}; a job is viable with expected goodput >= {target:.2f}):"
    )
    jobs: dict[tuple[int, float], dict[str, Any]] = {}
    best_jobs: dict[tuple[int, float], dict[str, Any]] = {}

    def job(n: int, rate: float, seed: np.random.SeedSequence) -> dict[str, Any]:
        # years with the same fleet and rates get the same job, drawn once (with the first year's seed)
        if (n, rate) not in jobs:
            jobs[(n, rate)] = _job(n, rate, rel, target, seed)
        return dict(jobs[(n, rate)])

    for t, year in enumerate(years):
        n = int(round(installed[t]))
        n_frac = int(math.floor(rel.job_fraction * n))
        campus = job(n, float(rate_per_acc[t]), job_seeds[2 * t])
        part = job(n_frac, float(rate_per_acc[t]), job_seeds[2 * t + 1])
        in_year = fleet.day_year == year
        quant = fleet.quantiles(in_year, (5, 50, 95))
        spares = [
            fleet.spares(job["accelerators"], rel.spares_probability, in_year, s, cold=rel.cold_spares)
            for job, s in ((campus, spare_seeds[2 * t]), (part, spare_seeds[2 * t + 1]))
        ]
        campus["spares"], part["spares"] = spares
        if (n, float(rate_per_acc[t])) not in best_jobs:  # years with the same fleet: computed once
            best_jobs[(n, float(rate_per_acc[t]))] = _best_job(n, float(rate_per_acc[t]), rel)
        best = dict(best_jobs[(n, float(rate_per_acc[t]))])
        big = _largest_phase_job(scenario, catalog, installed_tp[t], rates, rel)
        availability = {
            "available_fraction_p5": quant[0],
            "available_fraction_median": quant[1],
            "available_fraction_p95": quant[2],
        }
        records.append(
            {
                "year": int(year),
                "campus_job": campus,
                "fraction_job": part,
                "best_job": best,
                "largest_phase_job": big,
                "failures_per_day": rate_sum[t] / DAYS_PER_FAILURE_YEAR,
                "hardware_failures_per_day": hw_sum[t] / DAYS_PER_FAILURE_YEAR,
                **availability,
            }
        )
        columns.append(
            {
                "year": int(year),
                "campus_job_accelerators": n,
                "campus_job_mtbf_h": campus["mtbf_h"],
                "campus_job_interval_s": campus["interval_s"],
                "campus_job_goodput": campus["goodput"],
                "campus_job_viable": campus["viable"],
                "campus_job_spares": campus["spares"],
                "fraction_job_accelerators": n_frac,
                "fraction_job_goodput": part["goodput"],
                "fraction_job_spares": part["spares"],
                "best_job_accelerators": best["accelerators"],
                "best_job_goodput": best["goodput"],
                "largest_phase_job_phase": big["phase_index"],
                "largest_phase_job_accelerators": big["accelerators"],
                "largest_phase_job_goodput": big["goodput"],
                "failures_per_day": rate_sum[t] / DAYS_PER_FAILURE_YEAR,
                "hardware_failures_per_day": hw_sum[t] / DAYS_PER_FAILURE_YEAR,
                "available_fraction_p5": quant[0],
                "available_fraction_median": quant[1],
            }
        )
        if n > 0 and campus["mtbf_h"] is not None:
            text = _verdict(campus, rel, target)
            if part["goodput"] is not None:
                text += f". {rel.job_fraction:.0%} job ({n_frac:,}): {part['goodput']:.2f}"
            fleet_numbers = (quant[1], hw_sum[t] / DAYS_PER_FAILURE_YEAR, campus["spares"])
            if texts and texts[-1][1] == text:  # same jobs as the year before: one line for both
                texts[-1][0].append(int(year))
                texts[-1][2].append(fleet_numbers)
            else:
                texts.append(([int(year)], text, [fleet_numbers]))
    for yrs, text, numbers in texts:
        span = f"{yrs[0]}" if len(yrs) == 1 else f"{yrs[0]}-{yrs[-1]}"
        # over grouped years: the worst availability, the most failures and spares
        avail_low = min(a for a, _, _ in numbers)
        per_day = max(f for _, f, _ in numbers)
        spares_high = max(sp for _, _, sp in numbers)
        lines.append(
            f"{span}: {text}. Fleet {avail_low:.2%} available; {per_day:,.0f} hardware failures/day; "
            f"{spares_high:,} {'cold' if rel.cold_spares else 'hot'} spares keep the campus-wide job whole with "
            f"{rel.spares_probability:.0%} probability."
        )

    every = np.arange(SERIES_EVERY_DAYS - 1, fleet.day_year.size, SERIES_EVERY_DAYS)
    series = []
    for d, (p5, median, p95) in zip(every, fleet.day_quantiles(every, (5, 50, 95)), strict=True):
        series.append(
            {
                "day": int(d + 1),
                "year": int(fleet.day_year[d]),
                "installed": float(fleet.installed[d]),
                "available_fraction_p5": p5,
                "available_fraction_median": median,
                "available_fraction_p95": p95,
            }
        )
    block = {
        "seed": run_seed,
        "inputs": {
            **rel.model_dump(exclude={"component_rates"}),
            "component_rates": rel.component_rates.model_dump(),
            "min_goodput": target,
            "repair_days": repair_days,
            "min_goodput_origin": "scenario" if rel.min_goodput is not None else "catalog:defaults",
            "repair_days_origin": "scenario" if rel.repair_days is not None else "catalog:defaults",
            "min_goodput_source": ""
            if rel.min_goodput is not None
            else catalog.default("reliability.min_goodput").source,
            "repair_days_source": ""
            if rel.repair_days is not None
            else catalog.default("reliability.repair_days").source,
        },
        "rates": {acc: fr.to_dict() for acc, fr in rates.items()},
        "fleet_method": fleet.method,
        "years": records,
        "failures_by_phase": phase_rows,
        "availability_series": series,
        "explanations": lines,
        "units": {
            **COLUMN_UNITS,
            "mtbf_h": "h",
            "interval_s": "s",
            "max_checkpoint_s": "s",
            "max_restart_s": "s",
            "young_daly_interval_s": "s",
        },
    }
    return block, columns


def _inputs(scenario: Scenario, catalog: Catalog, campus: CampusInputs) -> OwnInputs:
    """The ``[reliability]`` numbers as a batch (``S = 1``), for the expected-only mode."""
    rel = scenario.reliability
    assert rel is not None
    target = rel.min_goodput if rel.min_goodput is not None else catalog.default("reliability.min_goodput").value
    rates = [scenario_rates(rel, ph.accelerator) for ph in scenario.phase]

    def one(x: float | None) -> np.ndarray:
        return np.asarray([np.nan if x is None else float(x)])

    batch = ReliabilityInputs(
        checkpoint_s=one(rel.checkpoint_s),
        restart_s=one(rel.restart_s),
        interval_s=one(rel.interval_s),
        min_goodput=one(target),
        job_fraction=one(rel.job_fraction),
        failures_per_accelerator_year=np.asarray([[r.failures_per_accelerator_year for r in rates]]),
        hardware_failures_per_accelerator_year=np.asarray([[r.hardware_failures_per_accelerator_year for r in rates]]),
        restart_failures=rel.restart_failures,
    )
    return OwnInputs(batch)


def _run(ctx: Context) -> Block:
    """Each variant's jobs and fleet (with the run's seed: common random numbers across variants).
    With the option ``expected_only`` (sweeps): the exact renewal expectations of every variant
    in one vectorised call, no Monte Carlo and no summary block."""
    if ctx.options.get("expected_only"):
        return Block(columns=expected_columns(ctx.outputs.accelerators, ctx.own_inputs))
    names = [c.name for c in PROVIDES]
    columns = {name: np.full((ctx.n_variants, ctx.years.size), np.nan) for name in names}
    payload: dict[str, Any] | None = None
    for v in range(ctx.n_variants):
        block, records = _variant(
            ctx.scenario, ctx.catalog, ctx.seed, ctx.years, ctx.outputs.accelerators[v], n_variants=ctx.n_variants
        )
        for t, rec in enumerate(records):
            for name in names:
                value = rec[name]
                columns[name][v, t] = np.nan if value is None else float(value)
        if v == ctx.variant:
            payload = block
    assert payload is not None
    return Block(
        columns=columns,
        payload=payload,
        explanations=tuple(payload["explanations"]),
        provenance=_provenance(ctx.scenario, payload, ctx.catalog),
    )


def _provenance(scenario: Scenario, block: Mapping[str, Any], catalog: Catalog) -> tuple[ResolvedInput, ...]:
    rel = scenario.reliability
    assert rel is not None
    rows = [r for r in section_rows(("reliability",), rel) if r.value is not None]
    for i, row in enumerate(rows):  # schema defaults that are the catalog's sourced defaults
        if row.origin == "schema default" and row.path in _CATALOG_BACKED:
            rows[i] = default_row(row.path, row.path, catalog)
    rows += [r for r in section_rows(("reliability", "component_rates"), rel.component_rates) if r.value is not None]
    inputs = block["inputs"]
    for key in ("min_goodput", "repair_days"):
        if getattr(rel, key) is None:
            rows.append(
                ResolvedInput(
                    f"reliability.{key}", inputs[key], _unit(key), "catalog:defaults", inputs[f"{key}_source"]
                )
            )
    for acc, rates in block["rates"].items():
        origin = rates["origin"]
        rows.append(
            ResolvedInput(
                f"reliability.failures_per_accelerator_year.{acc}",
                rates["failures_per_accelerator_year"],
                "1/year",
                "scenario" if origin == "scenario" else ("derived" if "+" in origin else "catalog:failure_rates"),
                rates["source"],
            )
        )
    return tuple(rows)


#: ``[reliability]`` keys whose schema default is the catalog's ``defaults.csv`` value (a test keeps them equal).
_CATALOG_BACKED = ("reliability.checkpoint_s", "reliability.restart_s")


def _unit(key: str) -> str:
    extra = Reliability.model_fields[key].json_schema_extra
    return str(extra.get("unit", "")) if isinstance(extra, dict) else ""


PROVIDES: tuple[Column, ...] = read_columns("gigacampus.analyses.reliability")
#: Units of the per-year columns this analysis adds to the timeline.
COLUMN_UNITS: dict[str, str] = {c.name: c.unit for c in PROVIDES}

RELIABILITY = Analysis(
    name="reliability",
    title="Reliability at scale",
    provides=PROVIDES,
    run=_run,
    applies=with_section("reliability"),
    requires=("accelerators",),
    options=("expected_only",),
    inputs=_inputs,
    charts=reliability_charts,
)
