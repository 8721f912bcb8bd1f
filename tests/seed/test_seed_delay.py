"""The seed page's delay() examples, with only their import lines changed."""

from __future__ import annotations

from ember import delay
from ember.testing import virtual_time


class Caller:
    """Stands in for ``self.caller``: something with ``msg()``."""

    def __init__(self) -> None:
        self.received: list[str] = []

    def msg(self, text: str) -> None:
        self.received.append(text)


async def test_callback_returning_after_ten_seconds() -> None:
    caller = Caller()
    async with virtual_time() as clock:
        # -- from the seed page (import changed) --
        def callback(obj):  # type: ignore[no-untyped-def]
            obj.msg("Returning!")

        delay(10, callback, caller)
        # --
        await clock.advance(9.9)
        assert caller.received == []
        await clock.advance(0.1)
        assert caller.received == ["Returning!"]


async def test_py_one_liner_with_a_lambda() -> None:
    self = Caller()
    async with virtual_time() as clock:
        delay(10, lambda who: who.msg("Test!"), self)
        await clock.advance(10)
    assert self.received == ["Test!"]
