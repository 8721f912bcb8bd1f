"""Must never happen #7: an operation costing more as more tasks are stored.

Time is not asserted (benchmarks measure it); the work is. Each operation must write exactly
one row whatever the number of stored tasks, and touch the in-memory heap by at most one entry
(pause and cancel are lazy). The SQL side, that every write finds its row by primary key and
never scans, is checked per store in test_store_contract.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from support.task_stores import StoreFactory
from taskbook import record

from ember.scheduling import Scheduler, Task, attach_store
from ember.testing import VirtualClock


async def rows_and_heap(scheduler: Scheduler, operation: Callable[[], object]) -> tuple[int, int]:
    await scheduler.flush()
    before = scheduler.statistics()
    operation()
    await scheduler.flush()
    after = scheduler.statistics()
    assert before.writer is not None and after.writer is not None
    return after.writer.rows_written - before.writer.rows_written, (
        after.heap_entries - before.heap_entries
    )


@pytest.mark.parametrize("stored", [10, 5000])
async def test_each_operation_writes_one_row_and_touches_one_heap_entry(
    store_factory: StoreFactory, stored: int
) -> None:
    clock = VirtualClock()
    scheduler = Scheduler(clock)
    await attach_store(scheduler, await store_factory())
    for i in range(stored):
        scheduler.delay(1000 + i, record, i, persistent=True)
    task: list[Task] = []
    assert await rows_and_heap(
        scheduler, lambda: task.append(scheduler.delay(5, record, "x", persistent=True))
    ) == (1, 1)
    assert await rows_and_heap(scheduler, task[0].pause) == (1, 0)
    assert await rows_and_heap(scheduler, task[0].unpause) == (1, 1)
    assert await rows_and_heap(scheduler, task[0].cancel) == (1, 0)
    other = scheduler.delay(1, record, "y", persistent=True)
    await scheduler.flush()
    rows_before = scheduler.statistics().writer.rows_written  # type: ignore[union-attr]
    await clock.advance(1)  # fires `other`: the firing and the delete coalesce into one row
    await scheduler.flush()
    assert scheduler.statistics().writer.rows_written - rows_before == 1  # type: ignore[union-attr]
    assert not other.exists()
    await scheduler.close()
