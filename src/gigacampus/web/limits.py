"""Bounds on what one web request may send or ask for.

A run is fast (milliseconds) whatever its size within these bounds; they keep one request from
holding a worker or memory for long. The command line keeps the schema's wider limits.
"""

from __future__ import annotations

#: Largest request body, in bytes (a scenario is a few kB of TOML).
MAX_BODY_BYTES = 256 * 1024
#: Most years one scenario may span in a web request (the schema allows 100).
MAX_YEARS = 60
#: Most phases one scenario may list in a web request (the schema allows 200).
MAX_PHASES = 50
#: Most ``key.path=value`` overrides in one request.
MAX_OVERRIDES = 64
#: Most runs one comparison request may ask for.
MAX_RUNS_PER_COMPARISON = 6
#: Most Monte Carlo replica-years (``[reliability] replicas`` x years) one web request may ask for;
#: the fleet simulation's work grows with both (the flagship asks for 200 x 7 = 1,400).
MAX_REPLICA_YEARS = 2_000
#: Longest simulated job in a web request's ``[reliability]``, in days (the schema allows ten years).
MAX_JOB_DAYS = 90.0
