"""Moving objects: the checks, the hooks in their order, and one journal record per move."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from ember.world._changes import ObjectMoved
from ember.world._errors import MoveError, ObjectDeletedError

if TYPE_CHECKING:
    from ember.world._object import GameObject

__all__ = ["check_destination", "going_through", "move", "place", "way_out"]

log = logging.getLogger("ember.world")

# The exit a move is going through (set by Exit.at_traverse around its move_to), so the
# leaving message can name the way without changing the hooks' signatures.
_THROUGH: ContextVar[GameObject | None] = ContextVar("ember_world_through", default=None)


@contextmanager
def going_through(exit_: GameObject) -> Iterator[None]:
    """Mark the moves made inside the ``with`` block as going through ``exit_``."""
    token = _THROUGH.set(exit_)
    try:
        yield
    finally:
        _THROUGH.reset(token)


def way_out(obj: GameObject, destination: GameObject | None) -> str | None:
    """The key of the exit ``obj`` is leaving its room by for ``destination``, or ``None``
    when this move is not a walk through an exit of that room to that place (a teleport)."""
    exit_ = _THROUGH.get()
    if (
        exit_ is None
        or exit_._location is not obj._location
        or getattr(exit_, "_destination", None) is not destination
    ):
        return None
    return exit_._key


def move(
    obj: GameObject, destination: GameObject | None, *, quiet: bool = False, forced: bool = False
) -> bool:
    """Move ``obj`` into ``destination`` (``None``: nowhere) and return whether it moved.

    Order: ``obj.at_pre_move(destination)`` (``False`` refuses, nothing changes; skipped
    when ``forced``, as when a deleted location sends its contents home); unless ``quiet``,
    ``obj.announce_move_from``; ``source.at_object_leave``; the move itself (one journal
    record holding both ends); unless ``quiet``, ``obj.announce_move_to``;
    ``destination.at_object_receive``; ``obj.at_post_move``; the message sink's
    ``moved(obj, source)`` if it has one. Hooks after the gate are
    notifications: an exception in one is logged with its traceback and the move stands.

    Raises :class:`MoveError` for a move that can never be made (into itself, into its own
    contents, into an object of another world) and :class:`ObjectDeletedError` if either
    object was deleted.
    """
    world = obj._world
    if world is None:
        raise ObjectDeletedError(f"{obj!r} was deleted and cannot move")
    check_destination(obj, destination)
    source = obj._location
    if destination is source:
        return True
    if not forced and obj.at_pre_move(destination) is False:
        return False
    if obj._world is None or (destination is not None and destination._world is None):
        raise ObjectDeletedError(f"{obj!r} or {destination!r} was deleted by at_pre_move")
    if not quiet:
        _notify(obj.announce_move_from, destination)
    if source is not None:
        _notify(source.at_object_leave, obj, destination)
    check_destination(obj, destination)  # a hook may have moved things around
    source = obj._location
    place(obj, destination)
    world._record(
        ObjectMoved(
            obj._id,
            source._id if source is not None else None,
            destination._id if destination is not None else None,
        )
    )
    if not quiet:
        _notify(obj.announce_move_to, source)
    if destination is not None:
        _notify(destination.at_object_receive, obj, source)
    _notify(obj.at_post_move, source)
    # The game's sink may want to know (it sends clients Room.Info); a plain sink need not.
    moved = getattr(world.message_sink, "moved", None)
    if moved is not None:
        _notify(moved, obj, source)
    return True


def check_destination(obj: GameObject, destination: GameObject | None) -> None:
    """Raise :class:`MoveError` unless ``obj`` may be put into ``destination``."""
    if destination is None:
        return
    if getattr(destination, "entity_kind", None) != "object" or not hasattr(destination, "_world"):
        raise MoveError(f"cannot move {obj!r} into {destination!r}: it is not a game object")
    if destination._world is None:
        raise ObjectDeletedError(f"cannot move {obj!r} into {destination!r}: it was deleted")
    if destination._world is not obj._world:
        raise MoveError(f"cannot move {obj!r} into {destination!r}, an object of another world")
    if destination is obj:
        raise MoveError(f"cannot move {obj!r} into itself")
    holder = destination._location
    while holder is not None:
        if holder is obj:
            raise MoveError(
                f"cannot move {obj!r} into {destination!r}: {destination!r} is inside "
                f"{obj!r}, so the move would make a loop"
            )
        holder = holder._location


def place(obj: GameObject, destination: GameObject | None) -> None:
    """Change ``obj``'s location and both contents, without checks, hooks or journal."""
    source = obj._location
    if source is not None and source._contents is not None:
        source._contents.pop(obj._id, None)
        if not source._contents:
            source._contents = None  # most objects hold nothing: keep them small
    obj._location = destination
    if destination is not None:
        contents = destination._contents
        if contents is None:
            contents = destination._contents = {}
        contents[obj._id] = obj


def _notify(hook: Callable[..., object], *args: object) -> None:
    try:
        hook(*args)
    except Exception:
        log.exception(
            "hook %s of %r raised; the move stands",
            getattr(hook, "__name__", hook),
            getattr(hook, "__self__", None),
        )


def fallback(
    content: GameObject, dying: GameObject, default: GameObject | None
) -> GameObject | None:
    """Where ``content`` goes when ``dying`` is deleted: its home, else ``dying``'s location,
    else ``default`` -- the first in the same world that is neither ``content`` nor inside
    ``dying`` or ``content``; ``None`` if none is."""
    world = dying._world
    for place in (content._home, dying._location, default):
        if place is None or place._world is not world or place is content:
            continue
        holder: GameObject | None = place
        while holder is not None and holder is not dying and holder is not content:
            holder = holder._location
        if holder is None:
            return place
    return None
