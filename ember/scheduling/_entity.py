"""The small protocol a game object offers so persistent tasks can refer to it by id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Protocol, runtime_checkable

from ember.errors import UnresolvableReferenceError

__all__ = [
    "Entity",
    "EntityId",
    "EntityRegistry",
    "entity_key",
    "entity_registry",
    "owner_of_call",
]

EntityId = int | str
Finder = Callable[[EntityId], object | None]


@runtime_checkable
class Entity(Protocol):
    """A persistent game object that timed tasks may reference across restarts.

    It names its kind (``entity_kind = "account"``) and a stable ``entity_id``; the game
    registers, per kind, a finder that returns the live object for an id (see
    :class:`EntityRegistry`). A persistent ``delay(60, account.msg, "hi")`` then stores
    ``("account", 7, "msg")`` instead of the object, and finds the account again when it fires.
    """

    entity_kind: ClassVar[str]

    @property
    def entity_id(self) -> EntityId:
        """The id that stays the same for this object across restarts."""
        ...


def entity_key(obj: object) -> str | None:
    """Return ``"kind:id"`` for an entity, or ``None`` for anything else (cheap, no isinstance)."""
    kind = getattr(obj, "entity_kind", None)
    if type(kind) is not str:
        return None
    return f"{kind}:{getattr(obj, 'entity_id', None)}"


class EntityRegistry:
    """Finders by entity kind: how a stored reference becomes a live object again.

    Example::

        entity_registry.register("account", accounts.get)   # id -> Account | None
    """

    __slots__ = ("_finders",)

    def __init__(self) -> None:
        self._finders: dict[str, Finder] = {}

    def register(self, kind: str, finder: Finder) -> None:
        """Use ``finder(entity_id)`` to find entities of ``kind``; a later call replaces it."""
        if not kind or ":" in kind:
            raise ValueError(f"entity kind must be a non-empty name without ':', got {kind!r}")
        self._finders[kind] = finder

    def unregister(self, kind: str) -> None:
        """Forget the finder of ``kind`` (no error if there was none)."""
        self._finders.pop(kind, None)

    def knows(self, kind: str) -> bool:
        """Return whether a finder is registered for ``kind``."""
        return kind in self._finders

    def find(self, kind: str, entity_id: EntityId) -> object:
        """Return the live entity, or raise :class:`UnresolvableReferenceError` saying why."""
        finder = self._finders.get(kind)
        if finder is None:
            raise UnresolvableReferenceError(
                f"no finder is registered for entity kind {kind!r} "
                f"(entity_registry.register({kind!r}, finder) at start-up)"
            )
        found = finder(entity_id)
        if found is None:
            raise UnresolvableReferenceError(f"entity {kind}:{entity_id} no longer exists")
        return found


entity_registry = EntityRegistry()


def owner_of_call(callback: Callable[..., Any], args: tuple[Any, ...]) -> str | None:
    """The entity a call belongs to: the one the callback is bound to, else the first arg."""
    owner = entity_key(getattr(callback, "__self__", None))
    if owner is None and args:
        owner = entity_key(args[0])
    return owner
