"""Fleet availability: failures, repairs and spares over a campus build-out.

The campus's accelerators fail at their hardware failure rate (every component class but
software, whose failures restart jobs but take nothing out of service). A failed accelerator
waits for a repair crew, is repaired after a random repair time and returns to service; the
queue is simulated for all replicas at once by :func:`gigacampus.analyses.reliability.engine.simulate_fleet`.

Spares for a job of N accelerators: the job draws on a pool of N + s accelerators that is a
random part of the campus, so given that D of the campus's I installed accelerators are down at
a moment, the pool's down count is Hypergeometric(I, D, pool) (sampling without replacement;
with unlimited crews the campus's down count is Poisson and so, by thinning, is the pool's).
Given only the down fraction u = D / I, Binomial(pool, u) stands in for it, which is close
only for a pool that is a small part of the campus (it adds pool x u x (1 - u) of variance).
The spares needed are the smallest s such that, at a random moment of the year, at most s of
the pool are down with the target probability. Hot spares
are powered and fail like the rest (pool N + s); cold spares sit unpowered and do not fail
(pool N).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigacampus.analyses.reliability.engine import simulate_fleet
from gigacampus.units import SECONDS_PER_DAY, SECONDS_PER_FAILURE_YEAR

__all__ = [
    "CampusAvailability",
    "ExactAvailability",
    "RepairPolicy",
    "campus_availability",
    "exact_availability",
    "mean_down",
    "poisson_cdf",
    "spares_needed",
]

#: Time steps per repair stage's mean. The step scheme keeps each stage's mean exact (so the
#: mean number down obeys Little's law at any step); finer steps only bring the shape of each
#: stage's time (geometric in steps) closer to exponential.
STEPS_PER_STAGE = 10
#: Most samples of the down fraction used to size spares (a 99% quantile from 20,000 samples
#: is within a few tenths of a percent of probability).
MAX_SPARES_SAMPLES = 20_000


@dataclass(frozen=True)
class RepairPolicy:
    """How failed accelerators come back."""

    repair_days: float
    """Mean time from failure to return to service when a crew is free [days]."""
    repair_shape: int = 1
    """Erlang shape of the repair time: 1 exponential, larger less variable (CV 1/sqrt(shape))."""
    crews: int | None = None
    """Repairs that can run at once (``None``: unlimited)."""
    repairs_per_day: float | None = None
    """Most repairs that can start per day (``None``: unlimited)."""

    @property
    def steps_per_day(self) -> int:
        """Time steps per day: at least 1, and enough for ``STEPS_PER_STAGE`` per stage."""
        return max(1, math.ceil(STEPS_PER_STAGE * self.repair_shape / self.repair_days))


@dataclass(frozen=True)
class CampusAvailability:
    """Daily samples of a campus's fleet over its years."""

    years: NDArray[np.int64]
    day_year: NDArray[np.int64]
    """Calendar year of each recorded day."""
    installed: NDArray[np.float64]
    """Accelerators installed on each recorded day."""
    down: NDArray[np.int64]
    """Accelerators out of service, shape (replicas, days)."""
    failures: NDArray[np.int64]
    """Hardware failures per replica over the run."""

    @property
    def available_fraction(self) -> NDArray[np.float64]:
        """Fraction of the installed fleet in service, shape (replicas, days) (NaN with none)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.installed > 0, 1.0 - self.down / self.installed, np.nan)


def campus_availability(
    years: NDArray[np.int64],
    installed: NDArray[np.float64],
    hardware_failures_per_accelerator_year: NDArray[np.float64],
    policy: RepairPolicy,
    replicas: int,
    seed: int | np.random.SeedSequence,
    *,
    installed_before: float = 0.0,
) -> CampusAvailability:
    """Simulate the fleet through the years, the installed base ramping linearly within each
    year from the previous year-end (``installed_before`` before the first) to the year-end
    value; the hardware failure rate [1/year] is constant within a year."""
    per_day = policy.steps_per_day
    days_per_year = round(SECONDS_PER_FAILURE_YEAR / SECONDS_PER_DAY)  # 365 recorded days a year
    steps_per_year = days_per_year * per_day
    step_s = SECONDS_PER_DAY / per_day
    prev = np.concatenate([[installed_before], installed[:-1]])
    ramp = (np.arange(steps_per_year) + 0.5) / steps_per_year
    inst_steps = (prev[:, None] + (installed - prev)[:, None] * ramp[None, :]).ravel()
    rate_steps = np.repeat(
        np.asarray(hardware_failures_per_accelerator_year) / SECONDS_PER_FAILURE_YEAR, steps_per_year
    )
    out = simulate_fleet(
        inst_steps,
        rate_steps,
        step_s,
        policy.repair_days * SECONDS_PER_DAY,
        replicas,
        seed,
        repair_shape=policy.repair_shape,
        crews=policy.crews,
        repairs_per_day=policy.repairs_per_day,
        record_every=per_day,
    )
    day_installed = inst_steps[per_day - 1 :: per_day]
    return CampusAvailability(
        years=np.asarray(years),
        day_year=np.repeat(np.asarray(years), days_per_year),
        installed=day_installed,
        down=out.down,
        failures=out.failures,
    )


def spares_needed(
    job_accelerators: int,
    down_fraction: NDArray[np.float64],
    probability: float,
    seed: int | np.random.SeedSequence,
    *,
    cold: bool = False,
    installed: NDArray[np.float64] | None = None,
) -> int:
    """Spares that keep ``job_accelerators`` working with ``probability``, given samples of
    the campus's down fraction (any shape; each sample a moment of some replica).

    With ``installed`` (the campus's installed accelerators at each sample, broadcast to
    ``down_fraction``'s shape) the pool's down count is drawn without replacement from the
    campus (hypergeometric), exact for a pool of any size up to the campus; without it, it is
    Binomial(pool, down fraction), which overstates the spread of a pool that is a large part
    of the campus."""
    frac = np.asarray(down_fraction, dtype=np.float64)
    inst = None if installed is None else np.broadcast_to(np.asarray(installed, dtype=np.float64), frac.shape).ravel()
    u = np.clip(frac.ravel(), 0.0, 1.0)
    ok = np.isfinite(u) if inst is None else np.isfinite(u) & (inst >= 1)
    step = max(1, -(-int(ok.sum()) // MAX_SPARES_SAMPLES))
    u = u[ok][::step]
    if job_accelerators <= 0 or u.size == 0:
        return 0
    if inst is not None:
        campus = np.floor(inst[ok][::step]).astype(np.int64)
        down_campus = np.minimum(np.rint(u * campus).astype(np.int64), campus)
    rng = np.random.default_rng(seed)
    spares = 0
    for _ in range(4):  # the pool grows with its spares (hot); converges in one or two rounds
        pool = job_accelerators if cold else job_accelerators + spares
        if inst is None:
            down = rng.binomial(pool, u)
        else:  # a pool larger than the campus at that moment holds all of it
            down = rng.hypergeometric(down_campus, campus - down_campus, np.minimum(pool, campus))
        new = int(np.quantile(down, probability, method="inverted_cdf"))
        if new == spares:
            break
        spares = max(spares, new)
    return spares


# --- the exact path: unlimited crews, no daily cap ------------------------------------------------

#: Standard deviations either side of a Poisson mean that the exact path tabulates (plus as
#: many counts); the mass outside is below 1e-14, far under any probability asked for.
_SD_WINDOW = 8.0
#: Most elements of one table of Poisson probabilities (days x support); larger tables are built
#: in chunks of days.
_MAX_TABLE = 4_000_000


def _expm(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """Matrix exponential of a small matrix: scaling and squaring of a Taylor series (the
    generators here are at most 22 x 22 with entries of a few per day)."""
    norm = float(np.abs(a).sum(axis=1).max()) if a.size else 0.0
    squarings = max(0, math.ceil(math.log2(norm / 0.25))) if norm > 0.25 else 0
    scaled = a / 2.0**squarings
    out = np.eye(a.shape[0])
    term = np.eye(a.shape[0])
    for n in range(1, 30):  # ||scaled|| <= 1/4: 30 terms is far below rounding
        term = term @ scaled / n
        out = out + term
    for _ in range(squarings):
        out = out @ out
    return out


def _log_factorial(k: NDArray[np.float64]) -> NDArray[np.float64]:
    """log(k!) for whole numbers k >= 0 (table below 20, Stirling's series above: error < 1e-14)."""
    small = np.array([math.lgamma(i + 1.0) for i in range(20)])
    x = np.maximum(k, 20.0) + 1.0
    inv = 1.0 / x
    stirling = (
        (x - 0.5) * np.log(x)
        - x
        + 0.5 * math.log(2.0 * math.pi)
        + inv * (1 / 12 - inv**2 * (1 / 360 - inv**2 * (1 / 1260 - inv**2 / 1680)))
    )
    return np.where(k < 20, small[np.clip(k, 0, 19).astype(np.int64)], stirling)


def _significant(x: NDArray[np.float64], digits: int) -> NDArray[np.float64]:
    """``x`` (> 0) rounded to ``digits`` significant digits."""
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.where(x > 0, x, 1.0))))
    return np.round(x * scale) / scale


