"""Trusted modules are checked on the whole reference path, not just the module before ':'
(issue 13: the rule the world's class references share with stored task callbacks)."""

from __future__ import annotations

from conftest import StoreFactory

from ember import TaskState
from ember.scheduling import Scheduler, attach_store
from ember.testing import VirtualClock

START = 1_800_000_000.0


async def test_a_trusted_module_cannot_lead_outside_the_trusted_modules(
    store_factory: StoreFactory,
) -> None:
    await (await store_factory()).reserve_ids(1, 1)
    # taskbook imports os, so taskbook:os.getcwd is reachable from a trusted module.
    await store_factory.raw_insert(
        50, "scheduled", START, None, '{"function":"taskbook:os.getcwd"}', "[]", "{}", None, None
    )
    await store_factory.raw_insert(
        51, "scheduled", START, None, '{"function":"taskbook:Spells.static"}', "[7]", "{}",
        None, None,
    )  # fmt: skip
    clock = VirtualClock(START + 1)
    scheduler = Scheduler(clock, trusted_modules=["taskbook"])
    report = await attach_store(scheduler, await store_factory())
    assert report.orphaned == 1 and report.overdue == 1  # a class path inside stays fine
    orphan = scheduler.get(50)
    assert orphan is not None and orphan.state is TaskState.ORPHANED
    assert "whole reference path" in str(orphan.error) and "'os'" in str(orphan.error)
    await clock.advance(1)
    await scheduler.close()
