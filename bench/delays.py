"""Timed-task benchmark: Ember's scheduler and stores beside raw asyncio and raw SQL, same run.

Run ``scripts/bench delays [--quick] [--postgres DSN]``; bench/README.md explains each row.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import secrets
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import astuple, dataclass
from typing import Any

from _common import Table, in_child, percentile, say

from ember import delay, get_scheduler
from ember.scheduling import Scheduler, attach_store, repeater_of, store_from_url
from ember.scheduling._sqlite import CREATE_SQL

FAR = 3600.0  # seconds ahead: tasks that stay pending for the whole run
DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/test"
CALLBACK_REF = json.dumps({"function": "__main__:noop"}, separators=(",", ":"))
RAW_COLUMNS = "id BIGINT PRIMARY KEY, state TEXT, deadline DOUBLE PRECISION, remaining"
RAW_COLUMNS += " DOUBLE PRECISION, callback TEXT, args TEXT, kwargs TEXT, owner TEXT, error TEXT"
RawTaskRow = tuple[int, str, float, None, str, str, str, None, None]


def noop(*args: Any) -> None:
    """The callback of every benchmark task; persistent ones find it again as ``__main__:noop``."""


HIT_POINTS: list[int] = []


def regenerate(index: int) -> None:
    """A repeat's callback as a game writes it, kept small: one hit point back, up to 100."""
    HIT_POINTS[index] = min(HIT_POINTS[index] + 1, 100)


TABLE = Table(
    {
        "/s": lambda value: f"{value:,.0f}/s",
        "ms": lambda value: f"{value * 1e3:.2f} ms",
        "s": lambda value: f"{value:.3f} s",
        "B": lambda value: f"{value:.0f} B",
        "MiB": lambda value: f"{value / 2**20:.0f} MiB",
        "x": lambda value: f"{value:.2f}",  # already a ratio: no ratio column
    }
)
add, note = TABLE.add, TABLE.notes.append


# -- 1 and 2: scheduling cost, memory and firing lateness, each phase in a forked child ----------


@dataclass(frozen=True, slots=True)
class Counts:
    """How many tasks each measurement uses (``--quick`` divides them all by 10)."""

    delays: int = 1_000_000
    due: int = 10_000
    pending: int = 100_000
    batch: int = 10_000
    stored: int = 100_000


def memory_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def schedule_phase(n: int, raw: bool, trace: bool) -> list[float]:
    """Schedule ``n`` far-off callbacks; return [seconds, traced bytes per task, RSS growth]."""

    async def main() -> list[float]:
        loop = asyncio.get_running_loop()
        schedule: Callable[..., object] = loop.call_later if raw else delay
        if not raw:
            get_scheduler()  # create the default scheduler outside the measured window
        before = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        for i in range(n):
            schedule(FAR + i * 1e-6, noop)
        elapsed, traced = time.perf_counter() - start, tracemalloc.get_traced_memory()[0] - before
        return [elapsed, traced / n, 1024.0 * (memory_kib("VmHWM") - rss_start)]

    gc.collect()
    rss_start = memory_kib("VmRSS")
    if trace:
        tracemalloc.start()
    return asyncio.run(main())


class Probe:
    """The callback of a due task: records how late it ran."""

    def __init__(self, loop: asyncio.AbstractEventLoop, expected: int) -> None:
        self.loop, self.expected = loop, expected
        self.lateness: list[float] = []
        self.done = loop.create_future()

    def __call__(self, due: float) -> None:
        self.lateness.append(self.loop.time() - due)
        if len(self.lateness) == self.expected:
            self.done.set_result(None)


def lateness_phase(due_count: int, pending: int, raw: bool) -> list[float]:
    """Fire tasks due at one moment over far-off ones; return [p50, p99, max, first] lateness."""

    async def main() -> list[float]:
        loop = asyncio.get_running_loop()
        probe = Probe(loop, due_count)
        for i in range(pending):
            (loop.call_later if raw else delay)(FAR + i * 1e-6, noop)
        due = loop.time() + 0.5
        for _ in range(due_count):
            if raw:
                loop.call_at(due, probe, due)
            else:
                delay(due - loop.time(), probe, due)
        if loop.time() >= due:
            raise RuntimeError("scheduling the due tasks took longer than their delay")
        await probe.done
        p50, p99 = (percentile(probe.lateness, f) for f in (0.50, 0.99))
        return [p50, p99, max(probe.lateness), probe.lateness[0]]

    gc.collect()
    return asyncio.run(main())


