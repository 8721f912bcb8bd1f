"""Locks on game objects: ``obj.locks.add("get: perm(Builder) or holds(key)")`` and
``obj.access(caller, "get")``.

A lock string is compiled when it is set (:mod:`ember.world._lockparse`), so a string that
does not parse is refused then, with the character where it fails, and checking never
parses. What is stored is the text (one ``locks`` field per object row, journaled as
:class:`LocksChanged`); loading compiles it again. An access type without a lock falls back
to :data:`DEFAULT_LOCKS`, and any other type to :data:`OTHER_DEFAULT_LOCK`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from ember.world._changes import LocksChanged
from ember.world._errors import LockError, ObjectDeletedError
from ember.world._limits import MAX_LOCK_LENGTH
from ember.world._lockfuncs import LockFunctions
from ember.world._lockparse import Lock, evaluate, parse_locks
from ember.world._roles import ObjectWorld

__all__ = ["DEFAULT_LOCKS", "OTHER_DEFAULT_LOCK", "BrokenLocks", "Locks", "restore_locks"]

log = logging.getLogger("ember.world")

#: What an access type means on an object that has no lock for it.
DEFAULT_LOCKS: dict[str, str] = {
    "get": "all()",
    "traverse": "all()",
    "examine": "perm(Builder)",
    "control": "perm(Admin)",
}
#: What any other access type (one a game names) means without a lock: staff only.
OTHER_DEFAULT_LOCK = "perm(Admin)"

_BUILTINS = LockFunctions()
_DEFAULTS = {lock.access_type: lock for lock in parse_locks(
    "; ".join(f"{name}: {text}" for name, text in DEFAULT_LOCKS.items()), _BUILTINS
)}  # fmt: skip
_OTHER = parse_locks(f"other: {OTHER_DEFAULT_LOCK}", _BUILTINS)[0]


@dataclass(frozen=True, slots=True)
class BrokenLocks:
    """A stored lock string that no longer compiles (a game's lock function was removed):
    kept as stored, never rewritten, and refusing every access until locks are set anew."""

    text: str
    reason: str


class LockHolder(Protocol):
    """What locks need of their object (a :class:`GameObject`): its id, its lock state
    and the world it journals changes to."""

    _locks: dict[str, Lock] | BrokenLocks | None

    @property
    def _id(self) -> int: ...

    @property
    def _world(self) -> ObjectWorld | None: ...


def _text_of(locks: dict[str, Lock]) -> str:
    return "; ".join(f"{lock.access_type}: {lock.source}" for lock in locks.values())


def locks_text(obj: LockHolder) -> str:
    """The lock string stored for ``obj`` (``""`` without locks)."""
    state = obj._locks
    if state is None:
        return ""
    return state.text if isinstance(state, BrokenLocks) else _text_of(state)


def restore_locks(obj: LockHolder, text: object, functions: LockFunctions) -> None:
    """Set ``obj``'s locks from stored ``text`` while loading: nothing is journaled, and a
    string that no longer compiles is kept as :class:`BrokenLocks` with a log line."""
    if type(text) is not str:
        raise TypeError(f"locks {text!r} are not a str")
    if not text:
        obj._locks = None
        return
    try:
        obj._locks = {lock.access_type: lock for lock in parse_locks(text, functions)}
    except LockError as error:
        log.error("%r: stored locks no longer compile; every access is refused: %s", obj, error)
        obj._locks = BrokenLocks(text, str(error))


class Locks:
    """The locks of one object (``obj.locks``): set, read, remove and check them.

    ``add("get: perm(Builder) or holds(key); traverse: all()")`` sets the access types
    it names and keeps the others; ``replace`` sets exactly these; :meth:`check` (what
    ``obj.access`` does) answers whether an accessor may.
    """

    __slots__ = ("_obj",)

    def __init__(self, obj: LockHolder) -> None:
        self._obj = obj

    def _functions(self) -> LockFunctions:
        world = self._obj._world
        if world is None:
            raise ObjectDeletedError(f"{self._obj!r} was deleted; its locks cannot change")
        return world.lock_functions

    def _current(self) -> dict[str, Lock]:
        state = self._obj._locks
        return {} if state is None or isinstance(state, BrokenLocks) else dict(state)

    def _store(self, locks: dict[str, Lock]) -> None:
        text = _text_of(locks)
        if len(text) > MAX_LOCK_LENGTH:
            raise LockError(
                f"{self._obj!r} would hold {len(text)} characters of locks; the limit is "
                f"{MAX_LOCK_LENGTH} (MAX_LOCK_LENGTH)",
                text,
            )
        world = self._obj._world
        assert world is not None
        self._obj._locks = locks or None
        world._record(LocksChanged(self._obj._id, text))

    def add(self, text: str) -> list[str]:
        """Set the locks in ``text`` (``"type: expression; type: expression"``), keeping
        the object's other access types; return the access types set.

        Raises :class:`LockError` (a ``ValueError``) if any part does not parse, names an
        unknown function or gives one wrong arguments; then nothing changes.
        """
        parsed = parse_locks(text, self._functions())
        locks = self._current()
        for lock in parsed:
            locks[lock.access_type] = lock
        self._store(locks)
        return [lock.access_type for lock in parsed]

    def replace(self, text: str) -> None:
        """Set exactly the locks in ``text`` (``""`` removes them all); also the way to
        mend :attr:`broken` locks."""
        functions = self._functions()
        empty = isinstance(text, str) and not text.strip()
        parsed = [] if empty else parse_locks(text, functions)
        self._store({lock.access_type: lock for lock in parsed})

    def remove(self, access_type: str) -> bool:
        """Remove the lock on ``access_type`` (it falls back to its default); return whether
        there was one."""
        self._functions()
        locks = self._current()
        if locks.pop(access_type.strip().lower(), None) is None:
            return False
        self._store(locks)
        return True

    def get(self, access_type: str) -> str | None:
        """The expression locking ``access_type`` as written, or ``None`` if it has none."""
        lock = self._current().get(access_type.strip().lower())
        return lock.source if lock is not None else None

    def types(self) -> list[str]:
        """The access types with a lock of their own, in the order set."""
        return list(self._current())

    @property
    def broken(self) -> str | None:
        """Why stored locks did not compile when loaded, or ``None`` when they are fine."""
        state = self._obj._locks
        return state.reason if isinstance(state, BrokenLocks) else None

    def __str__(self) -> str:
        return locks_text(self._obj)

    def __repr__(self) -> str:
        return f"<Locks of {self._obj!r}: {locks_text(self._obj)!r}>"

    def check(self, accessor: Any, access_type: str, *, default: bool | None = None) -> bool:
        """Whether ``accessor`` passes this object's lock on ``access_type``.

        Without a lock of its own the type uses ``default`` if given, else
        :data:`DEFAULT_LOCKS` (``get``/``traverse``: anyone, ``examine``: Builders,
        ``control``: Admins), else :data:`OTHER_DEFAULT_LOCK`. A lock function that raises
        is logged with its traceback and the access is refused; so is every access to an
        object whose stored locks are :attr:`broken`.
        """
        state = self._obj._locks
        if isinstance(state, BrokenLocks):
            return False
        kind = access_type.strip().lower()
        lock = state.get(kind) if state is not None else None
        if lock is None:
            if default is not None:
                return default
            lock = _DEFAULTS.get(kind, _OTHER)
        try:
            return evaluate(lock.tree, accessor, self._obj)
        except Exception:
            log.exception(
                "lock %r on %r failed checking %r; access refused", lock.source, self._obj, accessor
            )
            return False
