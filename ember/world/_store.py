"""The world written behind: a store's rows loaded into a :class:`World`, its journal
committed in order with group commit, object ids reserved in durable blocks."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ember.errors import StoreError
from ember.storage import WriteBehind, WriterStatistics, parse_database_url
from ember.world._ids import IdAllocator
from ember.world._load import CorruptRow, Loader, LoadReport
from ember.world._store_rows import (
    RowKey,
    WorldRow,
    attribute_maps,
    object_rows,
    row_key,
    rows_for,
)
from ember.world._stream import AttributeStream
from ember.world._world import World

__all__ = [
    "ID_BLOCK",
    "WRITE_INTERVAL",
    "StoredWorld",
    "WorldStore",
    "open_world",
    "world_store_from_url",
]

log = logging.getLogger("ember.world")

#: Object ids reserved per durable block. The next block is reserved in the background when
#: half is used, so one burst of creations in a single step of the loop (a builder's script
#: making a whole area) may use up to half a block; a crash wastes at most a block of ids
#: (64-bit ids, never reused: gaps are harmless).
ID_BLOCK = 100_000
#: Seconds between looks at an idle journal. Writes are behind anyway; while a batch
#: commits the next one gathers, so under load batches follow each other without waiting.
WRITE_INTERVAL = 0.005


class WorldStore(Protocol):
    """What the world needs of a database: its SQL and nothing else (SQLite, PostgreSQL)."""

    url: str

    async def open(self) -> None:
        """Open (creating or upgrading the tables); a newer schema raises."""
        ...

    async def close(self) -> None:
        """Close; closing twice is harmless."""
        ...

    async def write(self, puts: Sequence[WorldRow], deletes: Sequence[RowKey]) -> None:
        """Apply one batch in one durable transaction."""
        ...

    async def load(
        self, objects_ready: Callable[[list[tuple[Any, ...]]], None] | None = None
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Every object row and attribute row; ``objects_ready(object rows)`` is called
        once before returning, as early as the store can (to build objects meanwhile)."""
        ...

    async def reserve_ids(self, at_least: int, count: int) -> int:
        """Reserve ``count`` ids durably; return the first."""
        ...

    async def replace(self, puts: Sequence[WorldRow]) -> None:
        """Make ``puts`` every stored row, in one transaction."""
        ...


def world_store_from_url(url: str) -> WorldStore:
    """A (not yet opened) world store for ``url``: an SQLite path or a ``postgresql://`` DSN."""
    parsed = parse_database_url(url, what="world store")
    if parsed.kind == "sqlite":
        from ember.world._store_sqlite import SqliteWorldStore

        return SqliteWorldStore(parsed.path)
    from ember.world._store_postgres import PostgresWorldStore

    return PostgresWorldStore(parsed.dsn, schema=parsed.schema)


class StoredWorld:
    """A :class:`World` kept in a store: made by :func:`open_world`, ended by :meth:`close`.

    Every change the world journals is committed in journal order: a pump drains the
    journal, turns it into row writes and queues them on a :class:`WriteBehind`; each batch
    it commits is one transaction covering a prefix of the journal, so the database holds
    the world as of one moment, whatever moment a crash picks.
    """

    def __init__(
        self, store: WorldStore, world: World, report: LoadReport, id_block: int = ID_BLOCK
    ) -> None:
        self.store, self.world, self.report = store, world, report
        self._id_block = id_block
        self._writer: WriteBehind[RowKey, WorldRow] = WriteBehind(
            store, key=row_key, what="world", log=log
        )
        self._pump: asyncio.Task[None] | None = None
        #: Streams the stored attributes in after the world opened (``open_world(stream=True)``
        #: on SQLite), else ``None``: every attribute was loaded before it opened.
        self.stream: AttributeStream | None = None
        self._reserving: asyncio.Task[None] | None = None
        self._closed = False

    async def _start(self) -> None:
        ids = self.world.ids
        first = await self.store.reserve_ids(ids.next_id, self._id_block)
        ids.add_block(first, self._id_block)
        ids.on_low = self._reserve_next
        self._writer.start()
        self._pump = asyncio.get_running_loop().create_task(self._run(), name="ember-world-pump")
        if self.stream is not None:
            self.stream.start()

    def _reserve_next(self) -> None:
        if self._reserving is None or self._reserving.done():
            self._reserving = asyncio.get_running_loop().create_task(self._reserve())

    async def _reserve(self) -> None:
        ids = self.world.ids
        while True:
            try:
                first = await self.store.reserve_ids(ids.next_id, self._id_block)
                break
            except StoreError:
                log.exception("cannot reserve the next block of object ids; retrying in 1 s")
                await asyncio.sleep(1.0)
        ids.add_block(first, self._id_block)
        ids.on_low = self._reserve_next

    def _drain(self) -> int:
        changes = self.world.drain_changes()
        if changes:  # no await in between: one drain, one prefix of the journal
            self._writer.queue(rows_for(self.world, changes))
        return len(changes)

    async def _run(self) -> None:
        while True:
            if self._drain():
                await self._writer.flush()  # meanwhile the journal gathers the next batch
            else:
                await asyncio.sleep(WRITE_INTERVAL)

    async def flush(self) -> None:
        """Return once every change made before the call is durable (and the next id
        block, if one is being reserved)."""
        if self._reserving is not None:
            await asyncio.shield(self._reserving)
        self._drain()
        await self._writer.flush()

    def statistics(self) -> WriterStatistics:
        """The write-behind queue's counts (rows pending, batches, failures)."""
        return self._writer.statistics()

    async def close(self, give_up_after: float | None = None) -> int:
        """Flush everything, stop writing and close the store; closing twice is harmless.

        With ``give_up_after`` the final flush waits at most that long (a reload or stop has
        a deadline); the row writes it could not make are logged as an error with their count
        and returned as that count (the next start loads the world as of its last commit).
        """
        if self._closed:
            return 0
        self._closed = True
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        if self._reserving is not None:  # a failing store would retry for ever: stop it
            self._reserving.cancel()
            with contextlib.suppress(asyncio.CancelledError, StoreError):
                await self._reserving
        self.world.ids.on_low = None
        if self.stream is not None:  # it only reads: stopping it at any point loses nothing
            await self.stream.close()
        try:
            self._drain()
            unwritten = await self._writer.close(give_up_after)
            if unwritten:
                log.error(
                    "the world store did not take %d row writes within %.1f s; the next start"
                    " loads the world as of its last commit",
                    len(unwritten),
                    give_up_after,
                )
        finally:
            await self.store.close()
        return len(unwritten)


