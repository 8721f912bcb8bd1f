"""What the parts of the world need of each other, as small protocols (a leaf module).

An object needs a few things of the world holding it (to journal a change, re-index a name,
check a member); ``db`` needs its object's attribute methods; a search needs names and
places. Naming those needs here, instead of importing :class:`World` or
:class:`GameObject`, keeps the files importing one way: the world knows its objects, the
objects know only this page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ember.world._changes import Change
    from ember.world._lockfuncs import LockFunctions

__all__ = ["AttributeOwner", "Delivery", "Named", "ObjectWorld"]


class Delivery(Protocol):
    """Where ``obj.msg()`` goes (the world's ``message_sink``)."""

    def deliver(self, target: Any, text: str | None, options: Mapping[str, Any]) -> None:
        """Deliver ``text`` to ``target``'s players."""
        ...


class ObjectWorld(Protocol):
    """What an object needs of the world holding it; :class:`ember.world.World` is one."""

    _journal: list[Change] | None

    @property
    def lock_functions(self) -> LockFunctions:
        """The lock functions locks on this world's objects may call."""
        ...

    @property
    def message_sink(self) -> Delivery | None:
        """Where ``obj.msg()`` goes."""
        ...

    def get(self, object_id: int) -> Any:
        """The object with this id, or ``None``."""
        ...

    def delete(self, obj: Any) -> bool:
        """Delete ``obj`` (see :meth:`World.delete`)."""
        ...

    def _record(self, change: Change) -> None: ...

    def _load_attributes(self, obj: Any) -> None: ...

    def _index_names(self, obj: Any) -> None: ...

    def _unindex_names(self, obj: Any) -> None: ...

    def _check_member(self, obj: object, what: str) -> None: ...

    def _link_exit(self, exit_: Any, destination: Any) -> None: ...


class AttributeOwner(Protocol):
    """What ``obj.db`` needs of its object."""

    def get_attribute(self, name: str, default: Any = None) -> Any:
        """Attribute ``name``, or ``default``."""
        ...

    def set_attribute(self, name: str, value: Any) -> None:
        """Check, set and journal attribute ``name``."""
        ...

    def delete_attribute(self, name: str) -> bool:
        """Delete attribute ``name``; whether it existed."""
        ...

    def attribute_names(self) -> list[str]:
        """The names of the stored attributes."""
        ...


class Named(Protocol):
    """What a search needs of an object: its id, names and where it is."""

    @property
    def _id(self) -> int: ...

    @property
    def _key(self) -> str: ...

    @property
    def _aliases(self) -> tuple[str, ...]: ...

    @property
    def _location(self) -> Any: ...

    @property
    def _contents(self) -> Any: ...

    @property
    def key(self) -> str:
        """The object's name."""
        ...

    @property
    def dbref(self) -> str:
        """``#42``."""
        ...
