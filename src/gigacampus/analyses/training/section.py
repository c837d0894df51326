"""The ``[training]`` section: the largest training run and the serving capacity (docs/training.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gigacampus.scenario.base import Section, num

__all__ = ["Training"]


class Training(Section):
    """``[training]``: the largest training run and the serving capacity (docs/training.md)."""

    days: float = num("day", gt=0.0, le=3650.0, default=100.0)
    """Length of the training run [days]."""
    precision: Literal["bf16", "fp8"] = "bf16"
    """Tensor precision of the run: its dense rate per accelerator counts."""
    mfu: float | None = num("-", gt=0.0, le=1.0, default=None)
    """Model FLOP utilisation [-]. Default: catalog ``training.mfu``."""
    goodput: float | None = num("-", gt=0.0, le=1.0, default=None)
    """Fraction of the run's time doing useful training [-]. Default: catalog ``training.goodput``."""
    tokens_per_parameter: float | None = num("tokens/parameter", gt=0.0, le=100_000.0, default=None)
    """Training tokens per parameter of the compute-optimal model. Default: catalog."""
    bytes_per_parameter: float | None = num("B/parameter", gt=0.0, le=1_000.0, default=None)
    """Training-state memory per parameter (weights, gradients, optimiser). Default: catalog."""
    scope: Literal["campus", "largest_phase"] = "campus"
    """``campus``: one run across every installed accelerator; ``largest_phase``: the phase
    (one fabric) with the most compute."""
    serve_parameters: float = num("parameters", gt=0.0, le=1e15, default=405e9)
    """Parameters of the served dense model (default: Llama 3.1 405B's 405 billion)."""
    serve_bytes_per_parameter: float = num("B/parameter", gt=0.0, le=8.0, default=2.0)
    """Bytes per weight when serving (2 = BF16, 1 = FP8)."""
    serve_batch: int = Field(default=64, strict=True, ge=1, le=100_000, json_schema_extra={"unit": "sequences"})
    """Sequences decoded together by one model replica (an assumption)."""
    serve_context_tokens: int = Field(
        default=4096, strict=True, ge=1, le=10_000_000, json_schema_extra={"unit": "tokens"}
    )
    """Tokens of context held in the KV cache per sequence (an assumption)."""
    kv_bytes_per_token: float = num("B/token", gt=0.0, le=1e8, default=516_096.0)
    """KV-cache bytes per token of context: 2 x layers x KV heads x head size x bytes; default
    Llama 3.1 405B in BF16 (2 x 126 x 8 x 128 x 2)."""
