"""World rows as a store keeps them: one object row per object, one row per attribute.

The store's SQL (SQLite or PostgreSQL) sees only tuples of plain values; this module turns
the journal of a :class:`World` into those tuples and stored tuples back into the rows
:func:`load_world` takes. Attribute values are the world's own stored form (references as
``{"$object": id}``) as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ember.world._changes import (
    AttributeDeleted,
    AttributeSet,
    Change,
    ObjectCreated,
)
from ember.world._load import CorruptRow
from ember.world._locks import locks_text
from ember.world._object import GameObject
from ember.world._world import World

__all__ = [
    "ATTRIBUTE_COLUMNS",
    "OBJECT_COLUMNS",
    "AttributeRow",
    "ObjectRow",
    "RowKey",
    "WorldRow",
    "attribute_maps",
    "build_rows",
    "object_row",
    "object_rows",
    "row_key",
    "rows_for",
    "value_text",
]

OBJECT_COLUMNS = "id, class, key, location, home, destination, aliases, tags, locks"
ATTRIBUTE_COLUMNS = "object_id, name, value"
#: (id, class ref, key, location, home, destination, aliases JSON, tags JSON, locks)
ObjectRow = tuple[int, str, str, int | None, int | None, int | None, str, str, str]
#: (object id, attribute name, value as JSON text)
AttributeRow = tuple[int, str, str]
WorldRow = ObjectRow | AttributeRow
#: (object id, "") names an object row, (object id, name) one of its attributes.
RowKey = tuple[int, str]

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def row_key(row: WorldRow) -> RowKey:
    """The key the write-behind coalesces on (attribute names are never empty)."""
    return (row[0], row[1]) if len(row) == 3 else (row[0], "")


def _id(obj: GameObject | None) -> int | None:
    return None if obj is None else obj._id


def object_row(world: World, obj: GameObject) -> ObjectRow:
    """The object row of ``obj`` as it is now (a missing class keeps its stored reference)."""
    missing = world._missing.get(obj._id)
    destination = missing[1] if missing else _id(getattr(obj, "_destination", None))
    return (
        obj._id,
        missing[0] if missing else world._class_refs[type(obj)],
        obj._key,
        _id(obj._location),
        _id(obj._home),
        destination,
        _dumps(list(obj._aliases)),
        _dumps(list(obj._tags)),
        locks_text(obj),
    )


_encode_str = json.encoder.encode_basestring
_SCALARS: dict[type, Callable[[Any], str]] = {
    int: int.__repr__,
    float: float.__repr__,  # finite: checked at the assignment; json writes floats so too
    str: _encode_str,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
}


def value_text(value: Any) -> str:
    """The JSON text of a stored (already checked) attribute value; scalars take a short cut."""
    scalar = _SCALARS.get(type(value))
    return scalar(value) if scalar is not None else _dumps(value)


def rows_for(world: World, changes: Sequence[Change]) -> dict[RowKey, WorldRow | None]:
    """The row writes (``{row key: row}``, ``None`` deletes the row) that bring a store
    from before ``changes`` to the world as it is now.

    Called right after :meth:`World.drain_changes`, so the live objects are exactly the
    state after the last change: object rows are read from them, attribute rows from the
    records (a later write of the same row replaces an earlier one, so a batch holds each
    row once however often it changed).
    """
    writes: dict[RowKey, WorldRow | None] = {}
    dirty: dict[int, None] = {}
    for change in changes:
        kind = type(change)
        if kind is AttributeSet:
            key = (change.object_id, change.name)  # type: ignore[union-attr]
            writes[key] = (*key, value_text(change.value))  # type: ignore[union-attr]
        elif kind is AttributeDeleted:
            writes[(change.object_id, change.name)] = None  # type: ignore[union-attr]
        else:
            dirty[change.object_id] = None
            if kind is ObjectCreated:
                object_id = change.object_id
                for name, value in change.attributes.items():  # type: ignore[union-attr]
                    writes[(object_id, name)] = (object_id, name, value_text(value))
    objects = world._objects
    for object_id in dirty:
        obj = objects.get(object_id)
        writes[(object_id, "")] = None if obj is None else object_row(world, obj)
    return writes


def build_rows(
    objects: Iterable[Sequence[Any]], attributes: Iterable[Sequence[Any]]
) -> tuple[list[dict[str, Any]], list[CorruptRow]]:
    """Stored tuples back into :func:`load_world` rows; undecodable ones are kept aside
    (:func:`attribute_maps`, then :func:`object_rows`)."""
    by_object, corrupt = attribute_maps(attributes)
    rows, bad_objects = object_rows(objects, by_object)
    return rows, corrupt + bad_objects


_decode = json.JSONDecoder().decode


def _loads(text: str) -> Any:
    return [] if text == "[]" else _decode(text)  # most objects have no aliases or tags


def attribute_maps(
    attributes: Iterable[Sequence[Any]],
) -> tuple[dict[int, dict[str, Any]], list[CorruptRow]]:
    """``{object id: {name: stored value}}`` of stored attribute tuples.

    ``attributes`` holds ``(object id, name, JSON value)`` rows or ``(object id, JSON
    object of its attributes)``, applied in order (a later row or object adds to and
    overrides the earlier ones; a ``None`` value deletes the attribute). A value that is
    not JSON becomes a :class:`CorruptRow` (the object then loads without that attribute);
    the rows stay in the database untouched.
    """
    corrupt: list[CorruptRow] = []
    by_object: dict[int, dict[str, Any]] = {}
    for stored_attributes in attributes:
        if len(stored_attributes) == 2:  # (object id, every attribute as one JSON object)
            object_id, text = stored_attributes
            found = by_object.get(object_id)
            if found is None:
                by_object[object_id] = _loads(text)
            else:  # newer values from a store's attribute log
                try:
                    found.update(_loads(text))
                except (TypeError, ValueError) as error:
                    corrupt.append(CorruptRow((object_id, text), f"attribute values: {error}"))
            continue
        object_id, name, text = stored_attributes
        if text is None:  # a deletion in the SQLite store's attribute log
            by_object.get(object_id, {}).pop(name, None)
            continue
        try:
            value = _loads(text)
        except (TypeError, ValueError) as error:
            corrupt.append(CorruptRow((object_id, name, text), f"attribute value: {error}"))
            by_object.get(object_id, {}).pop(name, None)  # not an older value in its place
            continue
        found = by_object.get(object_id)
        if found is None:
            by_object[object_id] = {name: value}
        else:
            found[name] = value
    return by_object, corrupt


def object_rows(
    objects: Iterable[Sequence[Any]], by_object: Mapping[int, Mapping[str, Any]] | None = None
) -> tuple[list[dict[str, Any]], list[CorruptRow]]:
    """:func:`load_world` rows of stored object tuples, their attributes from ``by_object``
    (``{}`` without it); a row whose aliases or tags are not JSON is kept aside."""
    corrupt: list[CorruptRow] = []
    rows: list[dict[str, Any]] = []
    for stored in objects:
        object_id, ref, key, location, home, destination, aliases, tags, locks = stored
        try:
            alias_list, tag_list = _loads(aliases), _loads(tags)
        except (TypeError, ValueError) as error:
            corrupt.append(CorruptRow(tuple(stored), f"aliases or tags: {error}"))
            continue
        rows.append(
            {
                "id": object_id,
                "class": ref,
                "key": key,
                "aliases": alias_list,
                "tags": tag_list,
                "location": location,
                "home": home,
                "destination": destination,
                "attributes": (by_object.get(object_id) or {}) if by_object is not None else {},
                "locks": locks,
            }
        )
    return rows, corrupt


def snapshot_rows(rows: Iterable[Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    """``{id: row}`` of loaded rows, the shape of :meth:`World.snapshot` (for checks)."""
    return {row["id"]: dict(row) for row in rows}
