"""Training and serving capacity of a fleet: pure functions on numpy arrays (docs/training.md).

* :func:`training_flop`: compute of the largest run in ``days`` = accelerators x dense rate at
  the precision x MFU x goodput x time;
* :func:`compute_optimal`: the dense model for a budget with ``C = 6 N D`` and ``D = k N``;
* :func:`decode_throughput`: tokens per second a replica decodes, the slower of its compute
  and memory-bandwidth bounds, and how many accelerators a replica needs.
"""

from __future__ import annotations

import numpy as np

from gigacampus.units import SECONDS_PER_DAY

__all__ = ["FLOP_PER_PARAMETER_TOKEN", "compute_optimal", "decode_throughput", "training_flop"]

#: Training FLOP per parameter per token of a dense transformer (forward 2 + backward 4).
FLOP_PER_PARAMETER_TOKEN = 6.0


def training_flop(
    accelerators: np.ndarray, flops_per_accelerator: np.ndarray, mfu: float, goodput: float, days: float
) -> np.ndarray:
    """Useful training FLOP in ``days``: sum over the last axis of N x rate, x MFU x goodput x time."""
    rate = (np.asarray(accelerators, dtype=np.float64) * flops_per_accelerator).sum(axis=-1)
    return rate * mfu * goodput * days * SECONDS_PER_DAY


def compute_optimal(flop: np.ndarray | float, tokens_per_parameter: float) -> tuple[np.ndarray, np.ndarray]:
    """(parameters, tokens) of the dense model trained compute-optimally on ``flop``:
    ``C = 6 N D`` with ``D = k N``, so ``N = sqrt(C / (6 k))``."""
    params = np.sqrt(np.asarray(flop, dtype=np.float64) / (FLOP_PER_PARAMETER_TOKEN * tokens_per_parameter))
    return params, params * tokens_per_parameter


def decode_throughput(
    parameters: float,
    bytes_per_parameter: float,
    batch: int,
    context_tokens: int,
    kv_bytes_per_token: float,
    hbm_bytes: np.ndarray,
    hbm_bytes_per_s: np.ndarray,
    flops: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decode of one model replica on accelerators of each kind (arrays over kinds).

    A replica holds the weights and the KV cache of ``batch`` sequences of ``context_tokens``;
    it needs ``g = ceil(memory / HBM)`` accelerators. One decode step emits one token per
    sequence and takes the longer of ``2 x parameters x batch / (g x FLOP/s)`` (compute) and
    ``(weights + KV cache) / (g x HBM bandwidth)`` (memory). Returns (accelerators per replica,
    tokens/s per replica, compute-bound step [s], memory-bound step [s]). Peak rates: an upper bound.
    """
    weights = parameters * bytes_per_parameter
    kv = batch * context_tokens * kv_bytes_per_token
    per_replica = np.ceil((weights + kv) / hbm_bytes)
    compute_s = 2.0 * parameters * batch / (per_replica * flops)
    memory_s = (weights + kv) / (per_replica * hbm_bytes_per_s)
    step = np.maximum(compute_s, memory_s)
    return per_replica, batch / step, compute_s, memory_s
