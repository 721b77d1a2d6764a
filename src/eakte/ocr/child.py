"""The OCR child process: OCRmyPDF's command line, ended when the worker that started it dies.

``python -m eakte.ocr.child ARGS`` is ``ocrmypdf ARGS``, except that the kernel kills it as
soon as its parent (the worker thread) goes away, so a worker killed with SIGKILL leaves no OCR
running on without it (Linux ``PR_SET_PDEATHSIG``; elsewhere it simply runs to its end).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def main() -> None:
    _die_with_parent()
    with contextlib.suppress(RuntimeError):
        multiprocessing.set_start_method("forkserver")
    from ocrmypdf.__main__ import run

    sys.exit(int(run(sys.argv[1:])))  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
