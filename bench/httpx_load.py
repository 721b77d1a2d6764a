"""httpx as the load generator of web_load.py, where wrk is not installed.

Closed loop in this process: every user sends its next request as soon as the previous answer
arrived (after a think pause, if any). It shares the machine's cores with the server, using
about 0.3–0.6 of one on two cores.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

Sender = Callable[[int, int], Awaitable[httpx.Response]]


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # successful requests only
    statuses: Counter[str] = field(default_factory=Counter)
    response_bytes: int = 0
    first_errors: list[str] = field(default_factory=list)


async def user_loop(
    send: Sender,
    user: int,
    expected: int,
    deadline: float,
    think: float,
    outcome: Outcome | None,
) -> None:
    number = 0
    rng = random.Random(user)
    while time.perf_counter() < deadline:
        if think > 0:  # a pause between answer and next request, 0.5–1.5 × --think-ms
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        start = time.perf_counter()
        try:
            response = await send(user, number)
            status, body = str(response.status_code), response.content
        except httpx.HTTPError as exc:
            status, body = type(exc).__name__, b""
        elapsed = time.perf_counter() - start
        number += 1
        if outcome is None:
            continue
        outcome.statuses[status] += 1
        if status == str(expected):
            outcome.latencies.append(elapsed)
            outcome.response_bytes += len(body)
        elif len(outcome.first_errors) < 5:
            outcome.first_errors.append(f"{status}: {body[:200].decode(errors='replace')}")


async def run_phase(
    send: Sender,
    users: int,
    expected: int,
    seconds: float,
    think: float,
    outcome: Outcome | None,
) -> float:
    """All users loop until ``seconds`` have passed; returns the wall time until the last
    answer arrived (requests in flight at the deadline are waited for and counted)."""
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(
        *(user_loop(send, user, expected, deadline, think, outcome) for user in range(users))
    )
    return time.perf_counter() - start
