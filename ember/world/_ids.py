"""Object ids: handed out in order, never reused, from blocks a store can reserve durably."""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["IdAllocator"]


class IdAllocator:
    """Hands out object ids from the block ``[next_id, limit)``.

    In memory the block is endless. A store gives it a finite block it reserved durably
    (:meth:`add_block`) and an ``on_low`` callback, called once when half of the block is
    used, that reserves the next one in the background, as the task scheduler does; ids are
    then never reused, even after a crash. Running out before the next block arrived raises
    ``RuntimeError`` rather than risking a duplicate id.
    """

    __slots__ = ("_block", "_limit", "_low_at", "_next", "_queued", "on_low")

    def __init__(self, next_id: int = 1, limit: float = math.inf) -> None:
        self._next = next_id
        self._limit = limit
        self._block = limit - next_id
        self._low_at = next_id + self._block / 2
        self._queued: tuple[int, int] | None = None  # the next block, once the current is used
        self.on_low: Callable[[], None] | None = None

    @property
    def next_id(self) -> int:
        """The id the next object will get."""
        return self._next

    def take(self) -> int:
        """Return a fresh id."""
        object_id = self._next
        if object_id >= self._limit and self._queued is not None:
            first, count = self._queued
            self._queued = None
            self._switch(first, count)
            object_id = self._next
        if object_id >= self._limit:
            raise RuntimeError(
                f"object ids are exhausted at #{object_id}: the next id block was not "
                "reserved in time"
            )
        self._next = object_id + 1
        if self._next >= self._low_at and self.on_low is not None:
            self._low_at = math.inf  # once per block
            self.on_low()
        return object_id

    def add_block(self, first: int, count: int) -> None:
        """Continue with the reserved ids ``[first, first + count)``; ids below the ones
        already handed out are skipped, never handed out twice. A block that starts at or
        after the end of the current one (the store reserved it ahead) is queued: the
        current block is used up first, so ids do not jump."""
        if count <= 0:
            raise ValueError(f"an id block needs a positive size, got {count}")
        if self._next < self._limit <= first:
            self._queued = (first, count)
            return
        self._switch(first, count)

    def _switch(self, first: int, count: int) -> None:
        self._next = max(self._next, first)
        self._limit = first + count
        self._low_at = self._next + (self._limit - self._next) / 2

    def observe(self, object_id: int) -> None:
        """Note an id that exists already (a loaded object), so it is never handed out."""
        if object_id >= self._next:
            self._next = object_id + 1
