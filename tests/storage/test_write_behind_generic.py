"""The group-commit write-behind is generic (issue 12 item 1): a store of other rows than
tasks (here named things in a real SQLite file, keyed by a string) gets the same guarantees:
the newest write per key wins and ``flush()`` returns once everything queued is durable."""

from __future__ import annotations

import logging
import operator
import sqlite3
from pathlib import Path

from support.thing_store import Thing, ThingStore

from ember.storage import WriteBehind


async def test_a_store_of_other_rows_writes_behind_in_batches(tmp_path: Path) -> None:
    store = ThingStore(tmp_path / "things.db")
    await store.open()
    writer: WriteBehind[str, Thing] = WriteBehind(
        store, key=operator.itemgetter(0), what="thing", log=logging.getLogger("test")
    )
    writer.start()
    try:
        writer.put(("lamp", "red"))
        writer.put(("chair", "oak"))
        writer.put(("lamp", "blue"))  # replaces the queued red lamp
        writer.delete("chair")
        writer.put(("rug", "green"))
        await writer.flush()
        stats = writer.statistics()
        assert stats.pending == 0 and stats.rows_written == 3  # lamp, chair, rug: one each
    finally:
        assert await writer.close() == {}
        await store.db.close()
    with sqlite3.connect(tmp_path / "things.db") as conn:
        rows = conn.execute("SELECT name, colour FROM things ORDER BY name").fetchall()
    assert rows == [("lamp", "blue"), ("rug", "green")]