class _PoissonTable:
    """Cumulative Poisson probabilities of several means, each over a window of ``_SD_WINDOW``
    standard deviations either side of its mean (the mass outside is below 1e-14)."""

    def __init__(self, mean: NDArray[np.float64]) -> None:
        mean = np.asarray(mean, dtype=np.float64).ravel()
        self.width = int(2.0 * _SD_WINDOW * math.sqrt(max(float(mean.max(initial=0.0)), 1.0)) + 2.0 * _SD_WINDOW + 2)
        if mean.size * self.width > _MAX_TABLE:
            raise ValueError(f"{mean.size} Poisson means of width {self.width} exceed the table limit")
        self.lo = np.maximum(0.0, np.floor(mean - _SD_WINDOW * np.sqrt(mean) - _SD_WINDOW))
        first = float(self.lo.min(initial=0.0))
        span = np.arange(first, float(self.lo.max(initial=0.0)) + self.width)
        log_fact = _log_factorial(span)  # one pass over the whole support, gathered per row below
        idx = (self.lo - first).astype(np.int64)[:, None] + np.arange(self.width)[None, :]
        support = span[idx]
        # log pmf, pmf and cdf in one buffer (in place: the same operations, in the same order)
        with np.errstate(divide="ignore", invalid="ignore"):
            pmf = support * np.log(mean)[:, None]
            pmf -= mean[:, None]
            pmf -= log_fact[idx]
        np.exp(pmf, out=pmf)
        positive = mean > 0
        if not positive.all():  # a mean of 0: all its mass at 0
            pmf = np.where(positive[:, None], pmf, (support == 0).astype(np.float64))
        np.cumsum(pmf, axis=1, out=pmf)
        self.cdf = np.minimum(pmf, 1.0, out=pmf)

    def at(self, k: NDArray[np.float64]) -> NDArray[np.float64]:
        """P(X_i <= k_i) for each row i (k whole)."""
        pos = np.asarray(k, dtype=np.float64) - self.lo
        inside = np.clip(pos, 0, self.width - 1).astype(np.int64)
        value = self.cdf[np.arange(inside.size), inside]  # row i's entry at column inside[i]
        return np.where(pos < 0, 0.0, np.where(pos >= self.width, 1.0, value))


