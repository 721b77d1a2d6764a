"""CPU accounting of web_load.py: who used the machine's cores during a scenario.

The server (uvicorn and its workers), the local PostgreSQL cluster, the load generator (this
process and the wrk runs it waited for) and everything else, from /proc.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from benchlib import rnd, safe_ratio

TICKS = os.sysconf("SC_CLK_TCK")
CPUS = os.cpu_count() or 1


def machine_ticks() -> tuple[int, int, int]:
    """(busy, steal, total) jiffies of all cores from /proc/stat; busy without steal."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    steal = values[7]
    total = sum(values[:8])  # without guest time, which is counted in user already
    return total - idle - steal, steal, total


def process_tree_seconds(root: int) -> float:
    """CPU seconds (user + system) of ``root`` and its descendants (uvicorn workers, or the
    PostgreSQL backends), including descendants that have ended since (a backend per pooled
    connection that was closed)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(fields[1])
        # utime + stime + cutime + cstime (children that ended and were waited for)
        times[pid] = sum(int(v) for v in fields[11:15]) / TICKS
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += times.get(pid, 0.0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


@dataclass(frozen=True)
class CpuMark:
    wall: float
    busy: int
    steal: int
    total: int
    server: float
    database: float | None
    client: float

    @classmethod
    def take(cls, server_pid: int, database_pid: int | None) -> CpuMark:
        busy, steal, total = machine_ticks()
        return cls(
            time.perf_counter(),
            busy,
            steal,
            total,
            process_tree_seconds(server_pid),
            process_tree_seconds(database_pid) if database_pid else None,
            load_generator_seconds(),
        )

    def since(self, earlier: CpuMark) -> dict[str, Any]:
        wall = self.wall - earlier.wall
        total = self.total - earlier.total
        busy_cores = (self.busy - earlier.busy) / total * CPUS if total else 0.0
        server = (self.server - earlier.server) / wall
        database = (
            (self.database - earlier.database) / wall
            if self.database is not None and earlier.database is not None
            else None
        )
        client = (self.client - earlier.client) / wall
        return {
            "machine_busy_share": safe_ratio(self.busy - earlier.busy, total),
            "machine_steal_share": safe_ratio(self.steal - earlier.steal, total),
            "server_cores": rnd(server, 2),
            "database_cores": rnd(database, 2) if database is not None else None,
            "load_generator_cores": rnd(client, 2),
            # Anything else on the machine (other people's jobs): should be near 0.
            "other_cores": rnd(max(0.0, busy_cores - server - (database or 0.0) - client), 2),
        }


def machine_busy_share(seconds: float) -> float:
    """Share of all cores busy (without steal) over ``seconds``: is the machine quiet?"""
    busy, _, total = machine_ticks()
    time.sleep(seconds)
    busy_after, _, total_after = machine_ticks()
    return rnd((busy_after - busy) / max(1, total_after - total))


def load_generator_seconds() -> float:
    """CPU seconds of this process and of its children that ended (each wrk run is waited for
    before the next mark; the server is a child too, but runs on until the end)."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system
