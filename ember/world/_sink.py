"""Where ``obj.msg()`` goes: a protocol the game implements with its sessions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ember.world._object import GameObject

__all__ = ["MessageSink"]


class MessageSink(Protocol):
    """Where ``obj.msg()`` goes: the game registers one that reaches the sessions playing
    an object; tests use :class:`ember.testing.MessageLog`."""

    def deliver(self, target: GameObject, text: str | None, options: Mapping[str, Any]) -> None:
        """Deliver ``text`` (with the keyword ``options`` of ``msg``) to ``target``'s players."""
        ...
