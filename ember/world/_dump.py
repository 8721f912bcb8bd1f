"""``ember world dump FILE`` / ``ember world load FILE``: the whole stored world as JSON.

For backups, version control (one object per line, sorted, so a diff shows what changed) and
moving between SQLite and PostgreSQL. The file holds the rows :func:`load_world` takes (the
shape of :meth:`World.snapshot`), attribute values in their stored form (references as
``{"$object": id}``), and the next object id so ids are never reused after a move.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from ember.errors import EmberError, StoreError
from ember.world._store import WorldStore, world_store_from_url
from ember.world._store_rows import WorldRow, build_rows, object_row, value_text
from ember.world._world import World

__all__ = [
    "FORMAT",
    "WorldFileError",
    "dump_world_file",
    "load_world_file",
    "run_world_command",
]

#: The first key of a dump file and its version.
FORMAT, VERSION = "ember-world", 1
_dumps = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, allow_nan=False, sort_keys=True
).encode


class WorldFileError(EmberError, ValueError):
    """A world file that cannot be loaded (not JSON, another format, bad rows), or a load
    that would overwrite a world without ``--replace``."""


async def dump_world_file(url: str, path: str | os.PathLike[str]) -> str:
    """Write the world stored at ``url`` to ``path``; return a line saying what was written.

    Reads one consistent view of the database (a committed moment: while a server runs, the
    world as of its last committed batch). Rows kept aside as corrupt are not written and
    are counted in the returned line.
    """
    store = world_store_from_url(url)
    await store.open()
    try:
        objects, attributes = await store.load()
        next_id = await _next_id(store)
    finally:
        await store.close()
    rows, corrupt = build_rows(objects, attributes)
    rows.sort(key=lambda row: row["id"])
    lines = ",\n".join(_dumps(row) for row in rows)
    head = f'{{"format":"{FORMAT}","version":{VERSION},"next_id":{next_id},"objects":[\n'
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(head + lines + "\n]}\n", encoding="utf-8")
    partial.replace(target)  # never half a file under the real name
    note = (
        f"; {len(corrupt)} corrupt rows left out (see `ember world load` docs)" if corrupt else ""
    )
    return f"wrote {len(rows)} objects to {target}{note}"


async def load_world_file(url: str, path: str | os.PathLike[str], *, replace: bool) -> str:
    """Load the world in ``path`` into the store at ``url`` in one transaction.

    The file is checked whole first (every row as :func:`load_world` checks it, classes
    resolved); any bad row refuses the load naming it. A store that already holds objects
    is refused unless ``replace``; then its objects are deleted in the same transaction.
    """
    from ember.world._load import load_world

    try:
        data = json.loads(await asyncio.to_thread(Path(path).read_text, encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise WorldFileError(f"cannot read the world file {path}: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise WorldFileError(f'{path} is not an Ember world file (no "format": "{FORMAT}")')
    if data.get("version") != VERSION or not isinstance(data.get("objects"), list):
        raise WorldFileError(
            f"{path} is an Ember world file of version {data.get('version')!r}; this Ember "
            f"reads version {VERSION}"
        )
    world = World()
    report = load_world(data["objects"], world)
    if report.corrupt:
        first = report.corrupt[0]
        raise WorldFileError(
            f"{path}: {len(report.corrupt)} objects cannot be loaded, nothing was changed; "
            f"the first: {first.reason}"
        )
    puts: list[WorldRow] = []
    for obj in world:
        puts.append(object_row(world, obj))
        for name, value in world._row(obj)["attributes"].items():
            puts.append((obj._id, name, value_text(value)))
    store = world_store_from_url(url)
    await store.open()
    try:
        objects, _ = await store.load()
        if objects and not replace:
            raise WorldFileError(
                f"the database already holds a world of {len(objects)} objects; "
                "`ember world load --replace FILE` replaces it (dump it first to keep a copy)"
            )
        await store.replace(puts)
        next_id = data.get("next_id")
        await store.reserve_ids(next_id if isinstance(next_id, int) else 1, 1)
    finally:
        await store.close()
    extra = (
        f", {len(report.missing_classes)} with missing classes" if report.missing_classes else ""
    )
    return f"loaded {report.loaded} objects from {path}{extra}"


async def _next_id(store: WorldStore) -> int:
    """The id the next object would get: reserving one id shows the counter (an id is skipped,
    which is harmless: ids are never reused, gaps are allowed)."""
    return await store.reserve_ids(1, 1)


def run_world_command(args: Any, game_dir: Path, url: str, running: bool) -> int:
    """``ember world dump|load``: run ``args.action`` on ``args.file`` (and ``args.replace``)
    against the database ``url`` of ``game_dir`` and print what was done. A load while the
    server runs is refused (the running game holds the world in memory and would never see
    it, then overwrite it); a dump while it runs reads the last committed moment. Store
    errors come back as :class:`WorldFileError` with the store's explanation."""
    if running and args.action == "load":
        raise WorldFileError("the server is running and holds the world: `ember stop` first")
    sys.path.insert(0, str(game_dir))  # the game's own classes, as the server finds them
    try:
        if args.action == "dump":
            line = asyncio.run(dump_world_file(url, args.file))
        else:
            line = asyncio.run(load_world_file(url, args.file, replace=args.replace))
    except StoreError as error:
        raise WorldFileError(str(error)) from None
    print(line[0].upper() + line[1:] + ".")
    return 0
