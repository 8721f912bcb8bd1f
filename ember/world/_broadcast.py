"""``msg_contents`` to many objects at once: one call of the sink's ``deliver_many`` (a leaf
module: it needs nothing of the objects but their ``msg``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["deliver_many"]


def deliver_many(
    world: Any,
    targets: Sequence[Any],
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
