"""Persistent repeats: their rows, the interval marks, and the missed-ticks rule at restore.

A repeat's row holds its grid (the wall time of grid point 0, the interval, the jitter), the
index of its next tick and its count as of the last write. Rows are written when a repeat
starts, pauses, unpauses, changes, ends, skips late ticks, and on each tick when it has a
count; a plain endless repeat costs no write per tick. What ran since is told by the mark of
its interval: every tick due by ``through`` has run. At restore that gives the last tick
that ran; ticks due after it and before now were missed, and the rule is: **at most one
catch-up tick, run at once, then back on the grid** (docs/repeating-timers.md).
"""

from __future__ import annotations

import logging
import math
import operator
from dataclasses import dataclass
from typing import Any, Protocol

from ember.errors import UnresolvableReferenceError
from ember.scheduling import _refs
from ember.scheduling._repeat import Repeat, RepeatState, jitter_unit
from ember.scheduling._repeat_sql import MarkRow, RepeatRow, StoredRepeat
from ember.scheduling._scheduler import Scheduler
from ember.scheduling._task import PersistedCall
from ember.scheduling._wheel import Repeater, repeater_of
from ember.storage import WriteBehind, WriterStatistics

__all__ = ["RepeatDurability", "RepeatRestoreReport", "RepeatStore", "attach_repeats"]

log = logging.getLogger("ember.scheduling")


class RepeatStore(Protocol):
    """What a task store offers for repeats (the SQLite and PostgreSQL stores do)."""

    url: str

    async def write_repeats(
        self, puts: list[RepeatRow | MarkRow], deletes: list[int | str]
    ) -> None: ...

    async def load_repeats(self) -> tuple[list[StoredRepeat], dict[str, float]]: ...


@dataclass(frozen=True, slots=True)
class RepeatRestoreReport:
    """What start-up found: repeats back on their grid, ones that get a catch-up tick (and
    the ticks they missed beyond it), paused, finished while down, failed, orphaned."""

    scheduled: int
    caught_up: int
    missed: int
    paused: int
    done: int
    failed: int
    orphaned: int


def mark_key(interval: float) -> str:
    """How an interval names its mark row."""
    return repr(float(interval))


class _Batches:
    """The write-behind's view of the store: one ``write`` for repeat rows and marks."""

    def __init__(self, store: RepeatStore) -> None:
        self.store, self.url = store, store.url

    async def write(self, puts: Any, deletes: Any) -> None:
        await self.store.write_repeats(list(puts), list(deletes))


