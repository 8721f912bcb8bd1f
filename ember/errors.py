"""The exceptions Ember raises: one root, each also the builtin a caller would expect."""

from __future__ import annotations

__all__ = [
    "EmberError",
    "NotPersistableError",
    "PersistenceUnavailableError",
    "StoreError",
    "StoreThreadError",
    "UnresolvableReferenceError",
    "WrongThreadError",
]


class EmberError(Exception):
    """Root of every error Ember raises on purpose; catch this to catch them all."""


class NotPersistableError(EmberError, TypeError):
    """A callback or argument cannot be stored by reference, so it cannot be persistent.

    Raised by ``delay(..., persistent=True)`` at the call, naming the offending piece.
    """


class PersistenceUnavailableError(EmberError, RuntimeError):
    """``persistent=True`` was asked for, but no task store is attached to the scheduler."""


class UnresolvableReferenceError(EmberError, LookupError):
    """A stored reference (``module:qualname`` or an entity) no longer points at anything."""


class StoreError(EmberError, RuntimeError):
    """A task store failed to open, read or write."""


class WrongThreadError(EmberError, RuntimeError):
    """Game-loop-only code (``delay()``, a task handle, the store) was called from another
    thread; worker code must hand such work back to the game loop."""


class StoreThreadError(StoreError, WrongThreadError):
    """A task store was used from a thread other than the game loop's."""
