"""The errors the world raises: each an EmberError and the builtin a caller would expect."""

from __future__ import annotations

from ember.errors import EmberError

__all__ = [
    "AttributeTooLargeError",
    "InvalidNameError",
    "LockError",
    "MoveError",
    "ObjectDeletedError",
    "UnknownPermissionError",
    "UnstorableValueError",
]


class UnstorableValueError(EmberError, TypeError):
    """A value given to ``obj.db.<name>`` cannot be stored: it is not a JSON value or a live
    object of the same world (a set, a function, an object of another world...).

    Raised at the assignment, naming the attribute, the offending piece and its type.
    """


class AttributeTooLargeError(EmberError, ValueError):
    """An attribute value encodes to more than the documented limit
    (:data:`ember.world.MAX_ATTRIBUTE_BYTES`); raised at the assignment."""


class InvalidNameError(EmberError, ValueError):
    """A key, alias or tag is empty, too long or holds control characters."""


class MoveError(EmberError, ValueError):
    """A move that can never be made: an object into itself or into its own contents, or
    into an object of another world or a deleted one. (A hook refusing a move is not an
    error: ``move_to`` returns ``False``.)"""


class ObjectDeletedError(EmberError, RuntimeError):
    """A deleted object was used as if it still existed (moved, given attributes, ...)."""


class LockError(EmberError, ValueError):
    """A lock string that cannot be used: it does not parse, names an unknown function or
    access type, or gives a function the wrong arguments. Raised when the lock is *set*
    (never when it is checked), naming the character where the problem is.

    ``position`` is that character's 0-based index in ``text`` (``None`` when the problem
    is not at one place, such as a string too long).
    """

    def __init__(self, message: str, text: str = "", position: int | None = None) -> None:
        super().__init__(message)
        self.text = text
        self.position = position


class UnknownPermissionError(EmberError, ValueError):
    """A permission name that is not in the hierarchy (Player, Builder, Admin, Developer)."""