class RepeatDurability:
    """Writes the rows and marks of one scheduler's persistent repeats."""

    def __init__(self, repeater: Repeater, store: RepeatStore) -> None:
        self.repeater = repeater
        self.scheduler = repeater.scheduler
        self.writer: WriteBehind[int | str, RepeatRow | MarkRow] = WriteBehind(
            _Batches(store), key=operator.itemgetter(0), what="repeat", log=log
        )
        self.report: RepeatRestoreReport | None = None
        self.loaded: tuple[list[StoredRepeat], dict[str, float]] = ([], {})

    def writer_statistics(self) -> WriterStatistics:
        """The repeat rows' write-behind queue (pending, batches, commit times)."""
        return self.writer.statistics()

    def restore_loaded(self) -> RepeatRestoreReport:
        """Restore what :func:`attach_repeats` loaded; keep the report in :attr:`report`."""
        rows, marks = self.loaded
        self.loaded = ([], {})
        self.report = self.restore(rows, marks)
        return self.report

    def save(self, repeat: Repeat) -> None:
        """Queue the row of ``repeat`` as it stands now."""
        persisted = repeat._persisted
        assert persisted is not None
        paused = repeat._state is RepeatState.PAUSED
        error = repeat._outcome
        self.writer.put(
            (
                repeat.id,
                repeat._state.value,
                repeat.interval,
                None if paused else self.scheduler.wall_time_of(repeat._anchor),
                repeat._tick,
                repeat._left,
                repeat.jitter,
                repeat._remaining if paused else None,
                persisted.callback,
                persisted.args,
                persisted.kwargs,
                persisted.owner,
                f"{type(error).__name__}: {error}" if error is not None else None,
            )
        )

    def delete(self, repeat_id: int) -> None:
        """Queue the deletion of a repeat's row."""
        self.writer.delete(repeat_id)

    def mark(self, interval: float, through: float) -> None:
        """Record that every tick of ``interval`` due by monotonic ``through`` has run."""
        self.writer.put((mark_key(interval), self.scheduler.wall_time_of(through)))

    async def flush(self) -> None:
        """Return once every write queued so far is durable."""
        await self.writer.flush()

    async def close(self, give_up_after: float | None) -> None:
        """Stop ticking, flush and stop the writer; report writes the store did not take."""
        self.repeater.stop()
        unwritten = await self.writer.close(give_up_after)
        if unwritten:
            log.error(
                "%d repeat writes could not be made durable before the stop; after the "
                "restart those repeats continue from their last stored state",
                len(unwritten),
            )

    # -- restore -------------------------------------------------------------------------------

    def restore(self, rows: list[StoredRepeat], marks: dict[str, float]) -> RepeatRestoreReport:
        """Bring stored repeats back, applying the missed-ticks rule."""
        counts = dict.fromkeys(
            ("scheduled", "caught_up", "missed", "paused", "done", "failed", "orphaned"), 0
        )
        scheduler, repeater = self.scheduler, self.repeater
        now = scheduler.clock.monotonic()
        for row in rows:
            persisted = PersistedCall(
                row.callback, row.args, row.kwargs, row.owner, _refs.readable_name(row.callback)
            )
            rep = Repeat(
                repeater, row.id, row.interval, row.jitter, row.left, None, (), None,
                persisted, row.owner,
            )  # fmt: skip
            rep._tick = row.next_tick
            repeater.repeats[rep.id] = rep
            if row.state == RepeatState.FAILED.value:
                rep._state, rep._outcome = RepeatState.FAILED, RuntimeError(row.error or "failed")
                counts["failed"] += 1
                continue
            try:
                rep._callback, rep._args, kwargs = self._decode(row)
                rep._kwargs = kwargs or None
                if row.state == RepeatState.PAUSED.value:
                    if row.remaining is None:
                        raise UnresolvableReferenceError("a paused row without its remaining")
                elif row.anchor is None:
                    raise UnresolvableReferenceError("the row has no anchor")
            except UnresolvableReferenceError as error:
                log.error("stored repeat %d cannot be restored, kept aside: %s", row.id, error)
                rep._state, rep._outcome = RepeatState.ORPHANED, error
                self.save(rep)
                counts["orphaned"] += 1
                continue
            if row.state == RepeatState.PAUSED.value:
                rep._state, rep._remaining = RepeatState.PAUSED, row.remaining
                counts["paused"] += 1
                continue
            assert row.anchor is not None
            outcome = self._back_on_grid(rep, row, row.anchor, marks.get(mark_key(row.interval)))
            if outcome < 0:
                counts["done"] += 1
                repeater._forget(rep)
                continue
            if rep._due <= now:
                counts["caught_up"] += 1
                counts["missed"] += outcome
            else:
                counts["scheduled"] += 1
        report = RepeatRestoreReport(**counts)
        if rows:
            log.info("restored persistent repeats: %s", report)
        return report

    def _decode(self, row: StoredRepeat) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
        scheduler = self.scheduler
        callback = _refs.decode_callback(
            row.callback, scheduler.entities, scheduler.trusted_modules
        )
        args, kwargs = _refs.decode_arguments(row.args, row.kwargs, scheduler.entities)
        return callback, args, kwargs

    def _back_on_grid(
        self, rep: Repeat, row: StoredRepeat, anchor: float, through: float | None
    ) -> int:
        """Schedule ``rep`` by the missed-ticks rule; return the ticks skipped beyond the one
        catch-up tick (0 when none was missed), or -1 when its count ran out meanwhile."""
        clock = self.scheduler.clock
        now, wall = clock.monotonic(), clock.wall()
        interval, jitter = row.interval, row.jitter

        def due(tick: int) -> float:
            return anchor + tick * interval + (jitter * jitter_unit(row.id, tick) if jitter else 0)

        def last_due_by(moment: float) -> int:
            tick = math.floor((moment - anchor) / interval)
            return tick - 1 if due(tick) > moment else tick

        ran = row.next_tick - 1  # the last tick known to have run
        if through is not None:
            ran = max(ran, last_due_by(through))
        if rep._left is not None:
            rep._left -= ran - (row.next_tick - 1)
            if rep._left <= 0:
                return -1
        following = ran + 1
        anchor_now = anchor - wall + now
        missed = 0
        if due(following) <= wall:
            latest = max(following, last_due_by(wall))
            missed = latest - following
            rep.skipped += missed
            self.repeater.place(rep, anchor=anchor_now, tick=latest, due=now)
        else:
            self.repeater.place(rep, anchor=anchor_now, tick=following, due=None)
        if following != row.next_tick or missed:
            self.save(rep)
        return missed


async def attach_repeats(scheduler: Scheduler, store: Any) -> RepeatDurability | None:
    """Make persistent repeats possible on ``scheduler`` with ``store`` and restore them.

    Returns the durable side with the rows loaded, or None for a store without repeat
    tables (then ``repeat(persistent=True)`` is refused with a clear error). Nothing is
    scheduled until its :meth:`RepeatDurability.restore_loaded` (``attach_store`` calls it
    right after restoring the tasks, with no await between, so nothing fires in between).
    """
    if not hasattr(store, "load_repeats"):
        return None
    repeater = repeater_of(scheduler)
    durable = RepeatDurability(repeater, store)
    repeater.durable = durable
    durable.writer.start()
    durable.loaded = await store.load_repeats()
    return durable
