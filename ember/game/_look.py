"""What ``look`` shows of a place (its name, description, exits and who and what is there)
or of one object, and going through an exit by typing its name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ember.world import Character, Exit, GameObject

if TYPE_CHECKING:
    from ember.game.sessions import Session

__all__ = ["MAX_LISTED", "describe", "describe_object", "go_through", "listing", "traverse"]

#: Names one line of ``look`` or ``inventory`` lists; the rest are counted ("and 9 more"),
#: so a room where players dropped a thousand things still looks back in one short line.
MAX_LISTED = 50


def listing(names: Sequence[str], *, limit: int = MAX_LISTED, more: int = 0) -> str:
    """Return ``names`` joined with commas, at most ``limit`` of them and the rest counted,
    with ``more`` names not given counted too: ``"a, b, c and 12 more"``."""
    shown = ", ".join(names[:limit])
    extra = len(names) - limit + more if len(names) > limit else more
    return f"{shown} and {extra:,} more" if extra > 0 else shown


def describe(place: GameObject | None, looker: GameObject | None = None) -> str:
    """Return ``place`` as ``look`` shows it to ``looker``.

    The name, the description (``db.desc``), a line of exits (``Exits: north, door.``) when
    there are any, and ``Here:`` naming everything else inside, the looker first as "you"
    (each line lists at most :data:`MAX_LISTED` names and counts the rest).
    """
    if place is None:
        return "You are nowhere."
    lines = [place.key]
    desc = place.get_attribute("desc")
    if isinstance(desc, str) and desc:
        lines.append(desc)
    exits: list[str] = []
    here = ["you"] if looker is not None and looker.location is place else []
    unnamed = 0  # counted, not named: only MAX_LISTED names are shown
    # One pass, naming no more than are shown: a crowded room holds a thousand things.
    for obj in place.contents:
        if isinstance(obj, Exit):
            exits.append(obj.key)
        elif obj is not looker:
            if len(here) < MAX_LISTED:
                here.append(obj.key)
            else:
                unnamed += 1
    if exits:
        lines.append(f"Exits: {listing(exits)}.")
    lines.append(f"Here: {listing(here, more=unnamed) if here else 'nobody'}.")
    return "\n".join(lines)


def describe_object(obj: GameObject, looker: GameObject | None = None) -> str:
    """Return one object as ``look <thing>`` shows it: a room as :func:`describe` does; an
    exit by its description or where it leads; anything else by its name, description
    and, for a container that is not a character, what is inside it."""
    if looker is not None and (obj is looker.location or obj.location is None):
        return describe(obj, looker)
    desc = obj.get_attribute("desc")
    text = desc if isinstance(desc, str) and desc else ""
    if isinstance(obj, Exit):
        there = obj.destination
        return text or (f"{obj.key} leads to {there.key}." if there else f"{obj.key} is broken.")
    lines = [obj.key + (" (you)" if obj is looker else ""), text or "You see nothing special."]
    if not isinstance(obj, Character) and obj.contents:
        lines.append(f"Inside: {listing([thing.key for thing in obj.contents])}.")
    return "\n".join(lines)


def go_through(traveller: GameObject, way: Exit, session: Session) -> bool:
    """Send ``traveller`` through the exit ``way`` (its ``traverse`` lock, then
    ``at_traverse``, which may refuse and say why) and show the new room; return whether
    it went."""
    place = traveller.location
    if way.access(traveller, "traverse") and way.at_traverse(traveller):
        session.msg(describe(traveller.location, traveller))
        return True
    if traveller.location is place:
        session.msg(f"You cannot go {way.key}.")
    return False


def traverse(traveller: GameObject, name: str, session: Session) -> bool:
    """If ``name`` is an exit of ``traveller``'s room (its key or an alias, any case), go
    through it (see :func:`go_through`); return whether ``name`` named an exit. Typed names
    that are commands never get here."""
    place = traveller.location
    if place is None or not name:
        return False
    wanted = name.lower()
    for obj in place.contents:
        if isinstance(obj, Exit) and wanted in (obj.key.lower(), *map(str.lower, obj.aliases)):
            go_through(traveller, obj, session)
            return True
    return False