def in_memory(counts: Counts) -> None:
    n = counts.delays
    say(f"scheduling {n:,} delays, raw then Ember (rate, RSS; then bytes under tracemalloc)")
    raw_s, _, raw_rss = in_child(lambda: schedule_phase(n, raw=True, trace=False))
    ember_s, _, ember_rss = in_child(lambda: schedule_phase(n, raw=False, trace=False))
    raw_b = in_child(lambda: schedule_phase(n, raw=True, trace=True))[1]
    ember_b = in_child(lambda: schedule_phase(n, raw=False, trace=True))[1]
    rate_ok = ember_s <= 2 * raw_s
    add(f"schedule {n:,} delays (vs call_later)", n / ember_s, n / raw_s, "/s", ">= 0.5x", rate_ok)
    add("bytes per pending task", ember_b, raw_b, "B", "<= 2x", ember_b <= 2 * raw_b)
    add(f"RSS peak growth, {n:,} pending", ember_rss, raw_rss, "MiB")
    say(f"firing {counts.due:,} due tasks over {counts.pending:,} pending, raw then Ember")
    raw = in_child(lambda: lateness_phase(counts.due, counts.pending, raw=True))
    ember = in_child(lambda: lateness_phase(counts.due, counts.pending, raw=False))
    add(f"lateness p50 ({counts.due:,} due at once)", ember[0], raw[0], "ms")
    p99_ok = ember[1] <= 0.005
    add(f"lateness p99 ({counts.pending:,} pending)", ember[1], raw[1], "ms", "<= 5 ms", p99_ok)
    add("lateness max", ember[2], raw[2], "ms")
    add("lateness of the first task (dispatch)", ember[3], raw[3], "ms")


# -- 2b: repeating timers: many subscribers of one interval share one wheel --------------------


def repeat_phase(n: int, spread: bool, persistent: bool) -> list[float]:
    """``n`` repeats every 10 s on a virtual clock (started together, or spread over the
    interval); return [loop seconds per interval of ticks, seconds of the bare callbacks]."""
    from ember.testing import VirtualClock

    async def main() -> list[float]:
        clock = VirtualClock()
        scheduler = Scheduler(clock)
        store = None
        if persistent:
            store = store_from_url(os.path.join(tempfile.mkdtemp(), "repeats.db"))
            await store.open()
            await attach_store(scheduler, store)
        repeater = repeater_of(scheduler)
        HIT_POINTS[:] = [0] * n
        for i in range(n):
            if spread:
                clock._now = 10.0 * i / n
            repeater.repeat(10.0, regenerate, (i,), {}, persistent=persistent)
        width = repeater.wheel(10.0).width
        per_tick = []
        for window in range(4):  # window 0 warms up; then three intervals are measured
            took = 0.0
            for step in range(1, round(10.0 / width) + 1):  # time passes slot by slot
                clock._now = 10.0 * window + step * width
                start = time.perf_counter()
                clock.run_due()  # the wheel's slot firing(s) due by now
                took += time.perf_counter() - start
            per_tick.append(took)
        assert min(HIT_POINTS) >= 3, "every repeat ticked once per interval"
        bare = []
        for _ in range(3):
            start = time.perf_counter()
            for i in range(n):
                regenerate(i)
            bare.append(time.perf_counter() - start)
        if store is not None:
            await scheduler.close()
            await store.close()
        return [min(per_tick[1:]), min(bare)]

    return asyncio.run(main())


def repeating(counts: Counts) -> None:
    n = counts.pending
    for spread, persistent in ((False, False), (True, False), (True, True)):
        how = ("spread over 10 s" if spread else "started together") + (
            ", persistent" if persistent else ""
        )
        say(f"{n:,} repeats every 10 s ({how}): one interval of ticks vs the bare callbacks")
        ember_s, bare_s = in_child(lambda: repeat_phase(n, spread, persistent))  # noqa: B023
        ok = ember_s <= 3 * bare_s
        add(f"{n:,} repeats/10 s ({how}), loop per tick", ember_s, bare_s, "ms", "<= 3x", ok)
    note(
        "repeats: loop time to run one interval's ticks of every subscriber (the wheel's slot "
        "firings) vs calling the same small callback for each in a plain loop; virtual clock"
    )


# -- 3 and 4: persistent creation and restore, against raw SQL on the same database --------------


class RawSqlite:
    """Raw sqlite3: inserts go to a twin file (WAL, FULL); reads come from Ember's file."""

    def __init__(self, directory: str, ember_path: str) -> None:
        self.ember_path = ember_path
        self.conn = sqlite3.connect(os.path.join(directory, "raw.db"), isolation_level=None)
        self.conn.executescript(f"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; {CREATE_SQL}")

    async def insert(self, rows: list[RawTaskRow]) -> None:
        self.conn.execute("BEGIN")
        self.conn.executemany("INSERT INTO ember_tasks VALUES (?,?,?,?,?,?,?,?,?)", rows)
        self.conn.execute("COMMIT")

    async def select_all(self) -> int:
        with contextlib.closing(sqlite3.connect(self.ember_path)) as conn:
            return len(conn.execute("SELECT * FROM ember_tasks").fetchall())


class RawPostgres:
    """Raw asyncpg: inserts go to a twin table in the bench schema; reads from Ember's table."""

    def __init__(self, conn: Any, schema: str) -> None:
        self.conn, self.schema = conn, schema

    async def insert(self, rows: list[RawTaskRow]) -> None:
        sql = f'INSERT INTO "{self.schema}".raw_tasks VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)'
        async with self.conn.transaction():
            await self.conn.executemany(sql, rows)

    async def select_all(self) -> int:
        return len(await self.conn.fetch(f'SELECT * FROM "{self.schema}".ember_tasks'))


