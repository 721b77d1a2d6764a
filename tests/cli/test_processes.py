"""Several processes on one database: two ``eakte add`` at once, ``eakte serve --workers 2``.

On SQLite every write starts with ``BEGIN IMMEDIATE``; a process that finds another one writing
waits up to ``sqlite_busy_timeout_ms`` instead of failing with "database is locked".
"""

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from eakte.db.engine import Database
from eakte.settings import Settings

EAKTE = [sys.executable, "-c", "from eakte.cli.main import main; main()"]
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
PLAN_CSV = "code,title,retention_years,disposition,lead_unit\n63,Bauordnung,30,B,BAU\n"


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EAKTE_")}
    env["EAKTE_DATA"] = str(settings.data)
    if settings.database_url:
        env["EAKTE_DATABASE_URL"] = settings.database_url
    return env | {"EAKTE_ACTOR": "test", **extra}


def _case(run: Any, tmp_path: Path) -> str:
    """The reference of a new case of the clerk m.wagner."""
    assert run("init").code == 0
    assert run("unit", "add", "BAU", "--name", "Bauamt").code == 0
    assert run("user", "add", "m.wagner", "--name", "Maria Wagner", "--unit", "BAU").code == 0
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN_CSV)
    assert run("plan", "import", str(plan)).code == 0
    dossier = run("dossier", "create", "--plan", "63", "--subject", "Neubau", "--json")
    assert dossier.code == 0, dossier.err
    case = run("case", "create", "--dossier", dossier.json["id"], "--subject", "Antrag", "--json")
    assert case.code == 0, case.err
    return str(case.json["reference"])


def _letters(folder: Path, prefix: str, count: int) -> Path:
    folder.mkdir()
    for number in range(count):
        (folder / f"{prefix}-{number:03d}.txt").write_text(
            f"Schreiben {prefix} Nummer {number}: Stellungnahme zum Bauantrag.\n"
        )
    return folder


def _filed(run: Any, case: str) -> int:
    shown = run("show", case, "--json")
    assert shown.code == 0, shown.err
    return len(shown.json["documents"])


def test_two_processes_file_into_one_case_at_once(
    run: Any, settings: Settings, tmp_path: Path
) -> None:
    case = _case(run, tmp_path)
    folders = [_letters(tmp_path / name, name, 40) for name in ("nord", "sued")]
    env = _env(settings, EAKTE_INGEST_BATCH_SIZE="1")  # one transaction per file
    db = Database(settings)
    try:
        # Both start while a third writer holds the database: they have to wait for it, and
        # then for each other, file by file.
        with db.write():
            processes = [
                subprocess.Popen(
                    [*EAKTE, "add", str(folder), "--case", case, "--json"],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
                for folder in folders
            ]
            time.sleep(2)
        outputs = [process.communicate(timeout=180) for process in processes]
    finally:
        db.dispose()
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()
        assert json.loads(out)["added"] == 40, (out, err)
    assert _filed(run, case) == 80
    assert run("audit", "verify").code == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid:
            found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    """The command line of a running process; empty once it has ended (or is a zombie)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _wait_until_serving(server: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text(errors="replace")
        try:
            if httpx.get(f"{base}/login", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"eakte serve did not answer: {log.read_text(errors='replace')}")


@sqlite_only  # PostgreSQL has taken several workers from the start
def test_serve_with_two_workers_takes_uploads_at_once(
    run: Any, settings: Settings, tmp_path: Path
) -> None:
    case = _case(run, tmp_path)
    token = run("token", "create", "m.wagner", "--name", "Lasttest").out.strip()
    case_id = run("show", case, "--json").json["id"]
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*EAKTE, "serve", "--port", str(port), "--workers", "2"],
            env=_env(settings),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    workers: list[int] = []
    try:
        _wait_until_serving(server, base, log)
        workers = [pid for pid in _children(server.pid) if b"spawn_main" in _cmdline(pid)]
        assert len(workers) == 2  # two worker processes

        # A second server on the same address is refused, in German, not let in beside it.
        second = subprocess.run(
            [*EAKTE, "serve", "--port", str(port), "--workers", "2"],
            env=_env(settings),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert f"Adresse 127.0.0.1:{port} nicht nutzbar" in second.stderr

        def upload(number: int) -> int:
            with httpx.Client(base_url=base, timeout=60) as client:
                response = client.post(
                    f"/api/v1/cases/{case_id}/documents",
                    headers={"Authorization": f"Bearer {token}"},
                    files={"files": (f"brief-{number:02d}.txt", f"Brief Nummer {number}.\n")},
                )
            return response.status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(upload, range(24)))
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert server.returncode == 0, log.read_text(errors="replace")
    assert not [pid for pid in workers if _cmdline(pid)]  # all stopped
    assert statuses == [201] * 24, log.read_text(errors="replace")
    assert _filed(run, case) == 24
    assert run("audit", "verify").code == 0
