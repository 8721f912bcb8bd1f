"""``obj.db`` and ``obj.ndb``: attribute-style access to stored and in-memory attributes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ember.world._roles import AttributeOwner

__all__ = ["Attributes", "MemoryAttributes"]


class Attributes:
    """The stored attributes of one object: ``obj.db.hp = 10``, ``obj.db.hp``, ``del obj.db.hp``.

    Reading a name that was never set gives ``None``. An assignment is checked at once (see
    :meth:`GameObject.set_attribute`) and journaled for the store. Changing a list or dict
    in place is not seen: assign the changed value again (``obj.db.bag = [*obj.db.bag, x]``).
    """

    __slots__ = ("_obj",)

    def __init__(self, obj: AttributeOwner) -> None:
        _set_owner(self, obj)

    def __getattribute__(self, name: str) -> Any:
        # Straight to the object's attributes: no failed normal lookup first (it is the
        # common case, and a failed lookup costs an exception inside the interpreter).
        if name[:2] == "__":  # copy, pickle and friends probe dunders: not attributes
            return object.__getattribute__(self, name)
        return _owner(self).get_attribute(name)

    def __setattr__(self, name: str, value: Any) -> None:
        _owner(self).set_attribute(name, value)

    def __delattr__(self, name: str) -> None:
        _owner(self).delete_attribute(name)

    def __contains__(self, name: object) -> bool:
        return name in _owner(self).attribute_names()

    def __iter__(self) -> Iterator[str]:
        return iter(_owner(self).attribute_names())

    def __repr__(self) -> str:
        return f"<db of {self._obj!r}: {', '.join(_owner(self).attribute_names()) or 'empty'}>"


_owner = Attributes._obj.__get__  # type: ignore[attr-defined]
_set_owner = Attributes._obj.__set__  # type: ignore[attr-defined]


class MemoryAttributes:
    """The in-memory attributes of one object (``obj.ndb``): anything goes, nothing is
    stored, everything is gone after a reload; a name never set reads as ``None``."""

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__":
            raise AttributeError(name)
        return None

    def __repr__(self) -> str:
        return f"<ndb {vars(self)!r}>"
