"""What ``look`` shows of a place (its name, description, exits and who and what is there),
and going through an exit by typing its name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ember.world import Exit, GameObject

if TYPE_CHECKING:
    from ember.game.sessions import Session

__all__ = ["describe", "traverse"]


def describe(place: GameObject | None, looker: GameObject | None = None) -> str:
    """Return ``place`` as ``look`` shows it to ``looker``.

    The name, the description (``db.desc``), a line of exits (``Exits: north, door.``) when
    there are any, and ``Here:`` naming everything else inside, the looker first as "you".
    """
    if place is None:
        return "You are nowhere."
    lines = [place.key]
    desc = place.get_attribute("desc")
    if isinstance(desc, str) and desc:
        lines.append(desc)
    exits: list[str] = []
    others: list[str] = []
    for obj in place.contents:  # one pass: a crowded room holds a thousand things
        if isinstance(obj, Exit):
            exits.append(obj.key)
        elif obj is not looker:
            others.append(obj.key)
    if exits:
        lines.append(f"Exits: {', '.join(exits)}.")
    here = (["you"] if looker is not None and looker.location is place else []) + others
    lines.append(f"Here: {', '.join(here) if here else 'nobody'}.")
    return "\n".join(lines)


def traverse(traveller: GameObject, name: str, session: Session) -> bool:
    """If ``name`` is an exit of ``traveller``'s room (its key or an alias, any case), go
    through it (``at_traverse``, which may refuse) and show the new room; return whether
    ``name`` named an exit. Typed names that are commands never get here."""
    place = traveller.location
    if place is None or not name:
        return False
    wanted = name.lower()
    for obj in place.contents:
        if isinstance(obj, Exit) and wanted in (obj.key.lower(), *map(str.lower, obj.aliases)):
            if obj.access(traveller, "traverse") and obj.at_traverse(traveller):
                session.msg(describe(traveller.location, traveller))
            elif traveller.location is place:
                session.msg(f"You cannot go {obj.key}.")
            return True
    return False
