"""What a durable flow can wait on besides pauses and questions, and a generator helper.

``flow_random()`` and ``flow_now()`` are values a journal records once and replays the same;
``_Pause`` is ``sleep()`` inside an ``async def`` durable flow. Kept apart from the journal
itself (``_durable.py``) so each module stays small.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Generator
from typing import Any, NoReturn

from ember.scheduling import get_scheduler
from ember.scheduling._journal import step_hook

__all__ = ["FlowValue", "close_on", "flow_now", "flow_random"]


class FlowValue:
    """``flow_random()`` or ``flow_now()``: a value recorded once and replayed the same.

    ``yield`` it in a generator flow, ``await`` it in an ``async def`` one. Outside a durable
    flow it is simply the live value.
    """

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def live(self) -> float:
        """The value now: ``random.random()`` or the scheduler clock's wall time."""
        return random.random() if self.kind == "random" else get_scheduler().clock.wall()

    async def _live(self) -> float:
        return self.live()

    def __await__(self) -> Generator[Any, None, float]:
        hook = step_hook.get()
        if hook is not None:
            found: Awaitable[float] | None = hook(self)
            if found is not None:
                return found.__await__()
        return self._live().__await__()


def flow_random() -> FlowValue:
    """A random float in [0, 1) that a durable flow records, so a replay gets the same one.

    Example::

        @interactive(durable=True)
        def gamble(caller):
            roll = yield flow_random()
            caller.msg("You win!" if roll < 0.5 else "You lose.")
    """
    return FlowValue("random")


def flow_now() -> FlowValue:
    """The wall time (UTC epoch seconds) that a durable flow records, so a replay gets the
    same one; ``yield flow_now()`` (generator) or ``await flow_now()`` (async)."""
    return FlowValue("now")


class _Pause:
    """A pause asked for by ``await sleep(n)`` inside an ``async def`` durable flow."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


def close_on(gen: Generator[Any, Any, Any], error: BaseException) -> NoReturn:
    """Raise ``error`` inside ``gen`` at its ``yield`` (its ``except``/``finally`` run), make
    sure it has ended, and raise what came out (``error`` if it was swallowed)."""
    try:
        gen.throw(error)
    except StopIteration:
        raise error from None
    except BaseException as raised:
        if raised is error:
            raise
        raise raised from error
    gen.close()  # it yielded again instead of ending: stop it there
    raise error
