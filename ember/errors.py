"""The root of Ember's exceptions and the errors shared by several parts.

Every error Ember raises on purpose derives from :class:`EmberError` and also from the builtin
a caller would expect (``TypeError``, ``ValueError``, ``RuntimeError``, ...). Errors that belong
to one part live beside its code (``ember.link.LinkError``, ``ember.game.settings.SettingsError``,
``ember.cli.CliError``, ...) and are re-exported from ``ember`` where game code needs them.
"""

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
