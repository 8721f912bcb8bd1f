"""Loading a world from stored rows: classes found again by name, bad rows kept aside."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ember.errors import UnresolvableReferenceError
from ember.world import _moving
from ember.world._classes import class_ref, resolve_class
from ember.world._kinds import Exit
from ember.world._limits import check_aliases, check_attribute_name, check_name
from ember.world._locks import restore_locks
from ember.world._object import GameObject
from ember.world._values import decode_value
from ember.world._world import World

__all__ = ["CorruptRow", "LoadReport", "Loader", "load_world"]

log = logging.getLogger("ember.world")


@dataclass(frozen=True, slots=True)
class CorruptRow:
    """A stored row that could not be loaded, kept as it was, with the reason."""

    row: object
    reason: str


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What loading found: objects loaded, those whose class is gone (loaded with the base
    class, ``{id: class ref}``), rows kept aside, and references to absent objects (read as
    ``None``, or nowhere for a location)."""

    loaded: int
    missing_classes: Mapping[int, str]
    corrupt: tuple[CorruptRow, ...]
    dangling: int


_CONTAINERS = frozenset((dict, list))


class _Pending:
    """A reference seen while decoding attributes, resolved once every object exists."""

    __slots__ = ("object_id",)

    def __init__(self, object_id: int) -> None:
        self.object_id = object_id


def load_world(
    rows: Iterable[Mapping[str, Any]], world: World, *, trusted_modules: Iterable[str] | None = None
) -> LoadReport:
    """Load stored rows (the shape of :meth:`World.snapshot`'s values) into ``world``.

    Classes resolve only inside ``trusted_modules`` (default: the world's), checked on the
    whole path. A class that no longer resolves loads as :class:`GameObject`, is listed in
    the report and in :meth:`World.missing_classes`, and keeps its stored class reference
    (and destination) in snapshots: nothing is rewritten or deleted silently. A malformed
    row is kept aside with a log line and the rest loads. No hooks run and nothing is
    journaled: loading is not a change.
    """
    loader = Loader(world, trusted_modules)
    for row in rows:
        loader.build(row)
    return loader.finish()


class Loader:
    """:func:`load_world` in steps, so a store can build the objects from their rows while
    it still reads the attributes: :meth:`build` each row (with ``attributes=False`` the
    row's attributes are ignored), :meth:`attach` the attributes of an object built so,
    then :meth:`finish` (wire locations and references, report)."""

    def __init__(self, world: World, trusted_modules: Iterable[str] | None = None) -> None:
        self.world = world
        self.trusted = (
            tuple(trusted_modules) if trusted_modules is not None else world.trusted_modules
        )
        self.classes: dict[str, type[GameObject] | UnresolvableReferenceError] = {}
        self.corrupt: list[CorruptRow] = []
        self.checked: set[str] = set()  # attribute names found valid
        #: {id: (object, row, whether its attributes hold references)}, in load order
        self.pending: dict[int, tuple[GameObject, Mapping[str, Any], bool]] = {}

    def _kept_aside(self, row: object, object_id: object, error: Exception) -> None:
        reason = f"{type(error).__name__}: {error}"
        log.error("stored object row %r is corrupt and kept aside: %s", object_id, reason)
        self.corrupt.append(CorruptRow(row, reason))

    def build(self, row: Mapping[str, Any], *, attributes: bool = True) -> None:
        """Make the object of ``row`` (registered, not yet placed); a bad row is kept aside."""
        try:
            obj, has_refs = _build(
                row, self.world, self.classes, self.trusted, self.checked, attributes
            )
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            self._kept_aside(row, row.get("id") if isinstance(row, Mapping) else None, error)
            return
        self.pending[obj._id] = (obj, row, has_refs)

    def attach(self, object_id: int, stored: Mapping[str, Any]) -> None:
        """Give the object built from row ``object_id`` its stored attributes; if they are
        bad the whole object is kept aside, as :meth:`build` would have (no object yet)."""
        entry = self.pending.get(object_id)
        if entry is None:
            return  # its row was kept aside, or there is none
        obj, row, _ = entry
        try:
            attrs, has_refs = _attributes(stored, self.checked)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            self._kept_aside({**row, "attributes": stored}, object_id, error)
            del self.pending[object_id]
            self.world._unregister(obj)
            return
        obj._attrs = attrs
        self.pending[object_id] = (obj, row, has_refs)

    def finish(self) -> LoadReport:
        """Wire every object built and return the report."""
        world, dangling = self.world, 0
        for obj, row, has_refs in self.pending.values():
            dangling += _wire(obj, row, has_refs, world)
        dangling += _break_cycles(obj for obj, _, _ in self.pending.values())
        missing = world.missing_classes()
        for object_id, ref in missing.items():
            log.warning(
                "object #%d loads as GameObject: its class %s no longer resolves", object_id, ref
            )
        return LoadReport(len(self.pending), missing, tuple(self.corrupt), dangling)