async def persistent(label: str, url: str, raw: RawSqlite | RawPostgres, counts: Counts) -> None:
    """Grow the store through Ember and its twin through raw SQL, in steps; then restore."""
    scheduler, store = Scheduler(), store_from_url(url)
    await store.open()
    await attach_store(scheduler, store)
    stored = 0

    async def grow(n: int) -> tuple[float, float]:
        """Add ``n`` rows both ways; return the two rates (rows per second, durable)."""
        nonlocal stored
        say(f"{label}: {stored:,} -> {stored + n:,} stored")
        start = time.perf_counter()
        for i in range(stored, stored + n):
            scheduler.delay(FAR + i * 1e-6, noop, i, persistent=True)
        await scheduler.flush()
        ember = time.perf_counter() - start
        deadline = time.time() + FAR
        rows: list[RawTaskRow] = [
            (i + 1, "scheduled", deadline, None, CALLBACK_REF, f"[{i}]", "{}", None, None)
            for i in range(stored, stored + n)
        ]
        start = time.perf_counter()
        await raw.insert(rows)
        stored += n
        return n / ember, n / (time.perf_counter() - start)

    async def measure() -> tuple[float, float]:
        """Mean rates over three batches: a full collection the interpreter owes for earlier
        growth lands in one window or another, so one batch alone over- or under-states."""
        rates = [await grow(batch) for _ in range(3)]
        return tuple(3 / sum(1 / rate[i] for rate in rates) for i in (0, 1))  # type: ignore[return-value]

    batch, full = counts.batch, counts.stored
    add(f"{label} fill 0 -> {batch:,} (create+flush)", *await grow(batch), "/s")
    low, base_low = await measure()
    add(f"{label} create 3x{batch:,} @ {batch:,} stored", low, base_low, "/s")
    filled = stored
    fills = [await grow(batch) for _ in range((full - stored) // batch)]
    add(
        f"{label} fill {filled:,} -> {full:,} in steps of {batch:,}",
        *(len(fills) / sum(1 / rate[i] for rate in fills) for i in (0, 1)),
        "/s",
    )
    high, base_high = await measure()
    ok, target = (high >= 50_000, ">= 50,000/s") if label == "SQLite" else (None, "-")
    add(f"{label} create 3x{batch:,} @ {full:,} stored", high, base_high, "/s", target, ok)
    flat, name = high / low, f"{label} rate@{full:,} / rate@{batch:,}"
    add(name, flat, base_high / base_low, "x", ">= 0.90", flat >= 0.9)
    for task in scheduler.tasks()[full:]:  # cancelled: the restore reads exactly `full` rows
        task.cancel()
    await scheduler.close()
    await store.close()
    scheduler, store, stored = Scheduler(), store_from_url(url), full
    gc.collect()  # the first scheduler's tasks are freed before the restore is timed
    say(f"{label}: restoring {stored:,} tasks")
    await store.open()
    start = time.perf_counter()
    report = await attach_store(scheduler, store)
    ember = time.perf_counter() - start
    await scheduler.close()
    await store.close()
    start = time.perf_counter()
    selected = await raw.select_all()
    base = time.perf_counter() - start
    if report.scheduled != stored or selected != stored:
        note(f"{label}: restored {report.scheduled:,}, selected {selected:,} of {stored:,}")
    add(f"{label} restore {stored:,} (vs SELECT *)", ember, base, "s", "<= 1 s", ember <= 1.0)


async def on_sqlite(counts: Counts) -> None:
    with tempfile.TemporaryDirectory(prefix="ember-bench-") as directory:
        path = os.path.join(directory, "tasks.db")
        raw = RawSqlite(directory, path)
        with contextlib.closing(raw.conn):
            await persistent("SQLite", f"sqlite://{path}", raw, counts)


async def on_postgres(dsn: str, counts: Counts) -> None:
    try:
        import asyncpg

        conn = await asyncpg.connect(dsn, timeout=5)
    except Exception as error:
        note(f"PostgreSQL rows skipped: cannot connect ({type(error).__name__}: {error})")
        return
    schema = f"ember_bench_{secrets.token_hex(4)}"
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        await conn.execute(f'CREATE TABLE "{schema}".raw_tasks ({RAW_COLUMNS})')
        url = dsn + ("&" if "?" in dsn else "?") + f"schema={schema}"
        await persistent("PostgreSQL", url, RawPostgres(conn, schema), counts)
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10x fewer tasks (a smoke run)")
    parser.add_argument("--postgres", default=DEFAULT_DSN, metavar="DSN", help="PostgreSQL DSN")
    options = parser.parse_args()
    counts = Counts(*(n // 10 for n in astuple(Counts()))) if options.quick else Counts()
    in_memory(counts)
    repeating(counts)
    asyncio.run(on_sqlite(counts))
    asyncio.run(on_postgres(options.postgres, counts))
    mode = "quick" if options.quick else "full"
    python = sys.version.split()[0]
    TABLE.print(f"ember bench delays ({mode}, Python {python}, {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