async def open_world(
    store: WorldStore | str,
    world: World | None = None,
    *,
    open_store: bool = True,
    id_block: int = ID_BLOCK,
    stream: bool = False,
) -> StoredWorld:
    """Open ``store`` (a store or a URL), load its rows into ``world`` and start writing behind.

    ``world`` defaults to a new ``World(journal=True)``; it must be empty and keep a journal.
    Loading follows :func:`load_world`: a missing class loads as :class:`GameObject` and is
    kept, a corrupt row is kept aside (in the database, untouched) with a log line, the rest
    loads. The report is ``stored.report``.

    With ``stream`` (SQLite; other stores ignore it) only the objects are loaded before
    this returns and their stored attributes stream in after (``stored.stream``, see
    ember/world/_stream.py): an unreadable attribute is then found late, and its object
    stays in the world without it, listed in :meth:`World.damaged_objects`.
    """
    if isinstance(store, str):
        store = world_store_from_url(store)
    if world is None:
        world = World(journal=True, ids=IdAllocator())
    if len(world) or world._journal is None:
        raise ValueError("open_world needs an empty world that keeps a journal (journal=True)")
    if open_store:
        await store.open()
    try:
        collecting = gc.isenabled()
        gc.disable()  # a million new containers would start full collections again and again
        try:
            if stream and hasattr(store, "load_objects"):
                report, corrupt, streaming = await _load_objects(store, world)
            else:
                (report, corrupt), streaming = await _load(store, world), None
        finally:
            if collecting:
                gc.enable()
        for bad in corrupt:
            log.error("stored world row %r is corrupt and kept aside: %s", bad.row, bad.reason)
        if corrupt:
            report = LoadReport(
                report.loaded, report.missing_classes, (*corrupt, *report.corrupt), report.dangling
            )
        world.drain_changes()  # loading journals nothing, but be sure
        stored = StoredWorld(store, world, report, id_block)
        stored.stream = streaming
        await stored._start()
    except BaseException:
        if world._attribute_source is not None:
            await world._attribute_source.close()  # type: ignore[attr-defined]
        await store.close()
        raise
    return stored


async def _load(store: WorldStore, world: World) -> tuple[LoadReport, list[CorruptRow]]:
    """Load the store's rows into ``world``: the objects are built from their rows while the
    store still reads the attributes, which are attached after (see :class:`Loader`)."""
    loader = Loader(world)
    corrupt: list[CorruptRow] = []
    failed: list[BaseException] = []
    built: list[bool] = []

    def objects_ready(objects: list[tuple[Any, ...]]) -> None:
        built.append(True)
        try:  # called by the loop: an error must reach open_world, not the loop's handler
            rows, bad = object_rows(objects)
            corrupt.extend(bad)
            for row in rows:
                loader.build(row, attributes=False)
        except BaseException as error:
            failed.append(error)

    objects, attributes = await store.load(objects_ready)
    if not built:  # a store that does not call back: build the objects now
        objects_ready(objects)
    del objects
    if failed:
        raise failed[0]
    by_object, bad_attributes = attribute_maps(attributes)
    del attributes
    corrupt[:0] = bad_attributes
    for object_id, stored in by_object.items():
        loader.attach(object_id, stored)
    return loader.finish(), corrupt


async def _load_objects(
    store: Any, world: World
) -> tuple[LoadReport, list[CorruptRow], AttributeStream]:
    """Load the objects of an SQLite store without their stored attributes, which an
    :class:`AttributeStream` (installed as the world's attribute source) brings later."""
    loader = Loader(world)
    corrupt: list[CorruptRow] = []
    failed: list[BaseException] = []

    def objects_ready(objects: list[tuple[Any, ...]]) -> None:
        try:  # called by the loop: an error must reach open_world, not the loop's handler
            rows, bad = object_rows(objects)
            corrupt.extend(bad)
            for row in rows:
                loader.build(row, attributes=False)
        except BaseException as error:
            failed.append(error)

    has_log = await store.load_objects(objects_ready)
    if failed:
        raise failed[0]
    report = loader.finish()
    built = [obj for obj, _, _ in loader.pending.values()]
    streaming = AttributeStream(world, store.path, built, has_log=has_log)
    world._attribute_source = streaming
    return report, corrupt, streaming
