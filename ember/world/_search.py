"""Searching by name: what an object can see, exact names before partial ones, ``2-sword``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ember.world._roles import Named

__all__ = ["NOBODY", "SearchResult", "match_names", "search"]

_NUMBERED = re.compile(r"^(\d+)-(.+)$")
#: What was searched: game objects (``SearchResult[GameObject]``).
_O = TypeVar("_O", bound=Named)


@dataclass(frozen=True, slots=True)
class SearchResult(Generic[_O]):
    """What a search found: exactly one object, none, or several for the caller to choose.

    ``matches`` holds every candidate the name fits, in search order; ``found`` is the one
    object when the search is decided (one match, or the ``N-`` prefix picked one), else
    ``None``. ``ambiguous`` means several fit and none was picked: list them (``message()``
    does) and let the player say ``2-sword``. ``number`` is the ``N`` of ``N-name``.
    """

    query: str
    matches: tuple[_O, ...]
    found: _O | None
    number: int | None = None

    @property
    def ambiguous(self) -> bool:
        """Several objects fit the name and none was picked."""
        return self.found is None and len(self.matches) > 1

    def __bool__(self) -> bool:
        return self.found is not None

    def message(self) -> str:
        """A line for the player saying why nothing was picked ("" when one was)."""
        if self.found is not None:
            return ""
        name = _NUMBERED.sub(r"\2", self.query.strip())
        if not self.matches:
            return f"You see no '{name}' here."
        if self.number is not None:
            return f"There are only {len(self.matches)} of '{name}' here."
        choices = ", ".join(
            f"{i}-{name} ({obj.key} {obj.dbref})" for i, obj in enumerate(self.matches, 1)
        )
        return f"More than one '{name}' fits: {choices}."


def search(searcher: _O, query: str, *, candidates: Iterable[_O] | None = None) -> SearchResult[_O]:
    """Find what ``query`` names among ``candidates``.

    Candidates default to what ``searcher`` can see: the contents of its location (itself
    excepted), its own contents, then the location itself; there ``me``/``self`` name the
    searcher and ``here`` its location. ``#42`` names object 42 if it is among the candidates. Names
    match case-insensitively on the key or an alias: exact matches first; only if there are
    none, names that a word of the key or an alias starts with (``swo`` finds "rusty
    sword"). ``2-sword`` picks the second match.
    """
    text = query.strip()
    word = text.lower()
    location = searcher._location
    if candidates is None and word in ("me", "self"):
        return SearchResult(query, (searcher,), searcher)
    if candidates is None and word == "here" and location is not None:
        return SearchResult(query, (location,), location)
    if candidates is None:
        pool: list[Any] = []
        if location is not None:
            pool.extend(o for o in (location._contents or {}).values() if o is not searcher)
        pool.extend((searcher._contents or {}).values())
        if location is not None:
            pool.append(location)
    else:
        pool = list(candidates)
    number = None
    numbered = _NUMBERED.match(word)
    if numbered:
        number, word = int(numbered.group(1)), numbered.group(2).strip()
    if word.startswith("#") and word[1:].isdigit():
        wanted = int(word[1:])
        matches = tuple(obj for obj in pool if obj._id == wanted)
    else:
        matches = match_names(pool, word)
    if number is not None:
        found = matches[number - 1] if 0 < number <= len(matches) else None
        return SearchResult(query, matches, found, number)
    return SearchResult(query, matches, matches[0] if len(matches) == 1 else None)


def match_names(pool: Iterable[_O], word: str) -> tuple[_O, ...]:
    """Objects of ``pool`` whose key or an alias is ``word`` (case-insensitive); if none,
    those with a key or alias some word of which starts with ``word``."""
    if not word:
        return ()
    exact, partial = [], []
    for obj in pool:
        names = [obj._key.lower(), *(alias.lower() for alias in obj._aliases)]
        if word in names:
            exact.append(obj)
        elif not exact and any(
            name.startswith(word) or any(part.startswith(word) for part in name.split())
            for name in names
        ):
            partial.append(obj)
    return tuple(exact or partial)


class _Nobody:
    """A searcher standing nowhere and holding nothing, for world-wide searches."""

    _location = None
    _contents = None


NOBODY: Any = _Nobody()
