"""The game object: identity, names, place, attributes and messages; the base of every kind."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from ember.world import _moving
from ember.world._attributes import Attributes, MemoryAttributes
from ember.world._broadcast import deliver_many
from ember.world._changes import (
    AliasesChanged,
    AttributeDeleted,
    AttributeSet,
    HomeChanged,
    KeyChanged,
    TagsChanged,
)
from ember.world._errors import InvalidNameError, ObjectDeletedError
from ember.world._limits import (
    MAX_KEY_LENGTH,
    MAX_TAGS,
    check_aliases,
    check_attribute_name,
    check_name,
)
from ember.world._loading import NOT_LOADED
from ember.world._locks import BrokenLocks, Locks
from ember.world._roles import ObjectWorld
from ember.world._search import SearchResult, search
from ember.world._values import encode_value

if TYPE_CHECKING:
    from ember.world._lockparse import Lock

__all__ = ["GameObject"]

log = logging.getLogger("ember.world")


class GameObject:
    """Anything in the world: a room, an exit, a character, a thing; game makers subclass it.

    Objects are made with :func:`ember.create_object` (never by calling the class) and live
    in a :class:`World`. Each has a stable id (``obj.id``, shown as ``#42``), a ``key`` (its
    name) and ``aliases``, a ``location`` (the object it is in, or ``None``) and derived
    ``contents``, a ``home``, ``tags``, stored attributes in ``obj.db`` and in-memory ones
    in ``obj.ndb``. Plain Python attributes set on a subclass instance are *not* stored; use
    ``db``. Override the ``at_*`` hooks to give objects behaviour. Objects are scheduler
    entities, so ``delay(30, door.close, persistent=True)`` finds the door after a restart.
    """

    __slots__ = (
        "_aliases",
        "_attrs",
        "_contents",
        "_db",
        "_home",
        "_id",
        "_key",
        "_location",
        "_locks",
        "_ndb",
        "_tags",
        "_world",
    )

    entity_kind: ClassVar[str] = "object"

    _id: int
    _key: str
    _aliases: tuple[str, ...]
    _tags: tuple[str, ...]
    _location: GameObject | None
    _contents: dict[int, GameObject] | None  # by id: subclasses may redefine __eq__
    _home: GameObject | None
    _db: Attributes | None
    _attrs: dict[str, Any] | None
    _ndb: MemoryAttributes | None
    _world: ObjectWorld | None
    _locks: dict[str, Lock] | BrokenLocks | None

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise TypeError(
            f"game objects are made with create_object({type(self).__name__}, key, ...), "
            "which gives them an id and a place in the world; use at_object_creation() "
            "instead of __init__"
        )

    # -- identity ------------------------------------------------------------------------------

    @property
    def id(self) -> int:
        """The stable id: never reused, the same across restarts."""
        return self._id

    @property
    def entity_id(self) -> int:
        """The id persistent timed tasks store (the scheduler's entity protocol)."""
        return self._id

    @property
    def dbref(self) -> str:
        """The id as players see it: ``#42``."""
        return f"#{self._id}"

    @property
    def world(self) -> ObjectWorld | None:
        """The world holding this object; ``None`` once it was deleted."""
        return self._world

    @property
    def deleted(self) -> bool:
        """Whether :meth:`delete` removed this object from its world."""
        return self._world is None

    def __repr__(self) -> str:
        gone = " deleted" if self._world is None else ""
        return f"<{type(self).__name__} #{self._id} {self._key!r}{gone}>"

    def __str__(self) -> str:
        return self._key

    def _live_world(self) -> ObjectWorld:
        world = self._world
        if world is None:
            raise ObjectDeletedError(f"{self!r} was deleted and can no longer be changed")
        return world

    # -- names and tags ------------------------------------------------------------------------

    @property
    def key(self) -> str:
        """The object's name; two objects may share one (search tells them apart)."""
        return self._key

    @key.setter
    def key(self, value: str) -> None:
        world = self._live_world()
        check_name(value, f"the key of {self!r}")
        if value == self._key:
            return
        world._unindex_names(self)
        self._key = value
        world._index_names(self)
        world._record(KeyChanged(self._id, value))

    @property
    def name(self) -> str:
        """The object's key (the name players see), under the name code often reaches for."""
        return self._key

    @property
    def aliases(self) -> tuple[str, ...]:
        """Other names the object answers to in searches."""
        return self._aliases

    @aliases.setter
    def aliases(self, values: Iterable[str]) -> None:
        world = self._live_world()
        aliases = check_aliases(values, self)
        if aliases == self._aliases:
            return
        world._unindex_names(self)
        self._aliases = aliases
        world._index_names(self)
        world._record(AliasesChanged(self._id, aliases))

    @property
    def tags(self) -> frozenset[str]:
        """The object's tags (case-sensitive labels for grouping and finding objects)."""
        return frozenset(self._tags)

    def has_tag(self, tag: str) -> bool:
        """Return whether the object carries ``tag``."""
        return tag in self._tags

    def add_tag(self, tag: str) -> None:
        """Give the object ``tag`` (no change if it has it)."""
        world = self._live_world()
        check_name(tag, "a tag")
        if tag in self._tags:
            return
        if len(self._tags) >= MAX_TAGS:
            raise InvalidNameError(f"{self!r} already has {MAX_TAGS} tags (MAX_TAGS)")
        self._tags = tuple(sorted((*self._tags, tag)))
        world._record(TagsChanged(self._id, self._tags))

    def remove_tag(self, tag: str) -> bool:
        """Take ``tag`` away; return whether the object had it."""
        world = self._live_world()
        if tag not in self._tags:
            return False
        self._tags = tuple(t for t in self._tags if t != tag)
        world._record(TagsChanged(self._id, self._tags))
        return True

    # -- place ---------------------------------------------------------------------------------

    @property
    def location(self) -> GameObject | None:
        """The object this one is in (``None``: nowhere, as rooms usually are). Change it
        with :meth:`move_to`."""
        return self._location

    @property
    def contents(self) -> list[GameObject]:
        """The objects whose location is this one, in order of arrival (a new list)."""
        return list(self._contents.values()) if self._contents else []

    @property
    def home(self) -> GameObject | None:
        """Where the object goes when its location is deleted (``None`` if unset or deleted)."""
        home = self._home
        return home if home is not None and home._world is not None else None

    @home.setter
    def home(self, value: GameObject | None) -> None:
        world = self._live_world()
        if value is not None:
            world._check_member(value, "home")
        self._home = value
        world._record(HomeChanged(self._id, value._id if value is not None else None))

    def move_to(self, destination: GameObject | None, *, quiet: bool = False) -> bool:
        """Move into ``destination`` (``None``: nowhere) with the move hooks; see
        :func:`ember.world._moving.move`. Returns ``False`` if ``at_pre_move`` refused."""
        return _moving.move(self, destination, quiet=quiet)

    def delete(self) -> bool:
        """Delete the object: its contents go home (see :meth:`World.delete`). Returns
        ``False`` if ``at_object_delete`` refused or the object was already deleted."""
        world = self._world
        return False if world is None else world.delete(self)

    def search(
        self, query: str, *, candidates: Iterable[GameObject] | None = None
    ) -> SearchResult[GameObject]:
        """Find what ``query`` names among what this object can see (``2-sword`` picks the
        second sword); see :func:`ember.world._search.search`."""
        return search(self, query, candidates=candidates)

    # -- attributes ----------------------------------------------------------------------------

    @property
    def db(self) -> Attributes:
        """The stored attributes: ``obj.db.hp = 10``; unset names read as ``None``."""
        db = self._db
        if db is None:
            db = self._db = Attributes(self)
        return db

    @property
    def ndb(self) -> MemoryAttributes:
        """In-memory attributes, gone after a reload: ``obj.ndb.target = other``."""
        ndb = self._ndb
        if ndb is None:
            ndb = self._ndb = MemoryAttributes()
        return ndb

    def set_attribute(self, name: str, value: Any) -> None:
        """Store ``value`` as attribute ``name`` (what ``obj.db.<name> = value`` does).

        Raises :class:`UnstorableValueError` for a value that is not a JSON value or an
        object of this world, naming the attribute and the type, :class:`AttributeTooLargeError`
        over :data:`MAX_ATTRIBUTE_BYTES`, :class:`InvalidNameError` for a bad name.
        """
        world = self._world
        if world is None:
            raise ObjectDeletedError(f"{self!r} was deleted; cannot set db.{name}")
        if (
            type(name) is not str
            or not name.isidentifier()
            or name[0] == "_"
            or len(name) > MAX_KEY_LENGTH
        ):
            check_attribute_name(name)  # raises, saying why
        encoded = encode_value(world, name, value)
        attrs = self._attrs
        if attrs is None or attrs is NOT_LOADED:  # none yet, or stored ones not read yet
            attrs = self._attrs = self._read_attributes()
        attrs[name] = value
        journal = world._journal
        if journal is not None:
            journal.append(AttributeSet(self._id, name, encoded))

    def get_attribute(self, name: str, default: Any = None) -> Any:
        """Return attribute ``name``, or ``default`` if unset. A reference to an object
        deleted since reads as ``default`` too."""
        attrs = self._attrs
        if attrs is None:
            return default
        if attrs is NOT_LOADED:
            attrs = self._read_attributes()
        value = attrs.get(name, default)
        if isinstance(value, GameObject) and value._world is None:
            return default
        return value

    def delete_attribute(self, name: str) -> bool:
        """Remove attribute ``name``; return whether it existed."""
        world = self._live_world()
        attrs = self._read_attributes()
        if not attrs or name not in attrs:
            return False
        del attrs[name]
        world._record(AttributeDeleted(self._id, name))
        return True

    def attribute_names(self) -> list[str]:
        """The names of the stored attributes, in order of first assignment."""
        attrs = self._read_attributes()
        return list(attrs) if attrs else []

    def _read_attributes(self) -> dict[str, Any]:
        """``_attrs``, read from the store first if they have not streamed in yet."""
        if self._attrs is NOT_LOADED and self._world is not None:
            self._world._load_attributes(self)
        return self._attrs or {}

    # -- locks ---------------------------------------------------------------------------------

    @property
    def locks(self) -> Locks:
        """The object's locks: ``obj.locks.add("get: perm(Builder) or holds(key)")``;
        see :class:`ember.world._locks.Locks` and docs/building.md."""
        return Locks(self)

    def access(self, accessor: Any, access_type: str, *, default: bool | None = None) -> bool:
        """Whether ``accessor`` (a character, or anything with ``permissions``) passes this
        object's lock on ``access_type`` (``get``, ``traverse``, ``examine``, ``control`` or
        a game's own); an unlocked type uses ``default`` or the documented default."""
        return Locks(self).check(accessor, access_type, default=default)

    # -- messages ------------------------------------------------------------------------------

    def msg(self, text: str | None = None, **kwargs: Any) -> None:
        """Send ``text`` to whoever plays or watches this object, through the world's
        message sink (the game delivers it to sessions); ``oob=("Char.Vitals", {...})``
        adds client data (GMCP). Without a sink, or for a deleted object, nothing happens."""
        world = self._world
        if world is not None and world.message_sink is not None:
            world.message_sink.deliver(self, text, kwargs)

    def msg_contents(
        self, text: str, *, exclude: GameObject | Iterable[GameObject] | None = None, **kwargs: Any
    ) -> None:
        """Send ``text`` to every object inside this one except ``exclude`` (one object or
        several): in one call of the sink's ``deliver_many`` if it has one (one message to
        the portal for the room), else, and for objects overriding ``msg``, each ``msg``."""
        if not self._contents:
            return
        if exclude is None:
            skip: frozenset[int] = frozenset()
        elif isinstance(exclude, GameObject):
            skip = frozenset((id(exclude),))
        else:
            skip = frozenset(id(obj) for obj in exclude)
        targets = [obj for obj in self._contents.values() if id(obj) not in skip]
        deliver_many(self._world, targets, text, kwargs, GameObject.msg)

    # -- hooks: override in subclasses ---------------------------------------------------------

    def at_object_creation(self) -> None:
        """Called once, when the object is first created (not when loaded after a restart)."""

    def at_object_delete(self) -> bool | None:
        """Called before deletion; return ``False`` to refuse it."""
        return None

    def at_pre_move(self, destination: GameObject | None) -> bool | None:
        """Called before a move; return ``False`` to refuse it (nothing changes)."""
        return None

    def at_post_move(self, source: GameObject | None) -> None:
        """Called after this object moved from ``source``."""

    def at_object_leave(self, obj: GameObject, destination: GameObject | None) -> None:
        """Called on the old location before ``obj`` leaves it for ``destination``."""

    def at_object_receive(self, obj: GameObject, source: GameObject | None) -> None:
        """Called on the new location after ``obj`` arrived from ``source``."""

    def announce_move_from(self, destination: GameObject | None) -> None:
        """Tell the old location this object leaves, naming the exit it takes ("Ann leaves
        north."), if any (skipped when moving ``quiet``)."""
        if self._location is not None:
            way = _moving.way_out(self, destination)
            leaves = f"{self._key} leaves {way}." if way else f"{self._key} leaves."
            self._location.msg_contents(leaves, exclude=self)

    def announce_move_to(self, source: GameObject | None) -> None:
        """Tell the new location this object arrives (skipped when moving ``quiet``)."""
        if self._location is not None:
            self._location.msg_contents(f"{self._key} arrives.", exclude=self)
