"""Stored attributes streamed in after the game opened: the objects first, their attributes
after, in chunks applied on the loop, and read at once for any object touched before its
chunk arrived.

Why: a world of a million attribute rows takes seconds to read and decode, while its objects
(ids, classes, names, places) take a fraction of that. The game opens for logins with every
object in memory and its attributes marked :data:`NOT_LOADED`; an :class:`AttributeStream`
reads the attribute rows in id order (one read-only SQLite connection) and applies each
chunk, both on the loop in slices of at most :data:`SLICE_SECONDS`, so players' commands run
in between. Not in a thread: SQLite hands the GIL back and forth once per row fetched, and a
reader thread doing that thousands of times a chunk made every handoff of the loop's own
(each socket call) wait behind it: round trips during the stream went from 0.5 ms to 4 ms
at the 99th percentile, while the reads themselves take a third of the stream's time.

Any access to an object's attributes before its chunk arrived (read, write, deletion,
listing, a snapshot, a deletion of the object) reads them synchronously first with a point
query on a second read-only connection (WAL lets readers run beside the writer). A chunk
skips every object that already has its attributes, so a write made before the chunk
arrived is never replaced by the older stored value.

Why this is consistent: the game writes only attributes of objects that were read first,
so the stored rows of an object not yet read are those of the moment the world opened,
whatever was committed or folded since (a fold moves values from the attribute log to the
table without changing one). The log's rows are read once at open, with the objects, and
laid over the table's rows of each object as it is read.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from ember.errors import StoreError
from ember.world._load import _attributes, _resolve
from ember.world._loading import NOT_LOADED
from ember.world._object import GameObject
from ember.world._store_rows import attribute_maps
from ember.world._stream_reads import (
    SLICE_SECONDS,
    connect_read_only,
    read_log,
    read_log_now,
    read_range,
    read_range_in_slices,
    serve_others,
)
from ember.world._world import World

__all__ = ["CHUNK_OBJECTS", "SLICE_SECONDS", "AttributeStream", "held_streams"]

log = logging.getLogger("ember.world")

#: Objects whose attribute rows one read of the stream fetches. Large enough that
#: the read costs little per object, small enough that one chunk's rows are a few MiB.
CHUNK_OBJECTS = 2_000
#: Objects applied between two looks at the clock (about 0.1-0.3 ms of work).
_STEP = 16
#: Object ids per point query of several objects (SQLite's limit on ? in one statement
#: is far higher; this keeps one query short).
_IN_BATCH = 500

_SELECT_SOME = "SELECT object_id, name, value FROM ember_attributes WHERE object_id IN ({})"
# Without an index on object_id this scans the log: only until the stream has read it.
_SELECT_LOG_OF = (
    "SELECT object_id, name, value FROM ember_attribute_log WHERE object_id IN ({}) ORDER BY seq"
)

_held: list[AttributeStream] | None = None


@contextmanager
def held_streams() -> Iterator[list[AttributeStream]]:
    """Streams opened inside this block start paused and are collected in the list it
    yields, so a test decides when chunks arrive (``stream.resume()``)."""
    global _held
    previous, _held = _held, []
    try:
        yield _held
    finally:
        _held = previous


class AttributeStream:
    """Streams the stored attributes of an SQLite world's objects in after it opened (see
    the module's text); the world's :class:`~ember.world._loading.AttributeSource`.

    ``has_log`` says whether the attribute log may hold rows (they override the table's).
    The stream reads the log first, in its thread; until then a read on demand looks for
    the object's log rows with the table's, in one read transaction. :meth:`start` begins
    streaming on the
    running loop; :meth:`finished` waits for the end; :meth:`close` stops it (nothing is
    written by it, so stopping at any moment loses nothing).
    """

    def __init__(
        self,
        world: World,
        path: str,
        objects: Iterable[GameObject],
        *,
        has_log: bool,
    ) -> None:
        self.world, self.path = world, path
        self._pending = {obj._id: obj for obj in objects}
        for obj in self._pending.values():
            obj._attrs = NOT_LOADED
        self._total = len(self._pending)
        # The log's newest values per object ({id: {name: JSON text or None}}), once read.
        self._log_values: dict[int, dict[str, str | None]] | None = None if has_log else {}
        self._checked: set[str] = set()
        self._damaged: dict[int, str] = {}
        self._point: sqlite3.Connection | None = connect_read_only(path)
        self._gate = asyncio.Event()
        self._done = asyncio.Event()
        self._holding = asyncio.Event()  # a chunk's rows are read, not all applied (tests)
        self._task: asyncio.Task[None] | None = None
        #: Called once every object has its attributes (the game freezes the collector).
        self.on_done: Callable[[], None] | None = None
        #: Called after each chunk is applied (the game moves its containers out of the
        #: collector's reach, or full collections walk them again and again meanwhile).
        self.on_chunk: Callable[[], None] | None = None
        if _held is not None:
            _held.append(self)
        else:
            self._gate.set()
        if not self._pending:
            self._done.set()

    # -- the AttributeSource protocol ----------------------------------------------------------

    def load(self, obj: Any) -> None:
        """Read ``obj``'s stored attributes now (a point query on the loop's thread)."""
        self.load_many((obj,))

    def load_many(self, objects: Iterable[GameObject]) -> None:
        """Read the stored attributes of ``objects`` not loaded yet, now, in few queries
        (the game reads its characters' so before it serves the first login)."""
        ids = [obj._id for obj in objects if obj._attrs is NOT_LOADED]
        if not ids:
            return
        conn = self._point_conn()
        for first in range(0, len(ids), _IN_BATCH):
            batch = ids[first : first + _IN_BATCH]
            marks = ",".join("?" * len(batch))
            conn.execute("BEGIN")  # the table and the log as of one moment (a fold moves rows)
            try:
                rows = conn.execute(_SELECT_SOME.format(marks), batch).fetchall()
                if self._log_values is None:  # not read yet: this object's rows (a scan)
                    rows += conn.execute(_SELECT_LOG_OF.format(marks), batch).fetchall()
            finally:
                conn.execute("COMMIT")
            self._apply(batch, rows)
        self._maybe_done()

    def load_all(self) -> None:
        """Read every attribute still missing now, synchronously (a snapshot, a dump)."""
        if not self._pending:
            return
        conn = self._point_conn()
        if self._log_values is None:
            self._log_values = read_log_now(conn)  # before the table: see _run
        ids = sorted(self._pending)
        for first in range(0, len(ids), CHUNK_OBJECTS):
            chunk = ids[first : first + CHUNK_OBJECTS]
            self._apply(chunk, read_range(conn, chunk))
        self._maybe_done()

    def progress(self) -> tuple[int, int]:
        """``(objects with their attributes in memory, objects loaded at open)``."""
        return self._total - len(self._pending), self._total

    def damaged(self) -> dict[int, str]:
        """Objects whose stored attributes were unreadable, ``{id: reason}``."""
        return dict(self._damaged)

    # -- streaming -----------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """Whether every object loaded at open has its attributes."""
        return self._done.is_set()

    async def finished(self) -> None:
        """Return once every object has its attributes."""
        await self._done.wait()

    def pause(self) -> None:
        """Apply no further slice until :meth:`resume` (tests; reads on demand still work)."""
        self._gate.clear()

    async def holding_chunk(self) -> None:
        """Return once the stream holds a chunk's rows, read but not yet all applied (tests:
        a write made now is newer than the rows the chunk carries)."""
        await self._holding.wait()

    def resume(self) -> None:
        """Go on applying chunks."""
        self._gate.set()

    def start(self) -> None:
        """Begin streaming on the running loop (a task; no-op once done)."""
        if self._task is None and not self.done:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="ember-world-attributes"
            )

    async def _run(self) -> None:
        ids = sorted(self._pending)
        chunks = [ids[i : i + CHUNK_OBJECTS] for i in range(0, len(ids), CHUNK_OBJECTS)]
        if not chunks:  # every object was read on demand before the stream began
            self._maybe_done()
            return
        reader = connect_read_only(self.path)
        try:
            if self._log_values is None:
                # The log first, then the table: rows folded from the log into the table
                # meanwhile carry the same values, so the table read later is never older.
                log_values = await read_log(reader)
                if self._log_values is None:  # else load_all read it meanwhile
                    self._log_values = log_values
            for chunk in chunks:
                rows = await read_range_in_slices(reader, chunk)
                await self._apply_in_slices(chunk, rows)
                if self.on_chunk is not None:
                    self.on_chunk()
        except Exception:  # the game goes on: each object still reads its own on demand
            log.exception(
                "cannot stream the world's attributes from %s; they are read on demand", self.path
            )
        finally:
            reader.close()
        self._maybe_done()

    async def _apply_in_slices(self, chunk: list[int], rows: list[Any]) -> None:
        by_object: dict[int, list[Any]] = {}
        for row in rows:
            found = by_object.get(row[0])
            if found is None:
                by_object[row[0]] = [row]
            else:
                found.append(row)
        position = 0
        self._holding.set()
        while position < len(chunk):
            await self._gate.wait()
            started = time.perf_counter()
            while position < len(chunk) and time.perf_counter() - started < SLICE_SECONDS:
                step = chunk[position : position + _STEP]
                self._apply(step, [row for i in step for row in by_object.get(i, ())])
                position += len(step)
            await serve_others()
        self._holding.clear()

    def _maybe_done(self) -> None:
        if not self._pending and not self._done.is_set():
            self._done.set()
            log.info("world attributes loaded: %d objects", self._total)
            if self.on_done is not None:
                self.on_done()

    def _point_conn(self) -> sqlite3.Connection:
        if self._point is None:
            raise StoreError(
                f"the world store {self.path} was closed before every object's attributes were"
                " read; attributes not read are still in the database"
            )
        return self._point

    def _apply(self, ids: Sequence[int], table_rows: list[Any]) -> None:
        """Give the objects ``ids`` (still pending) their attributes: table rows, then the
        log's rows over them; skip those loaded meanwhile (a write made since wins)."""
        objects = []
        for object_id in ids:
            obj = self._pending.pop(object_id, None)
            if obj is not None and obj._attrs is NOT_LOADED:
                objects.append(obj)
        if not objects:
            return
        wanted = {obj._id for obj in objects}
        rows = [row for row in table_rows if row[0] in wanted]
        log_values = self._log_values or {}
        for obj in objects:
            newer = log_values.pop(obj._id, None)
            if newer:
                object_id = obj._id
                rows.extend((object_id, name, value) for name, value in newer.items())
        by_object, corrupt = attribute_maps(rows)
        for bad in corrupt:
            self._mark(bad.row[0], f"{bad.reason} (row {bad.row!r})")  # type: ignore[index]
        for obj in objects:
            obj._attrs = self._decode(obj, by_object.get(obj._id))

    def _decode(self, obj: GameObject, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        if not stored:
            return None
        try:
            attrs, has_refs = _attributes(stored, self._checked)
        except (ValueError, TypeError, KeyError, AttributeError):
            attrs, has_refs = {}, False
            for name, value in stored.items():  # keep what can be read, one by one
                try:
                    one, refs = _attributes({name: value}, self._checked)
                except (ValueError, TypeError, KeyError, AttributeError) as error:
                    self._mark(obj._id, f"db.{name}: {type(error).__name__}: {error}")
                    continue
                attrs.update(one or {})
                has_refs = has_refs or refs
        if has_refs and attrs:
            objects = self.world._objects

            def find(ref_id: int, name: str) -> GameObject | None:
                found = objects.get(ref_id)
                if found is None:
                    log.warning("%r: db.%s #%d does not exist; it reads as None", obj, name, ref_id)
                return found

            for name, value in attrs.items():
                attrs[name] = _resolve(value, lambda ref_id, name=name: find(ref_id, name))
        return attrs or None

    def _mark(self, object_id: int, reason: str) -> None:
        """An unreadable stored attribute found after the world opened: the object stays
        (players may be in it), without that attribute; its row stays as it is."""
        log.error(
            "object #%d has an unreadable stored attribute, left out (the row stays in the"
            " database; Developers see it at login): %s",
            object_id,
            reason,
        )
        self._damaged[object_id] = reason

    async def close(self) -> None:
        """Stop streaming and close the connections; attributes not read stay unread (and
        stored). Closing twice is harmless."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        if self._point is not None:
            self._point.close()
            self._point = None
