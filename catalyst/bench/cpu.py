"""One CPU for the whole benchmark run.

On this kind of shared machine the CPUs are not alike: measured here, the same interpreted
benchFib took 17.5 ms on one CPU and 32 ms on the other, run after run. A process that the
scheduler leaves on one CPU while the C baseline's process lands on the other gets ratios that
compare CPUs, not code. So the runner pins itself, and with it the C baseline (a child process
inherits the affinity), to one CPU: the given one, or the one that runs a short calibration
loop fastest. Where the platform cannot pin (no sched_setaffinity), nothing changes.
"""
from __future__ import annotations

import os
import time


def _loop_seconds(n: int = 300_000) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        x = 0
        for k in range(n):
            x += k & 7
        best = min(best, time.perf_counter() - t0)
    return best


def pin(cpu: str = "fastest") -> str:
    """Pin this process to one CPU ("fastest", a CPU number, or "any" to leave it); answer a
    line saying what was done."""
    if cpu == "any" or not hasattr(os, "sched_setaffinity"):
        return "not pinned to a CPU"
    allowed = sorted(os.sched_getaffinity(0))
    if cpu != "fastest":
        if int(cpu) not in allowed:
            raise ValueError(f"CPU {cpu} is not one this process may use ({allowed})")
        os.sched_setaffinity(0, {int(cpu)})
        return f"pinned to CPU {cpu}"
    if len(allowed) == 1:
        return f"pinned to CPU {allowed[0]} (the only one)"
    times = {}
    for c in allowed:
        os.sched_setaffinity(0, {c})
        times[c] = _loop_seconds()
    best = min(times, key=times.get)
    os.sched_setaffinity(0, {best})
    spread = ", ".join(f"CPU {c} {t * 1000:.1f} ms" for c, t in sorted(times.items()))
    return f"pinned to CPU {best}, the fastest in a calibration loop ({spread})"
