"""The default scheduler on a real asyncio loop, with real time."""

from __future__ import annotations

import asyncio
import threading

import pytest

from ember import WrongThreadError, delay, get_scheduler


async def test_default_scheduler_fires_on_the_real_loop() -> None:
    loop = asyncio.get_running_loop()
    fired: list[tuple[str, int]] = []
    started = loop.time()
    task = delay(0.02, lambda tag: fired.append((tag, threading.get_ident())) or tag, "a")
    assert await task == "a"
    assert fired == [("a", threading.get_ident())]  # ran on the loop thread
    assert loop.time() - started >= 0.02 - 0.005  # not before its time (loop clock resolution)


async def test_each_loop_has_its_own_scheduler() -> None:
    scheduler = get_scheduler()
    assert get_scheduler() is scheduler
    assert scheduler.loop is asyncio.get_running_loop()


async def test_delay_from_a_worker_thread_is_a_clear_error() -> None:
    def worker() -> BaseException | None:
        try:
            delay(1, print)
        except BaseException as error:
            return error
        return None

    error = await asyncio.to_thread(worker)
    assert isinstance(error, WrongThreadError)
    assert "worker thread" in str(error)


async def test_handle_from_a_worker_thread_is_a_clear_error() -> None:
    task = delay(10, print)
    with pytest.raises(WrongThreadError):
        await asyncio.to_thread(task.cancel)
    assert task.active()
    task.cancel()


def test_delay_without_a_loop_is_a_clear_error() -> None:
    with pytest.raises(WrongThreadError, match="running asyncio loop"):
        delay(1, print)


async def test_zero_delay_tasks_run_in_order_on_the_next_iterations() -> None:
    order: list[int] = []
    tasks = [delay(0, order.append, i) for i in range(100)]
    await asyncio.gather(*tasks)
    assert order == list(range(100))
