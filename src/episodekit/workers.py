"""Worker processes that never outlive the build: a process pool whose workers exit as soon as
their parent is gone (kill -9 included) and leave Ctrl-C to it."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor

PARENT_CHECK_S = 0.25  # how often a worker looks whether its parent is still there


def _die_with_parent(parent: int) -> None:
    """Worker initializer: exit as soon as the build process is gone, so no worker, nor the
    resource tracker that waits for the workers, outlives it. A thread polls the parent's pid
    (PR_SET_PDEATHSIG would fire when the *thread* that spawned the worker ends, which is not
    the build ending)."""
    # Ctrl-C reaches every process of the terminal's group: the build handles it (and says
    # what was kept); a worker would only print a traceback from its idle wait.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A "spawn" pool of `workers` processes that die with this one."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp.get_context("spawn"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )
