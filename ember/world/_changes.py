"""The change journal: one frozen record per mutation of the world, in the order made.

A store commits these in order (group commit), so what is stored is always the world as of
one moment. :func:`apply_changes` replays records onto a plain snapshot (``{id: row}``, the
shape of :meth:`World.snapshot`): the store, the crash test and the property tests use it to
check that the stored world is a prefix of what was done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AliasesChanged",
    "AttributeDeleted",
    "AttributeSet",
    "Change",
    "DestinationChanged",
    "HomeChanged",
    "KeyChanged",
    "LocksChanged",
    "ObjectCreated",
    "ObjectDeleted",
    "ObjectMoved",
    "Snapshot",
    "TagsChanged",
    "apply_changes",
]

#: ``{object id: row}``; a row is a dict with the keys ``id``, ``class``, ``key``, ``aliases``,
#: ``tags``, ``location``, ``home``, ``destination``, ``attributes`` (stored forms) and
#: ``locks`` (the lock string, ``""`` for none).
Snapshot = dict[int, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ObjectCreated:
    """An object came into being with these fields (its creation hook's writes follow)."""

    object_id: int
    class_ref: str
    key: str
    location: int | None
    home: int | None
    destination: int | None
    aliases: tuple[str, ...]
    tags: tuple[str, ...]
    attributes: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ObjectDeleted:
    """An object was deleted (its contents were moved out by earlier records)."""

    object_id: int


@dataclass(frozen=True, slots=True)
class ObjectMoved:
    """One move, both ends in one record: never half of a move."""

    object_id: int
    old_location: int | None
    new_location: int | None


@dataclass(frozen=True, slots=True)
class AttributeSet:
    """``obj.db.<name> = value``; ``value`` is the stored (JSON-ready) form."""

    object_id: int
    name: str
    value: Any


@dataclass(frozen=True, slots=True)
class AttributeDeleted:
    """``del obj.db.<name>``."""

    object_id: int
    name: str


@dataclass(frozen=True, slots=True)
class KeyChanged:
    """The object was renamed."""

    object_id: int
    key: str


@dataclass(frozen=True, slots=True)
class AliasesChanged:
    """The object's aliases are now exactly these."""

    object_id: int
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TagsChanged:
    """The object's tags are now exactly these (sorted)."""

    object_id: int
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HomeChanged:
    """The object's home is now this object (or none)."""

    object_id: int
    home: int | None


@dataclass(frozen=True, slots=True)
class DestinationChanged:
    """The exit now leads here (``None``: nowhere, a broken exit)."""

    object_id: int
    destination: int | None


@dataclass(frozen=True, slots=True)
class LocksChanged:
    """The object's lock string is now exactly this (``""``: no locks of its own)."""

    object_id: int
    locks: str


Change = (
    ObjectCreated
    | ObjectDeleted
    | ObjectMoved
    | AttributeSet
    | AttributeDeleted
    | KeyChanged
    | AliasesChanged
    | TagsChanged
    | HomeChanged
    | DestinationChanged
    | LocksChanged
)


def apply_changes(snapshot: Mapping[int, Mapping[str, Any]], changes: Iterable[Change]) -> Snapshot:
    """Return ``snapshot`` with ``changes`` applied in order; the input is left unchanged.

    Rows are copied only when a change touches them, so replaying a few changes onto a large
    snapshot is cheap. A change to an object the snapshot does not hold raises ``KeyError``
    (records out of order are a bug, not something to paper over).
    """
    out: Snapshot = dict(snapshot)  # type: ignore[arg-type]
    copied: set[int] = set()

    def row(object_id: int) -> dict[str, Any]:
        if object_id not in copied:
            original = out[object_id]
            out[object_id] = {**original, "attributes": dict(original["attributes"])}
            copied.add(object_id)
        return out[object_id]

    for change in changes:
        match change:
            case AttributeSet():
                row(change.object_id)["attributes"][change.name] = change.value
            case ObjectMoved():
                row(change.object_id)["location"] = change.new_location
            case ObjectCreated():
                out[change.object_id] = {
                    "id": change.object_id,
                    "class": change.class_ref,
                    "key": change.key,
                    "aliases": list(change.aliases),
                    "tags": list(change.tags),
                    "location": change.location,
                    "home": change.home,
                    "destination": change.destination,
                    "attributes": dict(change.attributes),
                    "locks": "",
                }
                copied.add(change.object_id)
            case ObjectDeleted():
                del out[change.object_id]
                copied.discard(change.object_id)
            case AttributeDeleted():
                del row(change.object_id)["attributes"][change.name]
            case KeyChanged():
                row(change.object_id)["key"] = change.key
            case AliasesChanged():
                row(change.object_id)["aliases"] = list(change.aliases)
            case TagsChanged():
                row(change.object_id)["tags"] = list(change.tags)
            case HomeChanged():
                row(change.object_id)["home"] = change.home
            case DestinationChanged():
                row(change.object_id)["destination"] = change.destination
            case LocksChanged():
                row(change.object_id)["locks"] = change.locks
            case _:
                raise TypeError(f"not a change record: {change!r}")
    return out
