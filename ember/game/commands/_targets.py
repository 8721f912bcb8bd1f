"""What the player commands share: the character in play, finding what a name means (with
a numbered choice when several fit) and text a player wrote, ready to show to others."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ember.game.commands._command import Command
from ember.world import Character, GameObject, SearchResult

__all__ = ["MAX_CHOICES", "choice_message", "find", "player_text", "playing", "too_long"]

#: A numbered choice lists this many objects at most (``2-sword``); beyond, it says how
#: many more fit, so fifty swords on the floor do not make a screenful.
MAX_CHOICES = 10
_NUMBERED = re.compile(r"^\d+-")


def playing(command: Command) -> Character | None:
    """The character ``command``'s caller plays, or ``None`` (the player is told)."""
    caller = command.caller
    if isinstance(caller, Character):
        return caller
    command.session.msg("You are not playing a character yet.")
    return None


def find(
    command: Command,
    searcher: Character,
    query: str,
    candidates: Iterable[GameObject] | None = None,
    *,
    nothing: str | None = None,
) -> GameObject | None:
    """Return the one object ``query`` names among ``candidates`` (default: what
    ``searcher`` can see), or ``None`` after telling the player why: nothing fits
    (``nothing``, or "You see no 'x' here."), or several do (a numbered choice). ``me``
    and ``self`` name the searcher among any candidates that include it."""
    if candidates is not None and query.strip().lower() in ("me", "self"):
        pool = list(candidates)  # "give cup to me": the searcher, if it is a candidate
        candidates = [searcher] if any(obj is searcher for obj in pool) else []
        query = searcher.key
    result = searcher.search(query, candidates=candidates)
    if result.found is not None:
        return result.found
    name = _NUMBERED.sub("", query.strip(), count=1) or query.strip()
    if result.ambiguous:
        command.session.msg(choice_message(result, searcher, command.cmdstring))
    elif result.matches and result.number is not None:
        command.session.msg(f"There are only {len(result.matches)} of '{name}' here.")
    else:
        command.session.msg(nothing or f"You see no '{name}' here.")
    return None


def choice_message(result: SearchResult[GameObject], searcher: GameObject, verb: str) -> str:
    """The numbered choice for an ambiguous search: ``More than one 'sword' fits:
    1-sword (rusty sword, carried), 2-sword (sword, here).`` and how to pick one."""
    name = result.query.strip()
    lines = [f"More than one '{name}' fits:"]
    for number, obj in enumerate(result.matches[:MAX_CHOICES], 1):
        where = "carried" if obj.location is searcher else "here"
        if obj.location is not searcher and obj.location is not searcher.location:
            where = "elsewhere"  # page: characters anywhere
        lines.append(f"  {number}-{name} ({obj.key}, {where})")
    extra = len(result.matches) - MAX_CHOICES
    if extra > 0:
        lines.append(f"  ... and {extra:,} more.")
    lines.append(f"Type, for example, '{verb} 2-{name}'.")
    return "\n".join(lines)


def too_long(command: Command, text: str) -> bool:
    """Whether ``text`` is over ``MAX_SPEECH_LENGTH`` characters (the player is told)."""
    limit = command.context.settings.max_speech_length
    if len(text) <= limit:
        return False
    command.session.msg(
        f"That is too long: {len(text):,} characters; the most is {limit:,} (MAX_SPEECH_LENGTH)."
    )
    return True


def player_text(command: Command, text: str) -> str:
    """``text`` a player wrote, ready to be put inside a message to others.

    With ``PLAYER_MARKUP`` on (the default) the player's colour codes stay codes, but are
    switched off where the player's text ends (``|n``), so the rest of the line is not
    coloured; a bar left dangling at the end is kept as a bar. Off, every bar is doubled
    (``escape_markup``) and the text shows exactly as typed. Control characters never get
    here: the portal removes them from every line a player types.
    """
    if not command.context.settings.player_markup:
        return text.replace("|", "||")
    bars = len(text) - len(text.rstrip("|"))
    if bars % 2:  # "hi|": a lone bar that would join the "|n" below
        text += "|"
    return text + "|n" if "|" in text else text