def _attributes(stored: Any, checked: set[str]) -> tuple[dict[str, Any] | None, bool]:
    """Stored attributes as the object holds them (references pending) and whether they
    hold any reference; a bad name or value raises."""
    if type(stored) is not dict and not isinstance(stored, Mapping):
        raise TypeError("attributes are not a mapping")
    found_refs = False
    attrs = dict(stored)
    if not checked.issuperset(attrs):  # a world has few distinct names: check each once
        for name in attrs.keys() - checked:
            checked.add(check_attribute_name(name))
    if not _CONTAINERS.isdisjoint(map(type, attrs.values())):  # scalars are their own form

        def pend(ref_id: int) -> Any:
            nonlocal found_refs
            found_refs = True
            return _Pending(ref_id)

        for name, value in attrs.items():
            attrs[name] = decode_value(value, pend)
    return attrs or None, found_refs


def _build(
    row: Mapping[str, Any],
    world: World,
    classes: dict[str, type[GameObject] | UnresolvableReferenceError],
    trusted: tuple[str, ...] | None,
    checked: set[str],
    with_attributes: bool = True,
) -> tuple[GameObject, bool]:
    if type(row) is not dict and not isinstance(row, Mapping):
        raise TypeError(f"a row must be a mapping, got {type(row).__name__}")
    object_id, ref = row["id"], row["class"]
    if type(object_id) is not int or object_id <= 0:
        raise ValueError(f"id {object_id!r} is not a positive int")
    if object_id in world._objects:
        raise ValueError(f"id #{object_id} appears twice")
    if type(ref) is not str:
        raise TypeError(f"class reference {ref!r} is not a str")
    for field in ("location", "home", "destination"):
        value = row.get(field)
        if value is not None and type(value) is not int:
            raise TypeError(f"{field} {value!r} is not an object id")
    key = check_name(row["key"], "the key")
    # Most objects have no aliases, tags or locks: skip the checks that find nothing.
    aliases = check_aliases(row["aliases"], f"#{object_id}") if row.get("aliases") else ()
    tags = (
        tuple(sorted({check_name(tag, "a tag") for tag in row["tags"]})) if row.get("tags") else ()
    )
    attrs, found_refs = (
        _attributes(row.get("attributes") or {}, checked) if with_attributes else (None, False)
    )
    cls = classes.get(ref)
    if cls is None:
        try:
            cls = classes[ref] = resolve_class(ref, trusted)
        except UnresolvableReferenceError as error:
            cls = classes[ref] = error
    if isinstance(cls, UnresolvableReferenceError):
        # Kept with its stored class and destination, never rewritten.
        world._missing[object_id] = (ref, row.get("destination"))
        cls = GameObject
    if cls not in world._class_refs:
        world._class_refs[cls] = class_ref(cls)
    obj = object.__new__(cls)
    obj._id, obj._key, obj._aliases, obj._tags = object_id, key, aliases, tags
    obj._location = obj._contents = obj._ndb = obj._db = obj._home = obj._locks = None
    obj._attrs, obj._world = attrs, world
    locks = row.get("locks", "")
    if locks != "":
        restore_locks(obj, locks, world.lock_functions)
    if isinstance(obj, Exit):
        obj._destination = None
    world._register(obj)
    world.ids.observe(object_id)
    return obj, found_refs


def _wire(obj: GameObject, row: Mapping[str, Any], has_refs: bool, world: World) -> int:
    """Connect location, home, destination and attribute references; count dangling ones."""
    dangling = 0
    objects = world._objects

    def find(object_id: int | None, what: str) -> GameObject | None:
        nonlocal dangling
        if object_id is None:
            return None
        found = objects.get(object_id)
        if found is None:
            dangling += 1
            log.warning("%r: %s #%d does not exist; it reads as None", obj, what, object_id)
        return found

    location, home = row.get("location"), row.get("home")
    if location is not None:
        _moving.place(obj, find(location, "location"))
    if home is not None:
        obj._home = find(home, "home")
    if isinstance(obj, Exit):
        world._link_exit(obj, find(row.get("destination"), "destination"))
    if has_refs and obj._attrs:
        for name, value in obj._attrs.items():
            obj._attrs[name] = _resolve(value, lambda ref_id, name=name: find(ref_id, f"db.{name}"))
    return dangling


def _resolve(value: Any, find: Any) -> Any:
    if type(value) is _Pending:
        return find(value.object_id)
    if type(value) is list:
        return [_resolve(item, find) for item in value]
    if type(value) is tuple:
        return tuple(_resolve(item, find) for item in value)
    if type(value) is dict:
        return {key: _resolve(item, find) for key, item in value.items()}
    return value


def _break_cycles(objects: Iterable[GameObject]) -> int:
    """A corrupt store could hold a location loop; put the object closing it nowhere."""
    done: set[int] = set()
    broken = 0
    for start in objects:
        if start._location is None or start._location._location is None:
            continue  # at most one step from nowhere: no loop through it
        trail: set[int] = set()
        obj: GameObject | None = start
        while obj is not None and obj._id not in done:
            if obj._id in trail:
                log.error("location loop through %r in the stored world: it is put nowhere", obj)
                _moving.place(obj, None)
                broken += 1
                break
            trail.add(obj._id)
            obj = obj._location
        done |= trail
    return broken
