"""The process executor: a small pool of worker processes (forkserver or spawn), one job each.

Not ``concurrent.futures.ProcessPoolExecutor``: that cannot stop one running job without
breaking the whole pool. Here each worker has its own pipe, so a cancelled or timed-out job's
process is killed and replaced, progress flows back on the same pipe, and shutdown knows
every pid it must reap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import pickle
import threading
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

from ember.offload._job import Call, NotSendableError, WorkerLostError
from ember.offload._statistics import ProcessStatistics
from ember.offload._worker import RemoteTraceback, process_main

__all__ = ["ProcessExecutor", "default_start_method"]

log = logging.getLogger("ember.offload")

_KILL_WAIT = 5.0  # seconds a terminated worker gets before SIGKILL


def default_start_method() -> str:
    """``forkserver`` where the platform has it, else ``spawn`` (never ``fork``: the game
    process runs an event loop and threads, which a forked child would inherit half-way)."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class _Worker:
    """One worker process and the thread that reads its pipe into the loop."""

    def __init__(self, context: BaseContext, loop: asyncio.AbstractEventLoop) -> None:
        parent, child = context.Pipe()
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=process_main, args=(child,), name="ember-offload-worker", daemon=True
        )
        self.process.start()
        child.close()
        self.conn: Connection = parent
        self.loop = loop
        self.call: Call | None = None
        self.answer: asyncio.Future[tuple[Any, ...]] | None = None
        self._reader = threading.Thread(target=self._read, name="ember-offload-pipe", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int | None:
        """The worker's process id."""
        return self.process.pid

    def _read(self) -> None:
        while True:
            try:
                data = self.conn.recv_bytes()
            except (EOFError, OSError):
                self._post(("lost",))
                return
            try:
                message = pickle.loads(data)
            except Exception as error:
                message = ("unsendable", f"the result could not be read back: {error!r}")
            self._post(message)

    def _post(self, message: tuple[Any, ...]) -> None:
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            self.loop.call_soon_threadsafe(self._on_message, message)

    def _on_message(self, message: tuple[Any, ...]) -> None:
        if message[0] == "progress":
            if self.call is not None:
                self.call.report(message[1], message[2])
        elif self.answer is not None and not self.answer.done():
            self.answer.set_result(message)

    async def run(self, call: Call) -> Any:
        self.call, self.answer = call, self.loop.create_future()
        try:
            self.conn.send_bytes(call.payload)
            message = await self.answer
        finally:
            self.call = self.answer = None
        kind = message[0]
        if kind == "ok":
            return message[1]
        if kind == "error":
            error: BaseException = message[1]
            raise error from RemoteTraceback(message[2])
        if kind == "unsendable":
            raise NotSendableError(f"{call.name}: {message[1]}")
        code = self.process.exitcode
        raise WorkerLostError(f"the worker process running {call.name} exited (code {code})")

    def stop(self) -> None:
        """Kill the process (blocking until it is reaped) and close the pipe."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(_KILL_WAIT)
            if self.process.is_alive():
                self.process.kill()
        self.process.join()
        self.conn.close()


class ProcessExecutor:
    """Runs plain module-level functions in worker processes, so pure-Python CPU work does
    not stall the game loop. Workers start lazily, up to ``size``, and are reused.

    The function and its arguments are pickled at the ``run_async`` call: a lambda, a closure
    or an unpicklable argument raises :class:`NotSendableError` there.
    """

    name = "process"

    def __init__(self, size: int, start_method: str | None = None) -> None:
        self.size = size
        self.start_method = start_method or default_start_method()
        self._context = multiprocessing.get_context(self.start_method)
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._slots: asyncio.Semaphore | None = None
        self._closed = False
        self.started = self.killed = 0

    def check(self, call: Call) -> None:
        """Pickle the call now, so whatever cannot be sent fails at the ``run_async`` call."""
        try:
            call.payload = pickle.dumps(
                (call.func, call.args, call.kwargs), pickle.HIGHEST_PROTOCOL
            )
        except Exception as error:
            raise NotSendableError(
                f"{call.name} cannot be sent to a worker process: {error}. Process and "
                "cluster jobs need a module-level function and picklable arguments (no "
                "lambda, nested function, open file or live game object); pass plain data, "
                "or use executor='thread'"
            ) from error

    @property
    def pids(self) -> list[int]:
        """Process ids of every live worker."""
        return [w.pid for w in (*self._idle, *self._busy) if w.pid is not None]

    async def run(self, call: Call) -> Any:
        """Run the call in an idle worker (starting one if none); kill it if cancelled."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        async with self._slots:
            if self._closed:
                raise RuntimeError("the process executor is shut down")
            worker = self._idle.pop() if self._idle else await self._start()
            self._busy.add(worker)
            ok = False
            try:
                result = await worker.run(call)
                ok = True
                return result
            except (Exception, asyncio.CancelledError) as error:
                ok = not isinstance(error, asyncio.CancelledError | WorkerLostError)
                raise
            finally:
                self._busy.discard(worker)
                if ok and not self._closed and worker.process.is_alive():
                    self._idle.append(worker)
                else:
                    self.killed += 1
                    if worker.process.is_alive():
                        worker.process.terminate()  # at once, even if this task is cancelled
                    await asyncio.to_thread(worker.stop)

    async def _start(self) -> _Worker:
        loop = asyncio.get_running_loop()
        # Starting a process waits on the forkserver (the first time, on starting it).
        worker = await asyncio.to_thread(_Worker, self._context, loop)
        self.started += 1
        log.debug("started offload worker process %s", worker.pid)
        return worker

    async def shutdown(self) -> None:
        """Kill every worker and wait until each is reaped: no orphans."""
        self._closed = True
        workers = [*self._idle, *self._busy]
        self._idle.clear()
        self._busy.clear()
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in workers))

    def statistics(self) -> ProcessStatistics:
        """Return size, live workers (busy/idle), workers started and killed."""
        return ProcessStatistics(
            size=self.size,
            start_method=self.start_method,
            busy=len(self._busy),
            idle=len(self._idle),
            started=self.started,
            killed=self.killed,
        )