def poisson_cdf(k: NDArray[np.float64], mean: NDArray[np.float64]) -> NDArray[np.float64]:
    """P(X <= k) for X ~ Poisson(mean), elementwise (k and mean broadcast together; k whole)."""
    k, mean = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(mean, dtype=np.float64))
    return _PoissonTable(mean.ravel()).at(k.ravel()).reshape(k.shape)


def mean_down(
    installed: NDArray[np.float64],
    hardware_failures_per_accelerator_year: NDArray[np.float64],
    policy: RepairPolicy,
    *,
    installed_before: float = 0.0,
) -> NDArray[np.float64]:
    """Expected accelerators down at the end of each day of the years (365 days a year), exactly.

    Each accelerator alternates between working (failing at its hardware rate) and repair
    (Erlang(``repair_shape``) of mean ``repair_days``, ``repair_shape`` exponential stages); with
    unlimited crews accelerators never wait, so the expected numbers in each state obey a linear
    system x' = A x + b, b the installs (the base ramps linearly within each year, as in
    :func:`campus_availability`). A year's A and b are constant, so one day's step is the matrix
    exponential of the system augmented with b, exact for any step.
    """
    if policy.crews is not None or policy.repairs_per_day is not None:
        raise ValueError("the exact fleet path needs unlimited crews and no daily cap")
    k = int(policy.repair_shape)
    days_per_year = round(SECONDS_PER_FAILURE_YEAR / SECONDS_PER_DAY)
    leave = k / policy.repair_days  # rate of leaving each repair stage [1/day]
    installed = np.asarray(installed, dtype=np.float64)
    prev = np.concatenate([[installed_before], installed[:-1]])
    x = np.zeros(k + 2)  # working, repair stages 1..k, and the constant 1 of the augmentation
    x[0], x[-1] = installed_before, 1.0
    out = np.empty(installed.size * days_per_year)
    for y, rate_year in enumerate(np.asarray(hardware_failures_per_accelerator_year, dtype=np.float64)):
        lam = rate_year * SECONDS_PER_DAY / SECONDS_PER_FAILURE_YEAR  # failures per working accelerator-day
        a = np.zeros((k + 2, k + 2))
        a[0, 0], a[1, 0] = -lam, lam
        for j in range(1, k + 1):
            a[j, j] = -leave
            a[j + 1 if j < k else 0, j] += leave
        a[0, -1] = (installed[y] - prev[y]) / days_per_year  # installs per day
        step = _expm(a)
        for d in range(days_per_year):
            x = step @ x
            out[y * days_per_year + d] = x[1 : k + 1].sum()
    return np.maximum(out, 0.0)


