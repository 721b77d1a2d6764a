"""Web load: requests/s and latency of pages and API with many concurrent users on loopback.

The server is ``eakte serve`` as a subprocess (``python -m uvicorn eakte.web.asgi:app`` with
``EAKTE_DATA``/``EAKTE_DATABASE_URL``) on a copy of the search_latency database (built or reused
in ``--work``/search-N/ by the same code). ``--users`` virtual users (accounts that read 2 of 10
units, like ``bench-part``) run one scenario at a time for ``--seconds``: the search page, the
API search, the dossier page and an API upload of a small text file. The load generator is
httpx.AsyncClient in this process (closed loop: each user sends its next request as soon as the
previous answer arrived). Baseline, measured in the same run before the server starts: the core
calls in-process and single-threaded (``search(connection, user, q)``; ``describe`` + history for
the dossier page).

    .venv/bin/python bench/web_load.py [--docs 100000] [--users 50] [--seconds 20] [--warmup 3]
                                       [--scenarios search_page,api_search,dossier_page,upload]
                                       [--think-ms 0] [--queries 200] [--rounds 3] [--seed 2026]
                                       [--workers 1] [--work DIR] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from benchlib import (
    ACTOR,
    PART_READER,
    Org,
    add_common_options,
    checkpoint,
    document_count,
    emit,
    fail,
    get_user,
    latency_stats,
    load_org,
    log,
    make_settings,
    rnd,
    safe_ratio,
    sqlite_file,
)
from eakte.auth import service as auth
from eakte.core.references import case_rule, dossier_rule
from eakte.db.engine import Database
from eakte.errors import QueryError
from eakte.records import dossiers, listing, organisation
from eakte.records.access import readable_unit_ids
from eakte.records.lookup import describe
from eakte.records.organisation import User
from eakte.search import search
from eakte.settings import Settings
from search_latency import (
    PART_READER_UNITS,
    Query,
    loaded_karlsruhe_files,
    make_queries,
    open_database,
)

SCENARIOS = ("search_page", "api_search", "dossier_page", "upload")
PAGE_LIMIT = 20  # /suche shows 20 hits per page
API_LIMIT = 10  # /api/v1/search default
TARGET_P95_MS = 200.0  # for pages and searches at 100k documents with 50 users
PASSWORD = "Lasttest-Passwort-2026"
WEB_USER = "bench-web-{:02d}"
COOKIE = "eakte_session"
UPLOAD_FILLER = (
    "Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie die Unterlagen zum Bauantrag "
    "für das Grundstück Flurstück 1234/5. Wir bitten um Prüfung der Stellungnahme des "
    "Tiefbauamts und um Rückmeldung bis zum Monatsende.\n\nMit freundlichen Grüßen\n"
) * 4
SERVER_READY_SECONDS = 120.0


# --------------------------------------------------------------------------- databases


def base_work(work: Path, url: str | None) -> Path:
    """Where the reusable search_latency database lives. A PostgreSQL database gets its own
    folder (``--work``/postgresql/, corpora linked), so that its marker never replaces the
    SQLite one in ``--work``/search-N/ (search_latency would then rebuild SQLite)."""
    if url is None:
        return work
    folder = work / "postgresql"
    folder.mkdir(parents=True, exist_ok=True)
    (work / "corpus").mkdir(parents=True, exist_ok=True)
    link = folder / "corpus"
    if not link.exists():
        link.symlink_to(work / "corpus", target_is_directory=True)
    return folder


def copy_for_web(base: Database, base_url: str | None, docs: int, work: Path) -> Settings:
    """A copy of the benchmark database for the server: web users, tokens, upload cases and the
    uploaded files go there, so the reusable one keeps exactly ``docs`` documents."""
    folder = work / (f"web-{docs}" if base_url is None else f"web-{docs}-pg")
    shutil.rmtree(folder, ignore_errors=True)
    data = folder / "data"
    data.mkdir(parents=True)
    if base_url is None:
        checkpoint(base)
        source = sqlite_file(base)
        base.dispose()
        log(f"copying {source.stat().st_size / 1e6:,.0f} MB database into {data} …")
        shutil.copyfile(source, data / "eakte.sqlite3")
        return make_settings(data, None)
    base.dispose()
    url = make_url(base_url)
    name = url.database or ""
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        fail(f"database name {name!r}: only letters, digits and _ are supported here")
    copy_name = f"{name}_web"
    admin = create_engine(
        url.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'))
            log(f"copying database {name} to {copy_name} (CREATE DATABASE … TEMPLATE) …")
            connection.execute(text(f'CREATE DATABASE "{copy_name}" TEMPLATE "{name}"'))
    finally:
        admin.dispose()
    copy_url = url.set(database=copy_name).render_as_string(hide_password=False)
    return make_settings(data, copy_url)


@dataclass(frozen=True)
class WebUser:
    login: str
    token: str
    case_id: str  # where this user's uploads go
    cookie: str = ""


def setup_web_users(db: Database, settings: Settings, org: Org, count: int) -> list[WebUser]:
    """``count`` clerks who read the same units as ``bench-part``, each with a password, an API
    token and an own case (in a new dossier of a readable unit) for uploads."""
    codes = org.unit_codes[:PART_READER_UNITS]
    logins = [WEB_USER.format(n) for n in range(1, count + 1)]
    tokens: list[str] = []
    started = time.perf_counter()
    with db.write() as connection:
        for login in logins:
            organisation.add_user(connection, login, f"Lasttest {login}", codes, ACTOR)
            auth.set_password(connection, login, PASSWORD, ACTOR)
            tokens.append(auth.create_token(connection, login, "web_load", ACTOR))
    d_rule = dossier_rule(settings.dossier_reference_rule)
    c_rule = case_rule(settings.case_reference_rule)
    users: list[WebUser] = []
    with db.write() as connection:
        references = [
            dossiers.create_dossier(
                connection,
                d_rule,
                f"99.{int(code.rsplit('-', 1)[1])}",
                f"Webablage {code}",
                None,
                ACTOR,
            ).reference
            for code in codes
        ]
        for number, (login, token) in enumerate(zip(logins, tokens, strict=True)):
            case = dossiers.create_case(
                connection, c_rule, references[number % len(references)], f"Lasttest {login}", ACTOR
            )
            users.append(WebUser(login, token, case.uuid))
    log(f"{count} web users with password and token in {time.perf_counter() - started:.1f} s")
    return users


# --------------------------------------------------------------------------- baseline


@dataclass
class RawTimes:
    search_page: list[float] = field(default_factory=list)  # search(…, limit=20)
    api_search: list[float] = field(default_factory=list)  # search(…, limit=10)
    dossier_page: list[float] = field(default_factory=list)  # describe + history


def measure_raw(
    db: Database,
    settings: Settings,
    user: User,
    queries: list[Query],
    dossier_ids: list[str],
    rounds: int,
) -> tuple[RawTimes, list[Query], list[str]]:
    """The core calls behind the pages, in-process and single-threaded: one warm-up pass,
    then ``rounds`` timed passes. Queries eakte rejects are dropped (and listed)."""
    max_length = settings.max_query_length
    raw = RawTimes()
    valid: list[Query] = []
    errors: list[str] = []

    def search_call(connection: Connection, query: str, limit: int) -> float:
        start = time.perf_counter()
        search(connection, user, query, limit=limit, max_length=max_length)
        return time.perf_counter() - start

    def dossier_call(connection: Connection, dossier_id: str) -> float:
        start = time.perf_counter()
        record = describe(connection, dossier_id, user)
        listing.history(connection, "dossier", record["id"], documents=False)  # as the page
        return time.perf_counter() - start

    with db.read() as connection:
        for query in queries:
            try:
                search_call(connection, query.text, PAGE_LIMIT)
            except QueryError as exc:
                errors.append(f"{query.text!r}: {exc.message}")
                continue
            search_call(connection, query.text, API_LIMIT)
            valid.append(query)
        for dossier_id in dossier_ids:
            dossier_call(connection, dossier_id)
        log(f"baseline: {len(valid)} queries × {rounds} rounds, in-process …")
        for _ in range(rounds):
            for query in valid:
                raw.search_page.append(search_call(connection, query.text, PAGE_LIMIT))
                raw.api_search.append(search_call(connection, query.text, API_LIMIT))
            # As many dossier calls as queries, over the readable dossiers in turn.
            for number in range(len(valid)):
                dossier_id = dossier_ids[number % len(dossier_ids)]
                raw.dossier_page.append(dossier_call(connection, dossier_id))
    return raw, valid, errors


def raw_summary(times: list[float]) -> dict[str, Any]:
    return {
        "calls": len(times),
        "ms": latency_stats(times),
        "rps_single_thread": rnd(len(times) / sum(times), 1) if times else None,
    }


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    settings: Settings, port: int, workers: int, log_path: Path
) -> subprocess.Popen[bytes]:
    """``eakte serve`` equivalent: uvicorn with the settings of ``eakte serve`` (log level
    warning, proxy headers), configured through the environment like any installation."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EAKTE_")}
    env["EAKTE_DATA"] = str(settings.data.resolve())
    if settings.database_url:
        env["EAKTE_DATABASE_URL"] = settings.database_url
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "eakte.web.asgi:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--proxy-headers",
    ]
    with open(log_path, "wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_READY_SECONDS
    with httpx.Client(base_url=base, trust_env=False, timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
                fail(f"the server stopped with exit code {process.returncode}:\n{tail}")
            try:
                if client.get("/login").status_code == 200:
                    return process
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    stop_server(process)
    fail(f"the server did not answer within {SERVER_READY_SECONDS:.0f} s (log: {log_path})")
    raise AssertionError  # unreachable


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --------------------------------------------------------------------------- CPU accounting

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
            time.process_time(),
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


def postgres_postmaster(db: Database) -> int | None:
    """The local PostgreSQL server's main process (to count its CPU), if it runs here."""
    if db.is_sqlite:
        return None
    with db.read() as connection:
        backend = int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
        try:
            with open(f"/proc/{backend}/stat", encoding="ascii", errors="replace") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{parent}/comm", encoding="ascii", errors="replace") as handle:
                name = handle.read().strip()
        except OSError:  # not on this machine
            return None
    return parent if name in ("postgres", "postmaster") else None


def postgres_sessions(settings: Settings) -> int | None:
    """PostgreSQL: connections opened to the web database so far (including this one)."""
    if settings.is_sqlite:
        return None
    engine = create_engine(settings.resolved_database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
                ).scalar_one()
            )
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- load


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


def make_sender(
    scenario: str,
    client: httpx.AsyncClient,
    web_users: list[WebUser],
    queries: list[Query],
    dossier_ids: list[str],
) -> tuple[Sender, int]:
    """The request of ``scenario`` for user ``u``'s ``n``-th turn, and the expected status.
    Each user starts at its own offset in the query (or dossier) list and walks on."""
    users = len(web_users)

    def query_for(u: int, n: int) -> str:
        return queries[(u * len(queries) // users + n) % len(queries)].text

    if scenario == "search_page":

        async def send(u: int, n: int) -> httpx.Response:
            headers = {"Cookie": f"{COOKIE}={web_users[u].cookie}"}
            return await client.get("/suche", params={"q": query_for(u, n)}, headers=headers)

        return send, 200
    if scenario == "api_search":

        async def send(u: int, n: int) -> httpx.Response:
            headers = {"Authorization": f"Bearer {web_users[u].token}"}
            return await client.get(
                "/api/v1/search", params={"q": query_for(u, n)}, headers=headers
            )

        return send, 200
    if scenario == "dossier_page":

        async def send(u: int, n: int) -> httpx.Response:
            headers = {"Cookie": f"{COOKIE}={web_users[u].cookie}"}
            return await client.get(
                f"/akten/{dossier_ids[(u + n) % len(dossier_ids)]}", headers=headers
            )

        return send, 200
    if scenario == "upload":

        async def send(u: int, n: int) -> httpx.Response:
            user = web_users[u]
            body = f"Lasttest {user.login} Nr. {n} {secrets.token_hex(8)}\n\n{UPLOAD_FILLER}"
            files = {"files": (f"lasttest-{n:05d}.txt", body.encode("utf-8"), "text/plain")}
            return await client.post(
                f"/api/v1/cases/{user.case_id}/documents",
                files=files,
                headers={"Authorization": f"Bearer {user.token}"},
            )

        return send, 201
    raise ValueError(scenario)


async def log_in(base: str, web_users: list[WebUser]) -> tuple[list[WebUser], list[float]]:
    """Every user signs in through POST /login (argon2 check, new session), 8 at a time."""
    gate = asyncio.Semaphore(8)
    seconds: list[float] = []

    async def one(user: WebUser) -> WebUser:
        async with gate, httpx.AsyncClient(base_url=base, trust_env=False, timeout=60) as client:
            start = time.perf_counter()
            response = await client.post(
                "/login", data={"login": user.login, "password": PASSWORD, "weiter": "/"}
            )
            seconds.append(time.perf_counter() - start)
            cookie = response.cookies.get(COOKIE)
            if response.status_code != 303 or not cookie:
                fail(f"login of {user.login} failed: HTTP {response.status_code}")
            return WebUser(user.login, user.token, user.case_id, cookie or "")

    signed_in = await asyncio.gather(*(one(u) for u in web_users))
    return list(signed_in), seconds


@dataclass(frozen=True)
class LoadPlan:
    base: str  # http://127.0.0.1:port
    server_pid: int
    database_pid: int | None  # local PostgreSQL postmaster, for its CPU time
    scenarios: list[str]
    seconds: float
    warmup: float
    think: float  # seconds between an answer and the user's next request (0: none)


async def run_scenario(
    plan: LoadPlan, scenario: str, send: Sender, expected: int, users: int
) -> dict[str, Any]:
    log(f"{scenario}: {plan.warmup:g} s warm-up, {plan.seconds:g} s with {users} users …")
    if plan.warmup > 0:
        await run_phase(send, users, expected, plan.warmup, plan.think, None)
    outcome = Outcome()
    before = CpuMark.take(plan.server_pid, plan.database_pid)
    wall = await run_phase(send, users, expected, plan.seconds, plan.think, outcome)
    cpu = CpuMark.take(plan.server_pid, plan.database_pid).since(before)
    ok = len(outcome.latencies)
    stats = latency_stats(outcome.latencies)
    result = {
        "requests": sum(outcome.statuses.values()),
        "ok": ok,
        "errors": sum(outcome.statuses.values()) - ok,
        "statuses": dict(outcome.statuses),
        "seconds": rnd(wall, 2),
        "rps": rnd(ok / wall, 1),
        "ms": stats,
        "mean_response_bytes": round(outcome.response_bytes / ok) if ok else 0,
        "server_cpu_ms_per_request": rnd(cpu["server_cores"] * wall / ok * 1000, 2) if ok else None,
        "cpu": cpu,
        **({"first_errors": outcome.first_errors} if outcome.first_errors else {}),
    }
    log(
        f"{scenario}: {ok / wall:,.1f} req/s, p50 {stats['p50']:.1f} ms, "
        f"p95 {stats['p95']:.1f} ms, errors {result['errors']}; cores: server "
        f"{cpu['server_cores']}, database {cpu['database_cores']}, load generator "
        f"{cpu['load_generator_cores']}, other {cpu['other_cores']}"
    )
    return result


async def run_load(
    plan: LoadPlan, web_users: list[WebUser], queries: list[Query], dossier_ids: list[str]
) -> tuple[dict[str, Any], list[float]]:
    web_users, login_seconds = await log_in(plan.base, web_users)
    users = len(web_users)
    # Idle connections expire before uvicorn's keep-alive timeout (5 s) closes them, so that a
    # request never races the server's close (a ReadError that is the client's doing).
    limits = httpx.Limits(
        max_connections=users, max_keepalive_connections=users, keepalive_expiry=2.0
    )
    results: dict[str, Any] = {}
    async with httpx.AsyncClient(
        base_url=plan.base, limits=limits, timeout=httpx.Timeout(120.0), trust_env=False
    ) as client:
        for scenario in plan.scenarios:
            send, expected = make_sender(scenario, client, web_users, queries, dossier_ids)
            results[scenario] = await run_scenario(plan, scenario, send, expected, users)
            client.cookies.clear()
    return results, login_seconds


# --------------------------------------------------------------------------- main


def compare(web: dict[str, Any], raw: dict[str, Any] | None, target: bool) -> dict[str, Any]:
    """Add the web-to-raw ratios (2.0 = the web request takes twice as long as the bare call)
    and the p95 target to a scenario result."""
    result = dict(web)
    if raw is not None:
        result["ratio_web_to_raw"] = {
            "p50": safe_ratio(web["ms"]["p50"], raw["ms"]["p50"]),
            "p95": safe_ratio(web["ms"]["p95"], raw["ms"]["p95"]),
            "rps": safe_ratio(web["rps"], raw["rps_single_thread"]),
        }
    if target:
        result["target_p95_ms"] = TARGET_P95_MS
        result["meets_target"] = bool(web["ok"]) and web["ms"]["p95"] <= TARGET_P95_MS
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="paragraph documents")
    parser.add_argument("--users", type=int, default=50, help="concurrent virtual users")
    parser.add_argument("--seconds", type=float, default=20, help="measured time per scenario")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured lead-in per scenario")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated of {', '.join(SCENARIOS)}",
    )
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0,
        help="pause of each user between an answer and its next request (0.5–1.5 × this; "
        "default 0: closed loop without pauses)",
    )
    parser.add_argument("--queries", type=int, default=200, help="queries to sample")
    parser.add_argument("--rounds", type=int, default=3, help="timed baseline passes")
    parser.add_argument("--seed", type=int, default=2026, help="sampling seed")
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes (PostgreSQL only > 1)"
    )
    add_common_options(parser)
    args = parser.parse_args()
    args.scenario_list = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenario_list) - set(SCENARIOS)
    if unknown or not args.scenario_list:
        fail(f"--scenarios: unknown {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    if args.docs < 1 or args.users < 1 or args.seconds <= 0 or min(args.warmup, args.think_ms) < 0:
        fail("--docs and --users must be ≥ 1, --seconds > 0, --warmup and --think-ms ≥ 0")
    if args.queries < 10 or args.rounds < 1 or args.workers < 1:
        fail("--queries must be ≥ 10, --rounds ≥ 1, --workers ≥ 1")
    if args.workers > 1 and args.database_url is None:
        fail("with SQLite eakte serve runs in one process (--workers 1)")
    return args


@dataclass
class Prepared:
    """The web copy of the database with its users, and the same-run baseline."""

    settings: Settings
    base_build: dict[str, Any]
    web_users: list[WebUser]
    queries: list[Query]
    query_info: dict[str, Any]
    dossier_ids: list[str]
    user_info: dict[str, Any]
    raw: dict[str, Any]
    database_pid: int | None


def prepare(args: argparse.Namespace) -> Prepared:
    work: Path = args.work.resolve()
    base, built = open_database(
        argparse.Namespace(docs=args.docs, database_url=args.database_url),
        base_work(work, args.database_url),
    )
    queries, query_info = make_queries(work, args.queries, args.seed, loaded_karlsruhe_files(base))
    settings = copy_for_web(base, args.database_url, args.docs, work)
    db = Database(settings)
    try:
        with db.read() as connection:
            org = load_org(connection)
        web_users = setup_web_users(db, settings, org, args.users)
        user = get_user(db, web_users[0].login)
        with db.read() as connection:
            readable = readable_unit_ids(connection, user)
            per_unit = connection.execute(
                text("SELECT unit_id, count(*) AS n FROM documents GROUP BY unit_id")
            ).all()
            same_as_part = readable == readable_unit_ids(
                connection, organisation.get_user(connection, PART_READER)
            )
        dossier_ids = sorted(d.uuid for d in org.dossiers.values() if d.lead_unit_id in readable)
        if not dossier_ids:
            fail("no dossier of the benchmark org in the readable units")
        raw, valid, errors = measure_raw(db, settings, user, queries, dossier_ids, args.rounds)
        database_pid = postgres_postmaster(db)
    finally:
        db.dispose()
    return Prepared(
        settings,
        built,
        web_users,
        valid,
        {
            "count": len(valid),
            "seed": args.seed,
            "by_kind": dict(Counter(q.kind for q in valid)),
            **query_info,
            "errors": errors,
        },
        dossier_ids,
        {
            "logins": f"{WEB_USER.format(1)} … {WEB_USER.format(args.users)}",
            "same_units_as": PART_READER if same_as_part else None,
            "readable_units": len(readable),
            "readable_doc_share": rnd(
                sum(r.n for r in per_unit if r.unit_id in readable) / args.docs
            ),
        },
        {
            "search_page": {
                "call": f"search(…, limit={PAGE_LIMIT})",
                **raw_summary(raw.search_page),
            },
            "api_search": {"call": f"search(…, limit={API_LIMIT})", **raw_summary(raw.api_search)},
            "dossier_page": {
                "call": "describe(dossier) + listing.history",
                **raw_summary(raw.dossier_page),
            },
        },
        database_pid,
    )


def main() -> None:
    args = parse_args()
    ready = prepare(args)
    settings = ready.settings
    quiet = machine_busy_share(2.0)
    if quiet > 0.1:
        log(f"warning: the machine is {quiet:.0%} busy before the server starts (other jobs?)")
    port = free_port()
    sessions_before = postgres_sessions(settings)
    log_path = settings.data.parent / "server.log"
    log(f"starting uvicorn on 127.0.0.1:{port} ({args.workers} worker(s)) …")
    server = start_server(settings, port, args.workers, log_path)
    plan = LoadPlan(
        f"http://127.0.0.1:{port}",
        server.pid,
        ready.database_pid,
        args.scenario_list,
        args.seconds,
        args.warmup,
        args.think_ms / 1000,
    )
    try:
        web, login_seconds = asyncio.run(
            run_load(plan, ready.web_users, ready.queries, ready.dossier_ids)
        )
    finally:
        stop_server(server)
    sessions_after = postgres_sessions(settings)
    db = Database(settings)
    try:
        uploaded = document_count(db) - args.docs
    finally:
        db.dispose()
    scenarios = {
        name: compare(result, ready.raw.get(name), name != "upload") for name, result in web.items()
    }
    if "upload" in scenarios:
        scenarios["upload"]["documents_filed_with_warmup"] = uploaded
    emit(
        {
            "benchmark": "web_load",
            "backend": "sqlite" if args.database_url is None else "postgresql",
            "docs": args.docs,
            "build": ready.base_build,
            "server": {
                "command": "python -m uvicorn eakte.web.asgi:app --log-level warning "
                f"--proxy-headers --workers {args.workers}",
                "uvicorn": uvicorn.__version__,
                "workers": args.workers,
                "cpus": CPUS,
                # PostgreSQL: connections the server opened during the whole load phase
                # (logins and all scenarios); many more than its pool holds means churn.
                "database_connections_opened": (
                    sessions_after - sessions_before - 1
                    if sessions_after is not None and sessions_before is not None
                    else None
                ),
            },
            "load": {
                "generator": f"httpx {httpx.__version__} AsyncClient in one process, keep-alive",
                "users": args.users,
                "think_ms": args.think_ms,
                "seconds_per_scenario": args.seconds,
                "warmup_seconds": args.warmup,
                "machine_busy_share_before": quiet,
                "login_ms": latency_stats(login_seconds),
            },
            "user": ready.user_info,
            "queries": ready.query_info,
            "dossiers": len(ready.dossier_ids),
            "raw": ready.raw,
            "scenarios": scenarios,
        }
    )


if __name__ == "__main__":
    main()
