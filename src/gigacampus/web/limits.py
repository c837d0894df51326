"""Bounds on what one web request may send or ask for: the figures live in
:mod:`gigacampus.limits` (with the work budget :data:`gigacampus.limits.WEB`), re-exported here."""

from __future__ import annotations

from gigacampus import limits as _limits
from gigacampus.limits import *  # noqa: F403

__all__ = list(_limits.__all__)
