"""What a world needs to know while its stored attributes still stream in (a leaf module).

A world opened with streaming (see ember/world/_stream.py) has every object from the start
but reads their stored attributes later, in chunks. Until an object's chunk arrives its
``_attrs`` is :data:`NOT_LOADED`, and any access to its attributes first asks the world's
:class:`AttributeSource` to read them at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn, Protocol

__all__ = ["NOT_LOADED", "AttributeSource", "WorldStatistics"]


class _NotLoaded(dict[str, Any]):
    """The one shared marker for "stored attributes not read yet"; it refuses changes, so a
    code path that forgot to load first fails loudly instead of writing into the marker."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError("an object's stored attributes were changed before they were read")

    __setitem__ = __delitem__ = update = setdefault = pop = popitem = clear = _refuse


#: The ``_attrs`` of an object whose stored attributes have not been read yet.
NOT_LOADED: dict[str, Any] = _NotLoaded()


class AttributeSource(Protocol):
    """Where a streaming world reads the stored attributes of objects not loaded yet."""

    def load(self, obj: Any) -> None:
        """Read ``obj``'s stored attributes now and give them to it (synchronously)."""
        ...

    def load_all(self) -> None:
        """Read every attribute still missing now (synchronously)."""
        ...

    def progress(self) -> tuple[int, int]:
        """``(objects whose attributes are in memory, objects loaded at start)``."""
        ...

    def damaged(self) -> dict[int, str]:
        """Objects whose stored attributes turned out unreadable, ``{id: reason}``."""
        ...


@dataclass(frozen=True, slots=True)
class WorldStatistics:
    """Counts of a world: objects, distinct classes, changes not yet drained by the store,
    objects whose class is missing, the next id to be handed out, and (while stored
    attributes stream in after start) how many objects have theirs of how many."""

    objects: int
    classes: int
    journal_pending: int
    missing_classes: int
    next_id: int
    attributes_loaded: int = 0
    attributes_total: int = 0