@dataclass(frozen=True)
class ExactAvailability:
    """The fleet with unlimited crews and no daily cap: accelerators down on a day ~ Poisson.

    Failures form a Poisson stream and every failed accelerator is repaired at once (M/G/inf),
    so the number down is Poisson with the exact mean of :func:`mean_down`. (Strictly, an
    accelerator in repair cannot fail again, which makes the count a sum of independent
    Bernoulli variables, with variance smaller than the mean by the factor 1 - p, p the chance
    that one accelerator is down: at 0.15 failures a year and 7-day repairs p = 0.3%, so the
    Poisson quantiles differ by less than 0.2% of a standard deviation.)
    """

    years: NDArray[np.int64]
    day_year: NDArray[np.int64]
    installed: NDArray[np.float64]
    """Accelerators installed on each recorded day (as the Monte Carlo records them)."""
    mean_down: NDArray[np.float64]
    """Expected accelerators down at the end of each day."""

    def available_quantiles(self, days: NDArray[np.bool_], qs: tuple[float, ...]) -> list[float | None]:
        """Quantiles (percent) of the available fraction over the chosen days (a random day of
        them, then the Poisson count): the days' distributions mixed with equal weight. Days
        with the same installed count and the same mean down to 9 significant digits are merged,
        with their weight."""
        inst, mean = self.installed[days], self.mean_down[days]
        keep = inst > 0
        if not np.any(keep):
            return [None for _ in qs]
        pairs, weight = np.unique(
            np.stack([inst[keep], _significant(mean[keep], 9)], axis=1), axis=0, return_counts=True
        )
        inst, mean, weight = pairs[:, 0], pairs[:, 1], weight / weight.sum()
        table = _PoissonTable(mean)
        seen: dict[bytes, float] = {}  # F at each distinct vector of thresholds, shared by the quantiles
        out: list[float | None] = []
        for q in qs:
            p = q / 100.0
            if inst.size == 1:  # one distribution: the largest k with P(D <= k - 1) <= 1 - p
                k = table.lo[0] + np.count_nonzero(table.cdf[0] <= 1.0 - p)
                out.append(float(1.0 - k / inst[0]))
                continue
            # F(a) = sum over days of w P(1 - D/I <= a) = P(D >= ceil(I (1 - a)))
            lo = float(np.min(1.0 - (table.lo + table.width) / inst))
            hi = float(np.max(1.0 - table.lo / inst))
            for _ in range(50):
                mid = 0.5 * (lo + hi)
                threshold = np.ceil(inst * (1.0 - mid) - 1e-9)
                key = threshold.tobytes()
                f = seen.get(key)
                if f is None:  # F is a step function: most of the 50 halvings land on thresholds already seen
                    f = seen[key] = float(weight @ (1.0 - table.at(threshold - 1.0)))
                lo, hi = (lo, mid) if f >= p else (mid, hi)
            out.append(min(hi, 1.0))
        return out

    def day_quantiles(self, days: NDArray[np.int64], qs: tuple[float, ...]) -> list[list[float | None]]:
        """Quantiles (percent) of the available fraction on each of ``days`` (indices) separately:
        one Poisson count each, 1 - k/I with k the largest count such that P(D <= k - 1) <= 1 - q."""
        inst, mean = self.installed[days], self.mean_down[days]
        table = _PoissonTable(np.where(inst > 0, mean, 0.0))
        out = []
        for q in qs:
            k = table.lo + np.count_nonzero(table.cdf <= 1.0 - q / 100.0, axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                out.append([float(v) if i > 0 else None for v, i in zip(1.0 - k / inst, inst, strict=True)])
        return [list(col) for col in zip(*out, strict=True)]

    def spares(self, job_accelerators: int, probability: float, days: NDArray[np.bool_], *, cold: bool = False) -> int:
        """Smallest s with P(at most s of the pool down) >= probability on a random day of ``days``:
        the pool's count is Poisson(pool x mean down / installed) (thinning of a Poisson count).
        Days whose down fractions agree to 9 significant digits are merged, with their weight."""
        inst, mean = self.installed[days], self.mean_down[days]
        keep = inst > 0
        if job_accelerators <= 0 or not np.any(mean[keep] > 0):
            return 0
        u, weight = np.unique(_significant(mean[keep] / inst[keep], 9), return_counts=True)
        weight = weight / weight.sum()

        # s = the least fixed point of s -> g(s), g(s) the p-quantile of the mixed count of a pool
        # of N + s (N for cold spares): g is non-decreasing, so iterating from 0 climbs to it,
        # and it is the smallest s with P(count of N + s <= s) >= p
        spares = 0
        for _ in range(64):  # converges in a few rounds: each adds about u times the last step
            pool = job_accelerators if cold else job_accelerators + spares
            new = _mixture_quantile(pool * u, weight, probability)
            if new <= spares:
                return spares
            spares = new
        return spares


def _mixture_quantile(mean: NDArray[np.float64], weight: NDArray[np.float64], probability: float) -> int:
    """Smallest k with sum_i weight_i P(Poisson(mean_i) <= k) >= probability."""
    table = _PoissonTable(mean)
    first = int(table.lo.min())
    span = int(table.lo.max()) - first + table.width
    pmf = np.diff(table.cdf, axis=1, prepend=0.0) * weight[:, None]
    cols = (table.lo.astype(np.int64) - first)[:, None] + np.arange(table.width)[None, :]
    # bincount adds the weights into their bins in the order given, as np.add.at does (the same
    # sums bit for bit), without add.at's per-element dispatch
    mixed = np.bincount(cols.ravel(), weights=pmf.ravel(), minlength=span)
    return first + int(np.searchsorted(np.cumsum(mixed), probability * (1.0 - 1e-12)))


def exact_availability(
    years: NDArray[np.int64],
    installed: NDArray[np.float64],
    hardware_failures_per_accelerator_year: NDArray[np.float64],
    policy: RepairPolicy,
    *,
    installed_before: float = 0.0,
) -> ExactAvailability:
    """:class:`ExactAvailability` of the same build-out :func:`campus_availability` simulates."""
    days_per_year = round(SECONDS_PER_FAILURE_YEAR / SECONDS_PER_DAY)
    installed = np.asarray(installed, dtype=np.float64)
    prev = np.concatenate([[installed_before], installed[:-1]])
    per_day = policy.steps_per_day
    steps = days_per_year * per_day
    last_step = (np.arange(days_per_year) * per_day + per_day - 0.5) / steps  # the Monte Carlo's records
    day_installed = (prev[:, None] + (installed - prev)[:, None] * last_step[None, :]).ravel()
    return ExactAvailability(
        years=np.asarray(years),
        day_year=np.repeat(np.asarray(years), days_per_year),
        installed=day_installed,
        mean_down=mean_down(
            installed, hardware_failures_per_accelerator_year, policy, installed_before=installed_before
        ),
    )
