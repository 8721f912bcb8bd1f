"""Attribute values: checked and encoded at assignment, decoded when a world is loaded.

A stored value is plain JSON. References to game objects become ``{"$object": 42}``; tuples
``{"$tuple": [...]}``; a dict with one key starting with ``$`` is wrapped in ``{"$dict": ...}``
so decoding cannot mistake it for a tag. Everything else is refused with the attribute's name,
the offending piece (``db.bag[2]``) and its type.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from ember.world._errors import AttributeTooLargeError, UnstorableValueError
from ember.world._limits import MAX_ATTRIBUTE_BYTES

__all__ = ["decode_value", "encode_value", "encoded_size"]

_ACCEPTED = (
    "JSON values (None, bool, int, finite float, str, list, tuple, dict with str keys) "
    "and objects of the same world"
)
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
# A str this short cannot reach the limit even at 4 UTF-8 bytes per character and escaping.
_SHORT_STR = MAX_ATTRIBUTE_BYTES // 6


def encode_value(world: object, name: str, value: Any, *, assigning: bool = True) -> Any:
    """Return the stored (JSON-ready) form of ``value`` for attribute ``name``.

    Raises :class:`UnstorableValueError` for a value that is not storable and
    :class:`AttributeTooLargeError` for one over :data:`MAX_ATTRIBUTE_BYTES`. With
    ``assigning=False`` (a snapshot of values checked when they were assigned) an object
    deleted since is encoded by its id, as the journal recorded it, and the size is not
    measured again.
    """
    kind = type(value)
    # The hot path: small scalars are their own encoding.
    if kind is int or kind is bool or value is None:
        return value
    if kind is str:
        if len(value) > _SHORT_STR:
            _check_size(name, value)
        return value
    if kind is float:
        if not math.isfinite(value):
            raise UnstorableValueError(
                f"attribute db.{name} is the float {value!r}; only finite floats are stored"
            )
        return value
    bound = [0]  # an upper bound of the encoded size, so small values skip the exact measure
    try:
        encoded = _encode(world, value, bound, assigning)
    except _UnstorableError:
        _explain(world, value, f"db.{name}", assigning)  # raises the precise error
        raise
    except RecursionError:
        raise UnstorableValueError(
            f"attribute db.{name} is nested too deeply or contains itself"
        ) from None
    if assigning and bound[0] > MAX_ATTRIBUTE_BYTES:
        _check_size(name, encoded)
    return encoded


def encoded_size(encoded: Any) -> int:
    """Return the size in bytes of the UTF-8 JSON text of an encoded value."""
    return len(_dumps(encoded).encode())


def _check_size(name: str, encoded: Any) -> None:
    size = encoded_size(encoded)
    if size > MAX_ATTRIBUTE_BYTES:
        raise AttributeTooLargeError(
            f"attribute db.{name} encodes to {size:,} bytes; the limit is "
            f"{MAX_ATTRIBUTE_BYTES:,} bytes (MAX_ATTRIBUTE_BYTES): keep large data in a file "
            "or split it over several attributes"
        )


class _UnstorableError(Exception):
    """Raised by the fast walk; the slow walk then says where and what."""


# Worst cases in JSON text: a character escaped as \uXXXX (6 bytes); a number, true/false/null
# or a reference {"$object":N} within 32 bytes; 2 brackets and a comma per container item.
def _encode(world: object, value: Any, bound: list[int], assigning: bool) -> Any:
    kind = type(value)
    if kind is str:
        bound[0] += 6 * len(value) + 3
        return value
    if kind is int or kind is bool or value is None:
        bound[0] += 32
        return value
    if kind is float:
        if not math.isfinite(value):
            raise _UnstorableError
        bound[0] += 32
        return value
    if kind is list:
        # Scalars inline: most stored lists are short lists of numbers and names.
        items, size = [], 2
        for item in value:
            item_kind = type(item)
            if item_kind is str:
                size += 6 * len(item) + 3
                items.append(item)
            elif item_kind is int or item_kind is bool or item is None:
                size += 32
                items.append(item)
            else:
                items.append(_encode(world, item, bound, assigning))
        bound[0] += size
        return items
    if kind is tuple:
        bound[0] += 14
        return {"$tuple": [_encode(world, item, bound, assigning) for item in value]}
    if kind is dict:
        bound[0] += 2
        encoded = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _UnstorableError
            bound[0] += 6 * len(key) + 4
            encoded[key] = _encode(world, item, bound, assigning)
        if len(encoded) == 1 and next(iter(encoded)).startswith("$"):
            bound[0] += 10
            return {"$dict": encoded}
        return encoded
    object_world = getattr(value, "_world", _NOT_AN_OBJECT)
    if (object_world is world or (object_world is None and not assigning)) and hasattr(
        value, "entity_kind"
    ):
        bound[0] += 32
        return {"$object": value.id}
    raise _UnstorableError


def _explain(world: object, value: Any, path: str, assigning: bool) -> None:
    """Walk ``value`` again, slowly, and raise :class:`UnstorableValueError` at the first
    piece that cannot be stored, naming its path (``db.bag[2]['x']``) and its type."""
    kind = type(value)
    if kind is float and not math.isfinite(value):
        raise UnstorableValueError(f"{path} is the float {value!r}; only finite floats")
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return
    if kind is list or kind is tuple:
        for i, item in enumerate(value):
            _explain(world, item, f"{path}[{i}]", assigning)
        return
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise UnstorableValueError(
                    f"{path} has the key {key!r} of type {type(key).__name__}; "
                    "stored dict keys must be str"
                )
            _explain(world, item, f"{path}[{key!r}]", assigning)
        return
    object_world = getattr(value, "_world", _NOT_AN_OBJECT)
    if object_world is not _NOT_AN_OBJECT and hasattr(value, "entity_kind"):
        if object_world is world or (object_world is None and not assigning):
            return
        if object_world is None:
            raise UnstorableValueError(f"{path} is {value!r}, which was deleted")
        raise UnstorableValueError(
            f"{path} is {value!r}, an object of another world; only objects of this "
            "world can be stored"
        )
    raise UnstorableValueError(
        f"{path} is a {kind.__name__} ({_short_repr(value)}); attributes hold {_ACCEPTED}"
    )


_NOT_AN_OBJECT = object()


def _short_repr(value: object) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def decode_value(value: Any, find: Callable[[int], Any]) -> Any:
    """Rebuild a live value from its stored form; ``find(id)`` returns the object for a
    reference, or ``None`` when it no longer exists (the reference then reads as ``None``).

    Raises ``ValueError`` for a malformed tag (a corrupt row).
    """
    if type(value) is list:
        return [decode_value(item, find) for item in value]
    if type(value) is not dict:
        return value
    if len(value) == 1:
        tag, inner = next(iter(value.items()))
        if tag == "$object":
            if type(inner) is not int:
                raise ValueError(f"malformed object reference {value!r}")
            return find(inner)
        if tag == "$tuple":
            if type(inner) is not list:
                raise ValueError(f"malformed tuple {value!r}")
            return tuple(decode_value(item, find) for item in inner)
        if tag == "$dict":
            if type(inner) is not dict:
                raise ValueError(f"malformed escaped dict {value!r}")
            return {key: decode_value(item, find) for key, item in inner.items()}
    return {key: decode_value(item, find) for key, item in value.items()}
