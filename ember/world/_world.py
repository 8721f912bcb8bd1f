"""The world: every game object in memory, found by id, class or name; creation and deletion."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from ember.scheduling import EntityRegistry, Scheduler, entity_registry
from ember.world import _moving
from ember.world._changes import Change, ObjectCreated, ObjectDeleted, ObjectMoved, Snapshot
from ember.world._classes import class_ref
from ember.world._errors import InvalidNameError, MoveError, ObjectDeletedError
from ember.world._ids import IdAllocator
from ember.world._kinds import Exit
from ember.world._limits import MAX_TAGS, check_aliases, check_attribute_name, check_name
from ember.world._loading import NOT_LOADED, AttributeSource, WorldStatistics
from ember.world._lockfuncs import LockFunctions, lock_functions
from ember.world._locks import locks_text
from ember.world._object import GameObject
from ember.world._owned_tasks import cancel_owned_tasks
from ember.world._search import NOBODY, SearchResult, search
from ember.world._sink import MessageSink
from ember.world._values import encode_value

__all__ = ["World", "WorldStatistics"]

log = logging.getLogger("ember.world")
_LOCK_FUNCTIONS = lock_functions
T = TypeVar("T", bound=GameObject)


class World:
    """Every game object, in memory, and the journal of changes a store writes behind.

    Objects are found by id (:meth:`get`), class (:meth:`objects_of`) and name
    (:meth:`find`, :meth:`search`). With ``journal=True`` every change is appended, in
    order, as a record that :meth:`drain_changes` hands to the store; without a store
    nobody drains it, so it is off by default. ``trusted_modules`` limits the classes
    objects may have (checked at creation). ``message_sink`` delivers ``obj.msg()``.
    ``lock_functions`` is the registry of lock functions (default: ``ember.lock_functions``).
    """

    def __init__(
        self,
        *,
        journal: bool = False,
        ids: IdAllocator | None = None,
        trusted_modules: Iterable[str] | None = None,
        message_sink: MessageSink | None = None,
        lock_functions: LockFunctions | None = None,
    ) -> None:
        self._objects: dict[int, GameObject] = {}
        self._by_class: dict[type[GameObject], dict[int, GameObject]] = {}
        # lower-cased key or alias -> the object, or a list when several share it
        self._by_name: dict[str, GameObject | list[GameObject]] = {}
        self._journal: list[Change] | None = [] if journal else None
        self._class_refs: dict[type[GameObject], str] = {}
        self._missing: dict[int, tuple[str, int | None]] = {}  # id -> (class ref, destination)
        self._scheduler: Scheduler | None = None
        # destination id -> the exits leading there, so deleting a room finds them at once
        self._exits_to: dict[int, list[Exit]] = {}
        self.ids = ids if ids is not None else IdAllocator()
        self.trusted_modules = tuple(trusted_modules) if trusted_modules is not None else None
        self.message_sink = message_sink
        #: The functions locks set on this world's objects may call (see docs/building.md).
        self.lock_functions = lock_functions if lock_functions is not None else _LOCK_FUNCTIONS
        #: Where contents go when their location is deleted and their own home is gone.
        self.default_home: GameObject | None = None
        #: Reads stored attributes not loaded yet (a store streaming them in after start).
        self._attribute_source: AttributeSource | None = None

    # -- looking objects up --------------------------------------------------------------------

    def get(self, object_id: int) -> GameObject | None:
        """Return the object with this id, or ``None``."""
        return self._objects.get(object_id)

    def __len__(self) -> int:
        return len(self._objects)

    def __iter__(self) -> Iterator[GameObject]:
        return iter(list(self._objects.values()))

    def __contains__(self, obj: object) -> bool:
        return isinstance(obj, GameObject) and obj._world is self

    def objects_of(self, cls: type[T]) -> list[T]:
        """Every object that is an instance of ``cls`` (subclasses included), by id."""
        found: list[Any] = []
        for kind, members in self._by_class.items():
            if issubclass(kind, cls):
                found.extend(members.values())
        return sorted(found, key=lambda obj: obj._id)

    def find(self, name: str) -> list[GameObject]:
        """Every object whose key or an alias is ``name`` (case-insensitive), by id."""
        entry = self._by_name.get(name.strip().lower())
        if entry is None:
            return []
        return [entry] if isinstance(entry, GameObject) else sorted(entry, key=lambda o: o._id)

    def search(self, query: str) -> SearchResult[GameObject]:
        """Search the whole world (for builders): ``#42``, an exact key or alias, or
        ``N-name``. Partial names are not matched world-wide."""
        word = query.strip()
        number, dash, rest = word.partition("-")
        body = rest if dash and number.isdigit() else word
        if body.startswith("#") and body[1:].isdigit():
            obj = self.get(int(body[1:]))
            pool = [obj] if obj is not None else []
        else:
            pool = self.find(body)
        return search(NOBODY, query, candidates=pool)

    def statistics(self) -> WorldStatistics:
        """A snapshot of counts, for a Developer's command and ``bench/``."""
        source = self._attribute_source
        loaded, total = source.progress() if source is not None else (0, 0)
        return WorldStatistics(
            objects=len(self._objects),
            classes=len(self._by_class),
            journal_pending=len(self._journal) if self._journal is not None else 0,
            missing_classes=len(self._missing),
            next_id=self.ids.next_id,
            attributes_loaded=loaded,
            attributes_total=total,
        )

    def damaged_objects(self) -> dict[int, str]:
        """Objects whose stored attributes proved unreadable after the world opened, as
        ``{id: reason}``: kept without those attributes (rows untouched), for Developers."""
        source = self._attribute_source
        return source.damaged() if source is not None else {}

    def missing_classes(self) -> dict[int, str]:
        """Objects loaded with the base class because their class no longer exists, as
        ``{id: stored class reference}``; listed for Developers, never rewritten."""
        return {object_id: ref for object_id, (ref, _) in self._missing.items()}

    # -- creating and deleting -----------------------------------------------------------------

    def create(
        self,
        cls: type[T],
        key: str,
        *,
        location: GameObject | None = None,
        home: GameObject | None = None,
        destination: GameObject | None = None,
        aliases: Iterable[str] = (),
        tags: Iterable[str] = (),
        attributes: Mapping[str, Any] | None = None,
    ) -> T:
        """Create an object of ``cls`` in this world; see :func:`ember.create_object`."""
        if not (isinstance(cls, type) and issubclass(cls, GameObject)):
            raise TypeError(f"create_object needs a GameObject subclass, got {cls!r}")
        ref = self._class_refs.get(cls)
        if ref is None:
            ref = self._class_refs[cls] = class_ref(cls, self.trusted_modules)
        check_name(key, "a key")
        alias_tuple = check_aliases(aliases, repr(key))
        tag_tuple = tuple(sorted({check_name(tag, "a tag") for tag in tags}))
        if len(tag_tuple) > MAX_TAGS:
            raise InvalidNameError(f"{len(tag_tuple)} tags given; the limit is {MAX_TAGS}")
        for what, other in (("location", location), ("home", home), ("destination", destination)):
            if other is not None:
                self._check_member(other, what)
        if destination is not None and not issubclass(cls, Exit):
            raise TypeError(f"only exits have a destination; {cls.__name__} is not an Exit")
        values = dict(attributes or {})
        encoded = {name: self._encode_attribute(name, value) for name, value in values.items()}
        home = home if home is not None else self.default_home
        obj = object.__new__(cls)
        obj._id, obj._key, obj._aliases, obj._tags = self.ids.take(), key, alias_tuple, tag_tuple
        obj._location = obj._contents = obj._ndb = obj._db = obj._locks = None
        obj._home, obj._attrs, obj._world = home, values or None, self
        if isinstance(obj, Exit):
            obj._destination = None
            self._link_exit(obj, destination)
        self._register(obj)
        _moving.place(obj, location)
        ids = (_id_of(location), _id_of(home), _id_of(destination))
        created = ObjectCreated(obj._id, ref, key, *ids, alias_tuple, tag_tuple, encoded)
        self._record(created)
        try:
            obj.at_object_creation()
        except BaseException:
            log.error("at_object_creation of %r failed; the object is removed again", obj)
            self._remove(obj)
            raise
        return obj

    def delete(self, obj: GameObject) -> bool:
        """Delete ``obj``; return ``False`` if it was deleted already or its
        ``at_object_delete`` refused.

        Exits inside it and exits leading to it are deleted too (an exit whose hook refuses
        stays, leading nowhere). Everything else inside goes to its home; if that is gone,
        is ``obj`` or is inside ``obj``, to ``obj``'s location, then to the world's
        ``default_home``, else nowhere. These are moves with hooks but without the
        ``at_pre_move`` gate: contents cannot refuse to leave a vanishing place. Timed
        tasks that belong to ``obj`` are cancelled, each with a log line.
        """
        if obj._world is None:
            return False
        if obj._world is not self:
            raise MoveError(f"{obj!r} belongs to another world")
        if obj.at_object_delete() is False:
            return False
        if obj._world is None:  # the hook deleted it itself
            return False
        for exit_ in list(self._exits_to.get(obj._id, ())):
            if exit_._world is not None and not self.delete(exit_):
                log.warning("%r leads to deleted %r and refused deletion: it is broken", exit_, obj)
                exit_.destination = None
        for _ in range(3):  # hooks of moved contents may put things back; try a few times
            for content in list((obj._contents or {}).values()):
                if isinstance(content, Exit) and self.delete(content):
                    continue
                if content._location is obj:
                    _moving.move(
                        content, _moving.fallback(content, obj, self.default_home), forced=True
                    )
            if not obj._contents:
                break
        for content in list((obj._contents or {}).values()):
            log.error(
                "%r is still inside deleted %r after its hooks ran; put nowhere", content, obj
            )
        self._cancel_tasks(obj)
        self._remove(obj)
        return True

    def _remove(self, obj: GameObject) -> None:
        """Take ``obj`` out of the world without hooks; anything still inside is put
        nowhere (a creation hook that failed after making things inside it)."""
        if obj._attrs is NOT_LOADED:  # read them while the store still has them
            self._load_attributes(obj)
        _moving.place(obj, None)
        for content in list((obj._contents or {}).values()):
            _moving.place(content, None)
            self._record(ObjectMoved(content._id, obj._id, None))
        self._unregister(obj)
        if isinstance(obj, Exit):
            self._link_exit(obj, None)
        if self.default_home is obj:
            self.default_home = None
        self._record(ObjectDeleted(obj._id))
        obj._world = None
        obj._db = None  # its only link back to obj: freed by refcounts, even if gc-frozen

    def _cancel_tasks(self, obj: GameObject) -> None:
        if self._scheduler is not None and not self._scheduler.closed:
            cancel_owned_tasks(self._scheduler, obj)

    # -- the journal, the snapshot, the scheduler ---------------------------------------------

    def drain_changes(self) -> list[Change]:
        """Return the changes recorded since the last call, oldest first, and forget them."""
        if self._journal is None:
            raise RuntimeError("this world keeps no journal (create it with journal=True)")
        changes, self._journal = self._journal, []
        return changes

    def snapshot(self) -> Snapshot:
        """The whole world as plain rows (``{id: row}``, see :data:`Snapshot`); stored
        attributes still streaming in are read first."""
        if self._attribute_source is not None:
            self._attribute_source.load_all()
        return {object_id: self._row(obj) for object_id, obj in self._objects.items()}

    def _row(self, obj: GameObject) -> dict[str, Any]:
        missing = self._missing.get(obj._id)
        destination = missing[1] if missing else _id_of(getattr(obj, "_destination", None))
        return {
            "id": obj._id,
            "class": missing[0] if missing else self._class_refs[type(obj)],
            "key": obj._key,
            "aliases": list(obj._aliases),
            "tags": list(obj._tags),
            "location": _id_of(obj._location),
            "home": _id_of(obj._home),
            "destination": destination,
            "attributes": {
                name: encode_value(self, name, value, assigning=False)
                for name, value in (obj._attrs or {}).items()
            },
            "locks": locks_text(obj),
        }

    def register_entities(
        self, registry: EntityRegistry | None = None, *, scheduler: Scheduler | None = None
    ) -> None:
        """Let persistent timed tasks find objects of this world by id (entity kind
        ``"object"``); with ``scheduler``, deleting an object cancels the tasks it owns."""
        (registry if registry is not None else entity_registry).register(
            GameObject.entity_kind, self._find_entity
        )
        self._scheduler = scheduler

    def _find_entity(self, entity_id: int | str) -> GameObject | None:
        return self._objects.get(entity_id) if type(entity_id) is int else None

    # -- for objects, the loader and the store -------------------------------------------------

    def _load_attributes(self, obj: GameObject) -> None:
        """Give ``obj`` its stored attributes now (it was loaded without them)."""
        if self._attribute_source is not None:
            self._attribute_source.load(obj)
        obj._attrs = None if obj._attrs is NOT_LOADED else obj._attrs  # no source: none

    def _record(self, change: Change) -> None:
        if self._journal is not None:
            self._journal.append(change)

    def _encode_attribute(self, name: str, value: Any) -> Any:
        return encode_value(self, check_attribute_name(name), value)

    def _check_member(self, obj: object, what: str) -> None:
        if not isinstance(obj, GameObject):
            raise TypeError(f"{what} must be a game object, got {obj!r}")
        if obj._world is None:
            raise ObjectDeletedError(f"{what} {obj!r} was deleted")
        if obj._world is not self:
            raise MoveError(f"{what} {obj!r} is an object of another world")

    def _link_exit(self, exit_: Exit, destination: GameObject | None) -> None:
        """Point ``exit_`` at ``destination``, keeping the index of exits by destination."""
        old = exit_._destination
        if old is not None:
            leading = self._exits_to.get(old._id)
            if leading is not None:
                leading.remove(exit_)
                if not leading:
                    del self._exits_to[old._id]
        exit_._destination = destination
        if destination is not None:
            self._exits_to.setdefault(destination._id, []).append(exit_)

    def _register(self, obj: GameObject) -> None:
        self._objects[obj._id] = obj
        members = self._by_class.get(type(obj))
        if members is None:
            members = self._by_class[type(obj)] = {}
        members[obj._id] = obj
        self._index_names(obj)

    def _unregister(self, obj: GameObject) -> None:
        """Undo :meth:`_register` of an object not yet placed or linked (loading)."""
        del self._objects[obj._id]
        members = self._by_class[type(obj)]
        del members[obj._id]
        if not members:
            del self._by_class[type(obj)]
        self._unindex_names(obj)
        self._missing.pop(obj._id, None)

    def _index_names(self, obj: GameObject) -> None:
        names = _names(obj) if obj._aliases else (_lower(obj._key),)
        for name in names:
            entry = self._by_name.get(name)
            if entry is None:
                self._by_name[name] = obj
            elif isinstance(entry, GameObject):
                self._by_name[name] = [entry, obj]
            else:
                entry.append(obj)

    def _unindex_names(self, obj: GameObject) -> None:
        for name in _names(obj):
            entry = self._by_name.get(name)
            if entry is obj:
                del self._by_name[name]
            elif isinstance(entry, list):
                entry.remove(obj)
                if len(entry) == 1:
                    self._by_name[name] = entry[0]


def _lower(key: str) -> str:
    lowered = key.lower()
    return key if lowered == key else lowered  # share the string: most keys are lower-case


def _names(obj: GameObject) -> set[str]:
    return {_lower(obj._key), *(alias.lower() for alias in obj._aliases)}


def _id_of(obj: GameObject | None) -> int | None:
    return obj._id if obj is not None else None
