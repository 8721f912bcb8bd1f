"""``repeat()``: the game-facing entry point of repeating timers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ember.scheduling._api import get_scheduler
from ember.scheduling._repeat import Repeat
from ember.scheduling._wheel import repeater_of

__all__ = ["repeat", "repeats"]


def repeat(
    interval: float,
    callback: Callable[..., Any],
    /,
    *args: Any,
    persistent: bool = False,
    count: int | None = None,
    jitter: float = 0,
    **kwargs: Any,
) -> Repeat:
    """Run ``callback(*args, **kwargs)`` every ``interval`` seconds; return a :class:`Repeat`.

    Ticks stay on a grid (tick *k* is due ``k * interval`` after the start): a late tick never
    pushes the next one later, and ticks a blocked loop or a stopped server missed are not
    replayed: at most one catch-up tick runs, then the repeat is back on the grid. Every
    repeat of one interval shares one timer. ``count`` ends it after that many ticks;
    ``jitter`` delays each tick by a fixed pseudo-random part of ``[0, jitter)`` so many
    repeats started together do not all fire in the same instant.

    With ``persistent=True`` it survives reload, stop and crash, under the same rule as a
    persistent ``delay()``: the callback is stored by reference and the arguments as JSON
    values or entities; anything else is a ``TypeError`` naming the piece.

    Raises ``ValueError`` for an interval that is zero, negative, NaN or infinite, a count
    below 1, or a jitter below 0 or not below the interval.

    Example::

        def regenerate(character):
            character.db.hp = min(character.db.hp + 1, character.db.max_hp)

        ticker = repeat(10, regenerate, character, persistent=True)
        ticker.pause(); ticker.unpause(); ticker.cancel()
    """
    return repeater_of(get_scheduler()).repeat(
        interval, callback, args, kwargs, persistent=persistent, count=count, jitter=jitter
    )


def repeats(owner: str | None = None) -> list[Repeat]:
    """The repeats of the running loop's scheduler (of ``owner``, a ``"kind:id"`` key)."""
    return repeater_of(get_scheduler()).all(owner)
