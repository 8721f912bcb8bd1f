"""The errors that end an interactive wait quietly: the player has been told already."""

from __future__ import annotations

from typing import Any

from ember.errors import EmberError

__all__ = ["QuestionAbortedError", "ReturnValue", "TooManyWaitingError"]


class ReturnValue(BaseException):
    """Raised by :func:`returnValue`; the driver turns it into the function's result.

    A ``BaseException``, so an ``except Exception:`` in game code does not swallow it.
    """

    def __init__(self, value: Any) -> None:
        super().__init__(value)
        self.value = value


class QuestionAbortedError(EmberError):
    """The player aborted a question, or gave no valid answer in the attempts allowed.

    The player has been told already; a command or interactive function ending with this
    error ends quietly (no error is logged). Catch it to clean up or to go on.
    """


class TooManyWaitingError(QuestionAbortedError, RuntimeError):
    """A caller already has the most questions pending (or interactive functions running)
    that the server allows; the new one was refused and the caller told.

    A :class:`QuestionAbortedError`, so the command or function asking ends quietly: one
    player piling up waits must not fill the log either.
    """
