"""Web load: requests/s and latency of pages and API with many concurrent users on loopback.

The server is ``eakte serve --workers N`` as a subprocess (with
``EAKTE_DATA``/``EAKTE_DATABASE_URL``) on a copy of the search_latency database (built or reused
in ``--work``/search-N/ by the same code). ``--users`` virtual users (accounts that read 2 of 10
units, like ``bench-part``) run one scenario at a time for ``--seconds``: the search page, the
API search, the dossier page and an API upload of a small text file. The load generator is wrk
(``wrk_load.py``) where it is installed, else httpx.AsyncClient in this process
(``httpx_load.py``); either runs a closed loop, each user sending its next request when the
previous answer arrived, after a think pause with ``--think-ms``. ``--workers 1,2`` and
``--think-ms 0,1000`` run every combination. Baseline, measured in the same run before the
server starts: the core calls in-process and single-threaded (``search(connection, user, q)``;
``describe`` + history for the dossier page).

    .venv/bin/python bench/web_load.py [--docs 100000] [--users 50] [--seconds 20] [--warmup 3]
                                       [--scenarios search_page,api_search,dossier_page,upload]
                                       [--think-ms 0[,1000]] [--workers 1[,2]]
                                       [--load-generator auto|wrk|httpx]
                                       [--queries 200] [--rounds 3] [--seed 2026]
                                       [--work DIR] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

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
from cpu_usage import CPUS, CpuMark, machine_busy_share
from eakte.auth import service as auth
from eakte.core.references import case_rule, dossier_rule
from eakte.db.engine import Database
from eakte.db.migrate import upgrade
from eakte.errors import QueryError
from eakte.records import dossiers, listing, organisation
from eakte.records.access import read_scope
from eakte.records.lookup import describe
from eakte.records.organisation import User
from eakte.search import search
from eakte.settings import Settings
from httpx_load import Outcome, Sender, run_phase
from search_latency import (
    PART_READER_UNITS,
    Query,
    loaded_karlsruhe_files,
    make_queries,
    open_database,
)
from wrk_load import Upload, WrkRequest, lua_script, run_wrk, wrk_path

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
        return upgraded(make_settings(data, None))
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
    return upgraded(make_settings(data, copy_url))


def upgraded(settings: Settings) -> Settings:
    """The reusable database keeps the schema it was built with; its copy gets the migrations
    added since, so that the server finds the tables it expects."""
    db = Database(settings)
    try:
        upgrade(db)
    finally:
        db.dispose()
    return settings


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
        # The page shows the facets (hits per kind and unit) beside the hits; the API not.
        facets = limit == PAGE_LIMIT
        search(connection, user, query, limit=limit, max_length=max_length, facets=facets)
        return time.perf_counter() - start

    def dossier_call(connection: Connection, dossier_id: str) -> float:
        start = time.perf_counter()
        # As the page: the dossier without its cases, its first page of cases, its history.
        record = describe(connection, dossier_id, user, contents=False)
        listing.dossier_cases(connection, record["id"])
        listing.history(connection, "dossier", record["id"], documents=False)
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
    settings: Settings, port: int, workers: int, log_path: Path, threads: int | None = None
) -> subprocess.Popen[bytes]:
    """``eakte serve --workers N`` (its processes, each with its own ``SO_REUSEPORT`` socket),
    configured through the environment like any installation."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EAKTE_")}
    env["EAKTE_DATA"] = str(settings.data.resolve())
    if settings.database_url:
        env["EAKTE_DATABASE_URL"] = settings.database_url
    if threads:
        env["EAKTE_WEB_REQUEST_THREADS"] = str(threads)
    command = [
        str(Path(sys.executable).with_name("eakte")),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
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


def wrk_requests(
    scenario: str, web_users: list[WebUser], queries: list[Query], dossier_ids: list[str]
) -> tuple[list[WrkRequest], int, Upload | None]:
    """The requests of ``scenario`` for wrk, each with its user's cookie or token, and the
    expected status. The connections take them in turn (the n-th by user n mod users)."""
    users = len(web_users)

    def cookie(n: int) -> dict[str, str]:
        return {"Cookie": f"{COOKIE}={web_users[n % users].cookie}"}

    def bearer(n: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {web_users[n % users].token}"}

    searches = range(max(len(queries), users))
    if scenario == "search_page":
        return (
            [
                WrkRequest(
                    "GET", f"/suche?{urlencode({'q': queries[n % len(queries)].text})}", cookie(n)
                )
                for n in searches
            ],
            200,
            None,
        )
    if scenario == "api_search":
        return (
            [
                WrkRequest(
                    "GET",
                    f"/api/v1/search?{urlencode({'q': queries[n % len(queries)].text})}",
                    bearer(n),
                )
                for n in searches
            ],
            200,
            None,
        )
    if scenario == "dossier_page":
        return (
            [
                WrkRequest("GET", f"/akten/{dossier_ids[n % len(dossier_ids)]}", cookie(n))
                for n in range(users * len(dossier_ids))
            ],
            200,
            None,
        )
    if scenario == "upload":
        return (
            [
                WrkRequest("POST", f"/api/v1/cases/{user.case_id}/documents", bearer(n))
                for n, user in enumerate(web_users)
            ],
            201,
            Upload(f"Lasttest {secrets.token_hex(4)}", UPLOAD_FILLER),
        )
    raise ValueError(scenario)


@dataclass(frozen=True)
class LoadPlan:
    base: str  # http://127.0.0.1:port
    server_pid: int
    database_pid: int | None  # local PostgreSQL postmaster, for its CPU time
    scenarios: list[str]
    seconds: float
    warmup: float
    think_ms: float  # pause between an answer and the user's next request (0: none)
    generator: str  # "wrk" or "httpx"
    scripts: Path  # where the wrk scripts are written


def scenario_result(
    scenario: str,
    statuses: Counter[str],
    expected: int,
    wall: float,
    ms: dict[str, float],
    response_bytes: int,
    cpu: dict[str, Any],
    first_errors: list[str],
) -> dict[str, Any]:
    ok = statuses[str(expected)]
    result = {
        "requests": sum(statuses.values()),
        "ok": ok,
        "errors": sum(statuses.values()) - ok,
        "statuses": dict(statuses),
        "seconds": rnd(wall, 2),
        "rps": rnd(ok / wall, 1),
        "ms": ms,
        "mean_response_bytes": round(response_bytes / ok) if ok else 0,
        "server_cpu_ms_per_request": rnd(cpu["server_cores"] * wall / ok * 1000, 2) if ok else None,
        "cpu": cpu,
        **({"first_errors": first_errors} if first_errors else {}),
    }
    log(
        f"{scenario}: {ok / wall:,.1f} req/s, p50 {ms['p50']:.1f} ms, "
        f"p95 {ms['p95']:.1f} ms, errors {result['errors']}; cores: server "
        f"{cpu['server_cores']}, database {cpu['database_cores']}, load generator "
        f"{cpu['load_generator_cores']}, other {cpu['other_cores']}"
    )
    return result


def run_wrk_scenario(
    plan: LoadPlan,
    scenario: str,
    web_users: list[WebUser],
    queries: list[Query],
    dossier_ids: list[str],
) -> dict[str, Any]:
    users = len(web_users)
    requests, expected, upload = wrk_requests(scenario, web_users, queries, dossier_ids)
    script = plan.scripts / f"{scenario}.lua"
    script.write_text(lua_script(requests, expected, plan.think_ms, upload), encoding="utf-8")
    log(f"{scenario}: {plan.warmup:g} s warm-up, {plan.seconds:g} s with {users} users (wrk) …")
    if plan.warmup > 0:
        run_wrk(plan.base, users, plan.warmup, script)
    before = CpuMark.take(plan.server_pid, plan.database_pid)
    found = run_wrk(plan.base, users, plan.seconds, script)
    cpu = CpuMark.take(plan.server_pid, plan.database_pid).since(before)
    latency = found["latency_us"]
    ms = {key: rnd(latency[key] / 1000) for key in ("p50", "p95", "p99", "mean", "max")}
    statuses = Counter({str(k): int(v) for k, v in found["statuses"].items()})
    errors = found["socket_errors"]
    statuses.update({k: v for k, v in errors.items() if v})  # connect, read, write, timeout
    return scenario_result(
        scenario,
        statuses,
        expected,
        found["duration_us"] / 1e6,
        ms,
        found["bytes"],
        cpu,
        found["first_errors"],
    )


async def run_httpx_scenario(
    plan: LoadPlan, scenario: str, send: Sender, expected: int, users: int
) -> dict[str, Any]:
    log(f"{scenario}: {plan.warmup:g} s warm-up, {plan.seconds:g} s with {users} users …")
    think = plan.think_ms / 1000
    if plan.warmup > 0:
        await run_phase(send, users, expected, plan.warmup, think, None)
    outcome = Outcome()
    before = CpuMark.take(plan.server_pid, plan.database_pid)
    wall = await run_phase(send, users, expected, plan.seconds, think, outcome)
    cpu = CpuMark.take(plan.server_pid, plan.database_pid).since(before)
    return scenario_result(
        scenario,
        outcome.statuses,
        expected,
        wall,
        latency_stats(outcome.latencies),
        outcome.response_bytes,
        cpu,
        outcome.first_errors,
    )


async def run_httpx_load(
    plan: LoadPlan, web_users: list[WebUser], queries: list[Query], dossier_ids: list[str]
) -> dict[str, Any]:
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
            results[scenario] = await run_httpx_scenario(plan, scenario, send, expected, users)
            client.cookies.clear()
    return results


def run_load(
    plan: LoadPlan, web_users: list[WebUser], queries: list[Query], dossier_ids: list[str]
) -> dict[str, Any]:
    """All scenarios of ``plan`` one after the other against the running server."""
    if plan.generator == "httpx":
        return asyncio.run(run_httpx_load(plan, web_users, queries, dossier_ids))
    return {
        scenario: run_wrk_scenario(plan, scenario, web_users, queries, dossier_ids)
        for scenario in plan.scenarios
    }


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


def number_list(value: str, option: str) -> list[float]:
    try:
        numbers = [float(part) for part in value.split(",") if part.strip()]
    except ValueError:
        numbers = []
    if not numbers or min(numbers) < 0:
        fail(f"{option}: one or more numbers ≥ 0, separated by commas ({value!r})")
    return numbers


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
        default="0",
        help="pause of each user between an answer and its next request (0.5–1.5 × this); "
        "several comma-separated run one after the other (default 0: closed loop)",
    )
    parser.add_argument("--queries", type=int, default=200, help="queries to sample")
    parser.add_argument("--rounds", type=int, default=3, help="timed baseline passes")
    parser.add_argument("--seed", type=int, default=2026, help="sampling seed")
    parser.add_argument(
        "--workers",
        default="1",
        help="uvicorn worker processes; several comma-separated (1,2) start the server anew "
        "for each",
    )
    parser.add_argument(
        "--request-threads",
        type=int,
        default=None,
        help="requests each server process works on at once (EAKTE_WEB_REQUEST_THREADS; "
        "default: eakte's, the database pool size)",
    )
    parser.add_argument(
        "--load-generator",
        choices=("auto", "wrk", "httpx"),
        default="auto",
        help="wrk if installed (auto), else httpx in this process",
    )
    add_common_options(parser)
    args = parser.parse_args()
    args.scenario_list = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenario_list) - set(SCENARIOS)
    if unknown or not args.scenario_list:
        fail(f"--scenarios: unknown {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    args.think_list = number_list(args.think_ms, "--think-ms")
    args.worker_list = [int(n) for n in number_list(args.workers, "--workers")]
    if args.docs < 1 or args.users < 1 or args.seconds <= 0 or args.warmup < 0:
        fail("--docs and --users must be ≥ 1, --seconds > 0, --warmup ≥ 0")
    if args.queries < 10 or args.rounds < 1 or min(args.worker_list) < 1:
        fail("--queries must be ≥ 10, --rounds ≥ 1, --workers ≥ 1")
    args.generator = args.load_generator
    if args.generator == "auto":
        args.generator = "wrk" if wrk_path() else "httpx"
    elif args.generator == "wrk" and not wrk_path():
        fail("--load-generator wrk: wrk is not installed (Debian: apt-get install wrk)")
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
            readable = read_scope(connection, user).units
            per_unit = connection.execute(
                text("SELECT unit_id, count(*) AS n FROM documents GROUP BY unit_id")
            ).all()
            part = organisation.get_user(connection, PART_READER)
            same_as_part = readable == read_scope(connection, part).units
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
                "call": f"search(…, limit={PAGE_LIMIT}, facets=True)",
                **raw_summary(raw.search_page),
            },
            "api_search": {"call": f"search(…, limit={API_LIMIT})", **raw_summary(raw.api_search)},
            "dossier_page": {
                "call": "describe(…, contents=False) + dossier_cases + history",
                **raw_summary(raw.dossier_page),
            },
        },
        database_pid,
    )


