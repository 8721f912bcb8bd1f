"""Where ``obj.msg()`` goes: a protocol the game implements with its sessions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ember.world._object import GameObject

__all__ = ["MessageSink"]


class MessageSink(Protocol):
    """Where ``obj.msg()`` goes: the game registers one that reaches the sessions playing
    an object; tests use :class:`ember.testing.MessageLog`.

    A sink may also have ``deliver_many(targets, text, options)``, which ``msg_contents``
    calls with every object of a room at once (the game sends one message to the portal for
    all their sessions); a sink without it gets ``deliver`` once per object.
    """

    def deliver(self, target: GameObject, text: str | None, options: Mapping[str, Any]) -> None:
        """Deliver ``text`` (with the keyword ``options`` of ``msg``) to ``target``'s players."""
        ...
