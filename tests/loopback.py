"""What the loopback test servers share (tests/edge_server.py, tests/llm_server.py): an aiohttp
app on 127.0.0.1 in its own event loop and thread, started and stopped from the test's thread,
and a queue of scripted faults with one that applies once the queue is used up."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from aiohttp import web

HOST = "127.0.0.1"  # loopback only: these servers must never face a network

_Server = TypeVar("_Server", bound="LoopbackServer")


class LoopbackServer:
    """A server running its own event loop in a background thread. Subclasses add their routes
    (`_add_routes`) and say which fault names they know (`check_fault` raises on others)."""

    thread_name = "loopback-test-server"

    def __init__(self, port: int, check_fault: Callable[[str], None]) -> None:
        self.port = port
        self._check_fault = check_fault
        self._faults: deque[str] = deque()
        self._always = "ok"
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ control (any thread)

    def script_faults(self, faults: list[str]) -> None:
        """The next requests take these behaviours in order; after them, `always` applies."""
        for fault in faults:
            self._check_fault(fault)
        with self._lock:
            self._faults.extend(faults)

    def always(self, fault: str) -> None:
        """The behaviour for every request once the scripted ones are used up."""
        self._check_fault(fault)
        with self._lock:
            self._always = fault

    def _next_fault(self) -> str:
        with self._lock:
            return self._faults.popleft() if self._faults else self._always

    def start(self: _Server) -> _Server:
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._open())
            except BaseException as error:
                failure.append(error)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._close())
            loop.close()

        self._thread = threading.Thread(target=serve, name=self.thread_name, daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop = self._thread = None

    def serve_until_interrupted(self) -> None:
        """For a manual run (`python -m tests.edge_server`): serve until Ctrl-C."""
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self: _Server) -> _Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ serving (server thread)

    def _add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def _open(self) -> None:
        app = web.Application()
        self._add_routes(app)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