def generator_info(generator: str) -> str:
    if generator == "httpx":
        return f"httpx {httpx.__version__} AsyncClient in this process, keep-alive"
    version = subprocess.run(
        [wrk_path() or "wrk", "--version"], capture_output=True, text=True, check=False
    ).stdout.split("\n", 1)[0]
    return f"{' '.join(version.split()[:2])}, 1 thread, keep-alive, Lua script per scenario"


def load_runs(
    args: argparse.Namespace, ready: Prepared
) -> tuple[list[dict[str, Any]], list[float]]:
    """For each ``--workers`` a fresh server, and in it each ``--think-ms`` with all
    scenarios. The users sign in once (sessions live in the database)."""
    settings = ready.settings
    web_users, login_seconds = ready.web_users, []
    runs: list[dict[str, Any]] = []
    for workers in args.worker_list:
        port = free_port()
        log_path = settings.data.parent / f"server-{workers}.log"
        log(f"starting eakte serve on 127.0.0.1:{port} ({workers} worker(s)) …")
        server = start_server(settings, port, workers, log_path, args.request_threads)
        base = f"http://127.0.0.1:{port}"
        try:
            if not login_seconds:
                web_users, login_seconds = asyncio.run(log_in(base, web_users))
            for think_ms in args.think_list:
                log(f"--- {workers} worker(s), think time {think_ms:g} ms")
                plan = LoadPlan(
                    base,
                    server.pid,
                    ready.database_pid,
                    args.scenario_list,
                    args.seconds,
                    args.warmup,
                    think_ms,
                    args.generator,
                    settings.data.parent,
                )
                web = run_load(plan, web_users, ready.queries, ready.dossier_ids)
                scenarios = {
                    name: compare(result, ready.raw.get(name), name != "upload")
                    for name, result in web.items()
                }
                runs.append({"workers": workers, "think_ms": think_ms, "scenarios": scenarios})
        finally:
            stop_server(server)
    return runs, login_seconds


def summary_rows(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per run and scenario: the figures to compare at a glance."""
    return [
        {
            "workers": run["workers"],
            "think_ms": run["think_ms"],
            "scenario": name,
            "rps": result["rps"],
            "p50_ms": result["ms"]["p50"],
            "p95_ms": result["ms"]["p95"],
            "errors": result["errors"],
            "server_cpu_ms_per_request": result["server_cpu_ms_per_request"],
            **({"meets_target": result["meets_target"]} if "meets_target" in result else {}),
        }
        for run in runs
        for name, result in run["scenarios"].items()
    ]


def main() -> None:
    args = parse_args()
    ready = prepare(args)
    settings = ready.settings
    quiet = machine_busy_share(2.0)
    if quiet > 0.1:
        log(f"warning: the machine is {quiet:.0%} busy before the server starts (other jobs?)")
    sessions_before = postgres_sessions(settings)
    runs, login_seconds = load_runs(args, ready)
    sessions_after = postgres_sessions(settings)
    db = Database(settings)
    try:
        uploaded = document_count(db) - args.docs
    finally:
        db.dispose()
    emit(
        {
            "benchmark": "web_load",
            "backend": "sqlite" if args.database_url is None else "postgresql",
            "docs": args.docs,
            "build": ready.base_build,
            "server": {
                "command": "eakte serve --workers N (a process per worker, each with its "
                "own SO_REUSEPORT socket)",
                "uvicorn": uvicorn.__version__,
                "cpus": CPUS,
                # PostgreSQL: connections the servers opened during the whole load phase
                # (logins and all runs); many more than the pools hold means churn.
                "database_connections_opened": (
                    sessions_after - sessions_before - len(runs) - 1
                    if sessions_after is not None and sessions_before is not None
                    else None
                ),
            },
            "load": {
                "generator": generator_info(args.generator),
                "users": args.users,
                "seconds_per_scenario": args.seconds,
                "warmup_seconds": args.warmup,
                "machine_busy_share_before": quiet,
                "login_ms": latency_stats(login_seconds),
                "uploads_filed_with_warmup": uploaded,
            },
            "user": ready.user_info,
            "queries": ready.query_info,
            "dossiers": len(ready.dossier_ids),
            "raw": ready.raw,
            "summary": summary_rows(runs),
            "runs": runs,
        }
    )


if __name__ == "__main__":
    main()
