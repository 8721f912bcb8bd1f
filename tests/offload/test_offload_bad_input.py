"""Bad input fails at the call with a clear error; failures later never stop the loop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from jobs import Unpicklable, add, pid_then_sleep, spin, unpicklable_result

from ember import (
    ExecutorUnavailableError,
    NotSendableError,
    WrongThreadError,
    call_on_loop,
    delay,
    report_progress,
    run_async,
)
from ember.offload import JobOptions, Offloader, WorkerLostError, progress_sink
from ember.scheduling import store_from_url


async def test_a_lambda_for_a_process_fails_at_the_call(offloader: Offloader) -> None:
    with pytest.raises(NotSendableError, match=r"lambda.*module-level function"):
        run_async(lambda: 1, executor="process")
    with pytest.raises(NotSendableError, match="cannot be sent to a worker process"):
        run_async(add, Unpicklable(), executor="process")
    assert offloader.jobs == set()  # nothing was started


async def test_unknown_executor_and_async_elsewhere(offloader: Offloader) -> None:
    with pytest.raises(ValueError, match=r"executor must be one of .*not 'gpu'"):
        run_async(add, 1, executor="gpu")

    async def coro() -> None:
        pass

    with pytest.raises(ValueError, match=r"async def.*needs a plain function"):
        run_async(coro, executor="process")
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        run_async(add, 1, timeout=-1)
    with pytest.raises(TypeError, match="at_err must be callable"):
        run_async(add, 1, at_err="nope")
    with pytest.raises(ValueError, match="EXECUTOR_DEFAULT"):
        Offloader(default="gpu")


async def test_cluster_without_an_address_is_a_clear_error(offloader: Offloader) -> None:
    with pytest.raises(ExecutorUnavailableError, match="CLUSTER_ADDRESS"):
        run_async(add, 1, executor="cluster")


async def test_a_raising_callback_is_logged_and_the_loop_goes_on(
    offloader: Offloader, caplog: pytest.LogCaptureFixture
) -> None:
    def at_return(result: int) -> None:
        raise RuntimeError(f"callback broke on {result}")

    with caplog.at_level(logging.ERROR, "ember.offload"):
        job = run_async(add, 20, 1, at_return=at_return)
        assert await job == 21
        await asyncio.sleep(0.01)
        assert await run_async(add, 1, 1) == 2  # still working
    assert "at_return callback" in caplog.text and "callback broke on 21" in caplog.text


async def test_a_result_that_cannot_be_sent_back(offloader: Offloader) -> None:
    got = asyncio.get_running_loop().create_future()
    run_async(unpicklable_result, executor="process", at_err=got.set_result)
    error = await asyncio.wait_for(got, 30)
    assert isinstance(error, NotSendableError) and "result cannot be sent back" in str(error)
    assert await run_async(add, 2, 2, executor="process") == 4  # the worker lives on


async def test_a_killed_worker_is_reported(offloader: Offloader, tmp_path: Path) -> None:
    path = tmp_path / "pid"
    job = run_async(pid_then_sleep, str(path), executor="process")
    while not path.exists() or not path.read_text():  # noqa: ASYNC110 (another process writes)
        await asyncio.sleep(0.02)
    os.kill(int(path.read_text()), signal.SIGKILL)
    with pytest.raises(WorkerLostError, match="exited"):
        await job
    assert await run_async(add, 1, 2, executor="process") == 3


async def test_coroutines_run_on_the_loop_with_progress(offloader: Offloader) -> None:
    seen: list[float] = []

    async def steps() -> str:
        for i in range(3):
            report_progress((i + 1) / 3, "Steps")
            await asyncio.sleep(0.3)
        return f"done on {threading.get_ident()}"

    with progress_sink(lambda _, fraction, __: seen.append(fraction)):
        job = run_async(steps)
    assert job.executor == "loop"
    assert await job == f"done on {threading.get_ident()}"
    assert seen[-1] == 1.0 and len(seen) == 3


async def test_worker_code_reaches_game_state_only_through_call_on_loop(
    offloader: Offloader, tmp_path: Path
) -> None:
    loop_thread = threading.get_ident()

    def on_loop(x: int) -> tuple[int, int]:
        return x * 2, threading.get_ident()

    def worker() -> tuple[int, int]:
        with pytest.raises(WrongThreadError, match="worker thread"):
            delay(1, print)
        with pytest.raises(WrongThreadError):
            run_async(add, 1)
        return call_on_loop(on_loop, 21)

    assert await run_async(worker) == (42, loop_thread)
    with pytest.raises(WrongThreadError, match="game loop itself"):
        call_on_loop(on_loop, 1)

    store = store_from_url(str(tmp_path / "tasks.db"))
    await store.open()
    try:
        with pytest.raises(WrongThreadError, match="outside the event loop"):
            await run_async(lambda: asyncio.run(store.load()))
    finally:
        await store.close()


async def test_close_cancels_running_jobs_and_reaps_every_worker(tmp_path: Path) -> None:
    off = Offloader(processes=2)
    got = asyncio.get_running_loop().create_future()
    paths = [tmp_path / f"pid{i}" for i in range(2)]
    options = JobOptions(executor="process", at_err=got.set_result)
    jobs = [off.submit(pid_then_sleep, (str(path),), {}, options) for path in paths]
    while not all(p.exists() and p.read_text() for p in paths):  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    pids = [int(p.read_text()) for p in paths]
    await off.close("the game is reloading")
    error = got.result()
    assert isinstance(error, asyncio.CancelledError) and "reloading" in str(error)
    assert all(job.done() for job in jobs)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # reaped: no orphan, no zombie


async def test_spin_in_a_process_leaves_the_loop_free(offloader: Offloader) -> None:
    job = run_async(spin, 1.0, executor="process")
    worst, last = 0.0, asyncio.get_running_loop().time()
    while not job.done():
        await asyncio.sleep(0.005)
        now = asyncio.get_running_loop().time()
        worst, last = max(worst, now - last), now
    assert await job > 0
    assert worst < 0.2, f"the loop stalled {worst:.3f} s"


async def test_a_stuck_thread_job_holds_up_neither_close_nor_exit() -> None:
    off = Offloader()
    got = asyncio.get_running_loop().create_future()
    never = JobOptions(at_err=got.set_result)
    off.submit(time.sleep, (3600,), {}, never)  # never reports, never returns
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await off.close("the game is reloading")
    assert time.monotonic() - started < 1
    assert isinstance(got.result(), asyncio.CancelledError)
    stuck = [t for t in threading.enumerate() if t.name == "ember-offload"]
    assert stuck and all(t.daemon for t in stuck)  # abandoned at exit, not joined
