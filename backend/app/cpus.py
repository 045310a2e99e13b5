"""How many CPUs the service may use: what sizes its worker processes and heavy streams."""

from __future__ import annotations

import math
import os
from pathlib import Path

# cgroup v2's CPU quota: "max 100000", or "200000 100000" for two CPUs' worth of time.
CPU_QUOTA = Path("/sys/fs/cgroup/cpu.max")


def available_cpus(quota: Path = CPU_QUOTA) -> int:
    """Return the CPUs this process may use: its affinity, capped by a cgroup CPU quota."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpus = cpus or 1
    # Containers (Cloud Run among them) cap CPU time with a quota the affinity does not show.
    try:
        limit, period = quota.read_text().split()
        if limit == "max":
            return cpus
        return max(1, min(cpus, math.ceil(int(limit) / int(period))))
    except (OSError, ValueError):
        return cpus


def label_workers(configured: int | None) -> int:
    """Return the pain-point label workers: as configured, else the CPUs beyond two."""
    # A stream keeps the request's process and its database backend busy: a worker pays only on
    # a CPU of its own. On two, with labelling compiled, sending it texts cost more than it
    # saved (a year of free text: 2.10 s without one, 2.34 s with one, timed in turns).
    return max(0, available_cpus() - 2) if configured is None else configured


def long_streams(configured: int | None, cpus_per_stream: int) -> int:
    """Return the long windows' text streams run at once: as configured, else CPUs per stream."""
    if configured is not None:
        return configured
    return max(1, available_cpus() // cpus_per_stream)
