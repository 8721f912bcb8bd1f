"""Where ``obj.msg()`` goes: a protocol the game implements with its sessions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ember.world._object import GameObject

__all__ = ["MessageSink", "deliver_many"]


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


def deliver_many(
    world: Any,
    targets: Sequence[GameObject],
    text: str,
    options: Mapping[str, Any],
    base_msg: Callable[..., None],
) -> None:
    """Send ``text`` to each of ``targets`` (``msg_contents``): those whose class keeps
    ``base_msg`` (``GameObject.msg``) through the sink's ``deliver_many`` in one call, any
    other (a game's own ``msg``, or a sink without ``deliver_many``) by its ``msg``."""
    sink = world.message_sink if world is not None else None
    many = getattr(sink, "deliver_many", None)
    if many is None:
        for obj in targets:
            obj.msg(text, **options)
        return
    # A game that overrides msg (to add a prefix, say) keeps seeing every line through it.
    plain = [obj for obj in targets if type(obj).msg is base_msg]
    for obj in targets:
        if type(obj).msg is not base_msg:
            obj.msg(text, **options)
    if plain:
        many(plain, text, options)
