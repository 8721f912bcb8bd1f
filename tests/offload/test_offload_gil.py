"""Thread jobs and the game loop sharing the GIL: the switch interval while thread jobs run,
and the one-time warning naming a CPU-heavy thread job that holds the loop back."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Iterator

import pytest
from jobs import burn, doze, switch_interval

from ember import run_async
from ember.offload import Offloader, install_offloader


@pytest.fixture
def python_switch_interval() -> Iterator[float]:
    """Python's switch interval before the test, put back after it whatever happened."""
    before = sys.getswitchinterval()
    yield before
    sys.setswitchinterval(before)


async def test_thread_jobs_run_with_a_short_switch_interval_which_is_restored_after(
    python_switch_interval: float,
) -> None:
    offloader = install_offloader(Offloader(threads=2, thread_switch_interval=0.0005))
    try:
        first = run_async(doze, 0.3)
        seen = await run_async(switch_interval)  # while `first` still runs
        assert seen == pytest.approx(0.0005)
        assert sys.getswitchinterval() == pytest.approx(0.0005)  # `first` still runs
        await first
        assert sys.getswitchinterval() == python_switch_interval  # the last one ended
    finally:
        await offloader.close()


async def test_a_zero_setting_leaves_pythons_switch_interval(
    python_switch_interval: float,
) -> None:
    offloader = install_offloader(Offloader(threads=2, thread_switch_interval=0))
    try:
        assert await run_async(switch_interval) == python_switch_interval
    finally:
        await offloader.close()


async def test_a_cpu_heavy_thread_job_holding_the_loop_back_is_named_once(
    python_switch_interval: float, caplog: pytest.LogCaptureFixture
) -> None:
    # A long switch interval makes the loop wait for the GIL long enough to be seen late.
    sys.setswitchinterval(0.2)
    offloader = install_offloader(
        Offloader(threads=2, thread_switch_interval=0, thread_lag_warning=0.1)
    )
    try:
        with caplog.at_level(logging.WARNING, logger="ember.offload"):
            await run_async(burn, 1.5)
            await run_async(burn, 1.0)  # the same function again: no second warning
    finally:
        await offloader.close()
    warnings = [r.getMessage() for r in caplog.records if "holds the game loop back" in r.message]
    assert len(warnings) == 1, warnings
    assert "jobs.burn" in warnings[0]
    assert 'executor="process"' in warnings[0]


async def test_a_thread_job_off_the_cpu_is_not_blamed_for_a_late_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    offloader = install_offloader(Offloader(threads=2, thread_lag_warning=0.1))
    try:
        with caplog.at_level(logging.WARNING, logger="ember.offload"):
            job = run_async(doze, 1.0)
            await asyncio.sleep(0.2)
            # The loop itself is made late on purpose; the dozing job did not cause it.
            time.sleep(0.4)  # noqa: ASYNC251
            await job
    finally:
        await offloader.close()
    assert not [r for r in caplog.records if "holds the game loop back" in r.message]
