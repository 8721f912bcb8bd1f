"""One body per behaviour, run on every executor: results, errors, kwargs, callbacks, progress."""

from __future__ import annotations

import asyncio
import logging
import os
import threading

import pytest
from jobs import add, boom, sleep_forever, spin, where

from ember import RUN_ASYNC_RESERVED_KEYWORDS, Job, run_async
from ember.offload import progress_sink


async def test_result_reaches_at_return_on_the_loop_thread(executor: str) -> None:
    loop_thread = threading.get_ident()
    got = asyncio.get_running_loop().create_future()

    def at_return(result: int, *, tag: str) -> None:
        got.set_result((result, tag, threading.get_ident()))

    job = run_async(
        add, 2, b=3, scale=10, at_return=at_return, at_return_kwargs={"tag": "t"},
        executor=executor,
    )  # fmt: skip
    assert isinstance(job, Job)
    result, tag, thread = await asyncio.wait_for(got, 30)
    assert (result, tag) == (50, "t")
    assert thread == loop_thread  # callbacks run on the game loop
    assert await job == 50


async def test_the_job_runs_elsewhere(executor: str) -> None:
    pid, thread = await run_async(where, executor=executor)
    if executor == "thread":
        assert pid == os.getpid() and thread != threading.get_ident()
    else:
        assert pid != os.getpid()  # another process: the loop is never stalled by it


async def test_error_reaches_at_err_with_the_original_exception(executor: str) -> None:
    got = asyncio.get_running_loop().create_future()

    def at_err(error: BaseException, *, who: str) -> None:
        got.set_result((error, who, threading.get_ident()))

    run_async(boom, "kaboom", at_err=at_err, at_err_kwargs={"who": "ann"}, executor=executor)
    error, who, thread = await asyncio.wait_for(got, 30)
    assert isinstance(error, KeyError) and error.args == ("kaboom",)
    assert who == "ann" and thread == threading.get_ident()
    if executor == "thread":
        assert error.__traceback__ is not None
    elif executor == "process":
        assert "in boom" in str(error.__cause__)  # the worker's traceback travels as the cause


async def test_without_at_err_the_error_is_logged_with_its_function(
    executor: str, caplog: pytest.LogCaptureFixture
) -> None:
    job = run_async(boom, "logged", executor=executor)
    with caplog.at_level(logging.ERROR, "ember.offload"):
        assert job.task is not None
        await asyncio.wait([job.task])
    record = next(r for r in caplog.records if "failed" in r.getMessage())
    assert "jobs.boom" in record.getMessage() and "KeyError" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], KeyError)


async def test_timeout_gives_a_timeout_error(executor: str) -> None:
    got = asyncio.get_running_loop().create_future()
    run_async(sleep_forever, timeout=0.5, executor=executor, at_err=got.set_result)
    error = await asyncio.wait_for(got, 30)
    assert isinstance(error, TimeoutError) and "within 0.5 s" in str(error)


async def test_cancel_reaches_at_err(executor: str) -> None:
    got = asyncio.get_running_loop().create_future()
    job = run_async(sleep_forever, executor=executor, at_err=got.set_result)
    await asyncio.sleep(0.3)
    assert job.cancel("enough")
    error = await asyncio.wait_for(got, 30)
    assert isinstance(error, asyncio.CancelledError) and "enough" in str(error)
    with pytest.raises(asyncio.CancelledError):
        await job


async def test_progress_reaches_the_sink_throttled(executor: str) -> None:
    seen: list[tuple[str, float, str | None]] = []
    with progress_sink(lambda *report: seen.append(report)):
        job = run_async(spin, 1.2, "Digging", executor=executor)
    await asyncio.wait_for(job, 30)
    await asyncio.sleep(0.3)  # cluster events may trail the result a little
    assert seen, "no progress arrived"
    assert all(name == job.key and label == "Digging" for name, _, label in seen)
    assert len(seen) <= 1.2 / 0.25 + 3  # throttled: not one per report_progress call
    fractions = [fraction for _, fraction, _ in seen]
    assert fractions == sorted(fractions)


def test_reserved_keywords_are_listed_once() -> None:
    assert {
        "at_return", "at_return_kwargs", "at_err", "at_err_kwargs", "executor", "timeout"
    } == RUN_ASYNC_RESERVED_KEYWORDS  # fmt: skip


async def test_other_keywords_go_to_the_function(executor: str) -> None:
    assert await run_async(add, 1, b=2, scale=3, executor=executor) == 9
