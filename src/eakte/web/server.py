"""Serving the web application with one or more processes (``eakte serve``).

With several processes uvicorn's own supervisor lets them share one listening socket: whichever
process accepts first gets the connection, and browsers keep their connections open, so one
process may end up with three quarters of the people while the other idles (measured: 37 of 50
connections). Here every process opens its own socket on the same address with
``SO_REUSEPORT``, and the kernel spreads new connections evenly over them. A process that dies
is started again; Ctrl+C or SIGTERM stop them all.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType

APP = "eakte.web.asgi:app"
LOG_LEVEL = "warning"
# Connections the kernel queues per process before the application accepts them.
BACKLOG = 2048
# A process that ends sooner than this after its start is not started again (a fault in the
# installation, not a crash under load): everything stops with an error instead.
STARTUP_SECONDS = 15.0


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` that other processes may bind as well."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    return sock


def _one_process(host: str, port: int) -> None:
    import uvicorn

    sock = listening_socket(host, port)
    config = uvicorn.Config(APP, log_level=LOG_LEVEL, proxy_headers=True)
    uvicorn.Server(config).run(sockets=[sock])


def _check_free(host: str, port: int) -> None:
    """Fails (OSError) when something listens on the address already, another eakte too: a
    socket without ``SO_REUSEPORT`` cannot share it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


class _Supervisor:
    """Starts the processes, starts a dead one again, stops them all."""

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)
        self.context = multiprocessing.get_context("spawn")
        self.running: list[BaseProcess] = []
        self.started: dict[int, float] = {}
        self.stopping = False

    def start(self) -> BaseProcess:
        process = self.context.Process(target=_one_process, args=self.address, daemon=False)
        process.start()
        self.started[id(process)] = time.monotonic()
        return process

    def watch(self) -> None:
        for index, process in enumerate(self.running):
            if process.is_alive() or self.stopping:
                continue
            if time.monotonic() - self.started[id(process)] < STARTUP_SECONDS:
                raise SystemExit(
                    f"Ein Serverprozess endete gleich nach dem Start (Exit-Status "
                    f"{process.exitcode}); seine Meldung steht oben."
                )
            self.running[index] = self.start()  # it died under way: serve on with a fresh one

    def stop_all(self) -> None:
        for process in self.running:
            if process.is_alive():
                process.terminate()  # uvicorn finishes open requests on SIGTERM
        for process in self.running:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()


def serve(host: str, port: int, processes: int) -> None:
    """Serve until Ctrl+C or SIGTERM."""
    _check_free(host, port)  # a taken port fails here, once, not in every process
    if processes == 1:
        import uvicorn

        uvicorn.run(APP, host=host, port=port, log_level=LOG_LEVEL, proxy_headers=True)
        return
    supervisor = _Supervisor(host, port)

    def stop(_signal: int, _frame: FrameType | None) -> None:
        supervisor.stopping = True

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        supervisor.running = [supervisor.start() for _ in range(processes)]
        while not supervisor.stopping:
            time.sleep(0.5)
            supervisor.watch()
    finally:
        supervisor.stop_all()
        for number, handler in previous.items():
            signal.signal(number, handler)
