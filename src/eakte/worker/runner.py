"""The worker: threads that claim documents waiting for OCR and process them, and a thread that
reads the scan intakes. Runs as ``eakte worker`` or inside ``eakte serve``."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from eakte.blobs.store import FolderBlobStore
from eakte.db.engine import Database
from eakte.ocr import service as ocr_service
from eakte.ocr.engine import OcrOutput, run_ocr
from eakte.settings import Settings
from eakte.worker import jobs

log = logging.getLogger(__name__)


@dataclass
class WorkerSummary:
    outcomes: Counter[str] = field(default_factory=Counter)  # done, retry, failed, lost
    intake: Counter[str] = field(default_factory=Counter)  # filed, duplicates, failed
    left: jobs.Outstanding | None = None


class Worker:
    """``threads`` OCR threads (and, with intakes configured, one intake thread)."""

    def __init__(
        self,
        db: Database,
        blobs: FolderBlobStore,
        settings: Settings,
        threads: int = 1,
        engine: Callable[..., OcrOutput] = run_ocr,
        intakes: bool = True,
    ) -> None:
        self.db, self.blobs, self.settings = db, blobs, settings
        self.threads = max(1, threads)
        self.options = ocr_service.OcrSettings.from_settings(settings, self.threads)
        self.engine = engine
        self.intakes = intakes and bool(settings.scan_intakes)
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.summary = WorkerSummary()
        self.stop_event = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    # ---------------------------------------------------------------- one step

    def work_once(self, worker: str) -> str | None:
        """Claim and process one document; ``None`` when nothing is claimable."""
        with self.db.read() as connection:  # idle polling never takes the (SQLite) writer
            if not jobs.anything_claimable(connection):
                return None
        with self.db.write() as connection:
            claim = jobs.claim(connection, worker, self.options.lease_seconds)
        if claim is None:
            return None
        try:
            outcome = ocr_service.process(
                self.db, self.blobs, self.options, claim, engine=self.engine
            )
        except Exception:
            log.exception("OCR of document %s failed unexpectedly", claim.uuid)
            with self.db.write() as connection:
                outcome = jobs.record_failure(
                    connection,
                    claim,
                    "Die Texterkennung ist mit einem unerwarteten Fehler abgebrochen; "
                    "Einzelheiten stehen im Protokoll des Servers.",
                    False,
                    self.options.max_attempts,
                    self.options.retry_seconds,
                )
        with self._lock:
            self.summary.outcomes[outcome] += 1
        return outcome

    def read_intakes(self) -> None:
        from eakte.scan.intake import run_intakes

        try:
            results = run_intakes(self.db, self.blobs, self.settings)
        except Exception:
            log.exception("reading the scan intakes failed")
            return
        with self._lock:
            for result in results:
                self.summary.intake["filed"] += result.filed
                self.summary.intake["duplicates"] += result.duplicates
                self.summary.intake["failed"] += len(result.failed)

    # ---------------------------------------------------------------- loops

    def _ocr_loop(self, number: int, until_idle: bool) -> None:
        worker = f"{self.name}:{number}"
        while not self.stop_event.is_set():
            try:
                if self.work_once(worker) is not None:
                    continue
                if until_idle:
                    with self.db.read() as connection:
                        left = jobs.outstanding(connection)
                    if left.claimable == 0 and left.running == 0:
                        return
            except Exception:  # the database away for a moment: wait and try again
                log.exception("worker %s: claiming work failed", worker)
            self.stop_event.wait(self.settings.worker_poll_seconds)

    def _intake_loop(self) -> None:
        while not self.stop_event.is_set():
            self.read_intakes()
            self.stop_event.wait(self.settings.intake_poll_seconds)

    def start(self) -> None:
        """Start the threads in the background (``eakte serve``); ``stop`` ends them."""
        self._spawn(until_idle=False)

    def _spawn(self, until_idle: bool) -> None:
        for number in range(1, self.threads + 1):
            thread = threading.Thread(
                target=self._ocr_loop,
                args=(number, until_idle),
                name=f"eakte-worker-{number}",
                daemon=True,
            )
            self._threads.append(thread)
        if self.intakes and not until_idle:
            self._threads.append(
                threading.Thread(target=self._intake_loop, name="eakte-intake", daemon=True)
            )
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout)

    def run(self, until_idle: bool = False) -> WorkerSummary:
        """Work in the foreground: until ``stop`` (or Ctrl+C), or with ``until_idle`` until
        nothing is left that could be done now (intakes are read once first)."""
        if until_idle and self.intakes:
            self.read_intakes()
        self._spawn(until_idle)
        try:
            for thread in self._threads:
                while thread.is_alive():
                    thread.join(0.5)
        except KeyboardInterrupt:
            # Threads in the middle of an OCR run are left: their child processes end with
            # this process and their claims become claimable again when the lease runs out.
            self.stop_event.set()
            raise
        with self.db.read() as connection:
            self.summary.left = jobs.outstanding(connection)
        return self.summary
