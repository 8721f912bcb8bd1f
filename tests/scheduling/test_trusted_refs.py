"""Stored references resolve only to what trusted modules define (issue 9): no dotted walk
from a trusted module into ``os`` or anything else, against every store."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import taskbook
from support.task_stores import StoreFactory
from taskbook import FIRED

from ember import TaskState
from ember.scheduling import Scheduler, attach_store
from ember.testing import VirtualClock

START = 1_800_000_000.0
TRUSTED = ["taskbook", "ember"]


@pytest.fixture(autouse=True)
def _fresh_book() -> None:
    FIRED.clear()


async def test_walked_references_are_refused_and_kept_aside(
    store_factory: StoreFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marker = tmp_path / "hacked"
    walked = {
        51: "ember.game._health:os.system",  # a module imported by a trusted module
        52: "taskbook:os.system",
        53: "taskbook:asyncio.get_event_loop",
        54: "taskbook:Spells.__init__",  # a special attribute
        55: "taskbook:record.__globals__",
        56: "taskbook:Spells.static.__call__",
    }
    fine = {60: "taskbook:Spells.static", 61: "taskbook:record"}
    await (await store_factory()).reserve_ids(1, 1)
    for task_id, ref in {**walked, **fine}.items():
        args = [f"touch {marker}"] if "system" in ref else [task_id]
        await store_factory.raw_insert(
            task_id, "scheduled", START, None, json.dumps({"function": ref}), json.dumps(args),
            "{}", None, None,
        )  # fmt: skip
    clock = VirtualClock(START + 1)
    scheduler = Scheduler(clock, trusted_modules=TRUSTED)
    with caplog.at_level(logging.ERROR, logger="ember"):
        report = await attach_store(scheduler, await store_factory())
    assert report.orphaned == len(walked) and report.overdue == len(fine)
    for task_id, ref in walked.items():
        task = scheduler.get(task_id)
        assert task is not None and task.state is TaskState.ORPHANED, ref
        assert f"stored task {task_id} " in caplog.text
    assert "walks through 'os', a module, not a class" in str(scheduler.get(51).error)  # type: ignore[union-attr]
    await clock.advance(1)
    assert not marker.exists()
    assert sorted(map(repr, FIRED)) == [repr((("static", 60), {})), repr(((61,), {}))]
    await scheduler.close()

    # Kept aside, never run: the next start still holds them as orphans.
    scheduler = Scheduler(VirtualClock(START + 5), trusted_modules=TRUSTED)
    report = await attach_store(scheduler, await store_factory())
    assert report.orphaned == len(walked)
    await scheduler.close()
    assert not marker.exists()


def test_a_method_of_a_trusted_class_still_resolves() -> None:
    from ember.scheduling._refs import _resolve_name

    assert _resolve_name("taskbook:Spells.klass", ["taskbook"]) == taskbook.Spells.klass
    assert _resolve_name("taskbook:Spells.static", ["taskbook"]) is taskbook.Spells.static
    assert _resolve_name("taskbook:os.system") is not None  # no trusted modules: no check
