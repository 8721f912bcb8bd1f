"""The data Ember sends clients about a character by default (GMCP ``Room.Info``,
``Char.Vitals``, ``Char.Status``), built from the world alone.

The shapes follow what MUD clients already understand (the IRE packages Mudlet's mapper
reads): ``Room.Info`` is ``{"num", "name", "area", "exits": {direction: room number}}``,
with the usual short directions (``n``, ``se``, ``u``) where an exit is named or aliased so.
A game changes them by overriding the ``at_gmcp_*`` methods of its Character class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ember.world._object import GameObject

__all__ = ["VITALS", "char_status", "char_vitals", "room_info"]

#: Attribute names copied into ``Char.Vitals`` when a character has them (IRE's names).
VITALS: tuple[str, ...] = ("hp", "maxhp", "mp", "maxmp", "ep", "maxep", "wp", "maxwp", "nl")
#: The most exits listed in one ``Room.Info`` (a room with thousands would flood clients).
MAX_EXITS = 100

_SHORT = {
    "north": "n", "south": "s", "east": "e", "west": "w", "northeast": "ne",
    "northwest": "nw", "southeast": "se", "southwest": "sw", "up": "u", "down": "d",
    "in": "in", "out": "out",
}  # fmt: skip
_SHORTS = frozenset(_SHORT.values())


def _direction(exit_: GameObject) -> str:
    """The exit's short direction if it has one (as mappers expect), else its key."""
    for name in (exit_.key, *exit_.aliases):
        low = name.lower()
        if low in _SHORTS:
            return low
        if low in _SHORT:
            return _SHORT[low]
    return exit_.key


def area_of(room: GameObject) -> str:
    """The room's area: its ``db.area`` if that is a string, else its tag (the first in
    sorted order when it has several), else ``""``."""
    area = room.get_attribute("area")
    if isinstance(area, str):
        return area
    tags = room.tags
    return min(tags) if tags else ""


def room_info(character: GameObject) -> dict[str, Any] | None:
    """``Room.Info`` for where ``character`` stands; ``None`` when it is nowhere."""
    room = character.location
    if room is None:
        return None
    exits: dict[str, int] = {}
    for obj in room.contents:
        destination = getattr(obj, "destination", None)
        if destination is None or not hasattr(obj, "broken"):
            continue  # not an exit, or a broken one: nowhere to draw
        exits.setdefault(_direction(obj), destination.id)
        if len(exits) >= MAX_EXITS:
            break
    return {"num": room.id, "name": room.key, "area": area_of(room), "exits": exits}


def char_vitals(character: GameObject) -> dict[str, Any] | None:
    """``Char.Vitals`` from the character's ``db.hp``, ``db.maxhp``... (numbers or strings);
    ``None`` when it has none of them."""
    vitals = {}
    for name in VITALS:
        value = character.get_attribute(name)
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            vitals[name] = value
    return vitals or None


def char_status(character: GameObject) -> dict[str, Any]:
    """``Char.Status``: the character's name, and the room and area it stands in."""
    room = character.location
    status: dict[str, Any] = {"name": character.key}
    if room is not None:
        status["room"] = room.key
        status["area"] = area_of(room)
    return status
