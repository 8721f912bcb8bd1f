"""Module-level callbacks and an entity kind that persistent-task tests refer to by name."""

from __future__ import annotations

import asyncio
import os
from typing import Any

FIRED: list[tuple[Any, ...]] = []
ROOMS: dict[int, Room] = {}


def record(*args: Any, **kwargs: Any) -> str:
    """Append the call to FIRED and return a marker."""
    FIRED.append((args, kwargs))
    return "recorded"


def explode(reason: str) -> None:
    """Always fail."""
    raise RuntimeError(reason)


BROKEN: set[str] = set()


def flaky(tag: str) -> str:
    """Fail while ``tag`` is in BROKEN, else record the call (a fault that gets fixed)."""
    if tag in BROKEN:
        raise RuntimeError(f"{tag} is broken")
    FIRED.append(((tag,), {}))
    return tag


async def slow_record(tag: str, gate: asyncio.Event) -> None:
    """Wait for ``gate`` (an in-memory event: only used non-persistently)."""
    await gate.wait()
    FIRED.append(((tag,), {}))


async def hang_then_record(tag: str) -> None:
    """An async callback that never finishes by itself (cancelled at shutdown)."""
    FIRED.append((("started", tag), {}))
    await asyncio.Event().wait()


class Spells:
    """Static and class methods are persistable by reference."""

    @staticmethod
    def static(value: int) -> None:
        FIRED.append((("static", value), {}))

    @classmethod
    def klass(cls, value: int) -> None:
        FIRED.append((("class", cls.__name__, value), {}))


class Room:
    """A minimal persistent entity: a kind, a stable id, found again through ROOMS."""

    entity_kind = "testroom"

    def __init__(self, room_id: int) -> None:
        self.entity_id = room_id
        self.heard: list[str] = []
        ROOMS[room_id] = self

    def announce(self, text: str) -> None:
        self.heard.append(text)
        FIRED.append((("announce", self.entity_id, text), {}))


class Gadget:
    """Not an entity: its bound methods cannot persist."""

    def use(self) -> None:
        pass


def log_firing(log_path: str, label: str) -> None:
    """Append ``fired LABEL`` to a log file in one write (a SIGKILL cannot tear it)."""
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"fired {label}\n".encode())
    finally:
        os.close(fd)
    FIRED.append(((label,), {}))
