"""Baseline: the checkpointed-job model written the straightforward way, with SimPy.

One SimPy environment per replica; a job process works, writes checkpoints and restarts, and
a failure process interrupts it at exponential intervals. Every work segment, checkpoint write,
failure and restart is an event. Same model as :mod:`gigacampus.analyses.reliability.engine`:

* a failure during work or during a checkpoint write loses everything since the last
  completed checkpoint;
* after a failure the job restarts for ``restart_s``; in the base model failures do not
  strike restarts (memorylessness lets the failure clock simply skip them), with
  ``restart_failures`` a failure during a restart starts it over;
* goodput = interval_s x (checkpoints completed before the horizon) / horizon.

Used by ``bench_reliability.py`` (speed) and ``tests/test_reliability_engine.py`` (same
distribution as the vectorised engine).
"""

from __future__ import annotations

import numpy as np
import simpy


def _replica(
    rate: float,
    interval_s: float,
    checkpoint_s: float,
    restart_s: float,
    horizon_s: float,
    rng: np.random.Generator,
    restart_failures: bool,
) -> tuple[int, int]:
    env = simpy.Environment()
    state = {"phase": "work", "checkpoints": 0, "failures": 0}

    def job(env: simpy.Environment):
        while True:
            try:
                state["phase"] = "work"
                yield env.timeout(interval_s)
                state["phase"] = "checkpoint"
                yield env.timeout(checkpoint_s)
                state["checkpoints"] += 1
            except simpy.Interrupt:
                while True:  # restart, again if a failure strikes it
                    try:
                        state["phase"] = "restart"
                        yield env.timeout(restart_s)
                        break
                    except simpy.Interrupt:
                        continue

    def failures(env: simpy.Environment, process: simpy.Process):
        while True:
            yield env.timeout(rng.exponential(1.0 / rate))
            if state["phase"] == "restart" and not restart_failures:
                continue  # no failures during restarts in the base model
            state["failures"] += 1
            process.interrupt()

    process = env.process(job(env))
    env.process(failures(env, process))
    env.run(until=horizon_s)
    return state["checkpoints"], state["failures"]


def simulate(
    rate: float,
    interval_s: float,
    checkpoint_s: float,
    restart_s: float,
    horizon_s: float,
    replicas: int,
    seed: int,
    restart_failures: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Checkpoints and failures of each replica (two int arrays)."""
    rng = np.random.default_rng(seed)
    out = [
        _replica(rate, interval_s, checkpoint_s, restart_s, horizon_s, rng, restart_failures) for _ in range(replicas)
    ]
    checkpoints, fails = zip(*out, strict=True)
    return np.array(checkpoints, dtype=np.int64), np.array(fails, dtype=np.int64)
