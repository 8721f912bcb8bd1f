"""Limits on what a game object may hold, and the check every name goes through.

The game process sets the attribute size and name length from its settings at start
(``ember.world._set_limits``); docs/design-notes.md, "The world, in memory", says why each
number.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ember.world._errors import InvalidNameError

__all__ = [
    "MAX_ALIASES",
    "MAX_ATTRIBUTE_BYTES",
    "MAX_KEY_LENGTH",
    "MAX_LOCK_DEPTH",
    "MAX_LOCK_LENGTH",
    "MAX_TAGS",
    "check_aliases",
    "check_attribute_name",
    "check_name",
]

#: Largest attribute value, in bytes of its UTF-8 JSON encoding (1 MiB).
MAX_ATTRIBUTE_BYTES = 1 << 20
#: Longest key, alias or tag, in characters.
MAX_KEY_LENGTH = 80
#: Most aliases one object may have.
MAX_ALIASES = 32
#: Most tags one object may have.
MAX_TAGS = 256


def check_name(value: object, what: str) -> str:
    """Return ``value`` if it is a usable key, alias or tag; raise :class:`InvalidNameError`.

    A name is a non-empty ``str`` of at most :data:`MAX_KEY_LENGTH` characters, without
    leading or trailing spaces and without control or format characters (Unicode category
    ``C*``: newlines, escapes, zero-width and bidirectional marks), which could break lines
    or disguise one name as another on a player's screen.
    """
    if type(value) is not str:
        raise InvalidNameError(f"{what} must be a str, got {type(value).__name__} {value!r}")
    if not value or value.isspace():
        raise InvalidNameError(f"{what} must not be empty")
    if len(value) > MAX_KEY_LENGTH:
        raise InvalidNameError(
            f"{what} {value[:20]!r}... is {len(value)} characters long; "
            f"the limit is {MAX_KEY_LENGTH}"
        )
    if value != value.strip():
        raise InvalidNameError(f"{what} {value!r} has leading or trailing spaces")
    if not value.isprintable():  # fast path: only non-printable names need a closer look
        for char in value:
            if unicodedata.category(char)[0] == "C":
                raise InvalidNameError(
                    f"{what} {value!r} holds the control character U+{ord(char):04X}; "
                    "names may not hold control or format characters"
                )
    return value


def check_attribute_name(name: object) -> str:
    """Return ``name`` if it can name a stored attribute; raise :class:`InvalidNameError`.

    An attribute name is an identifier (it must work as ``obj.db.<name>``) of at most
    :data:`MAX_KEY_LENGTH` characters, not starting with ``_`` (kept for Ember's own use).
    """
    if type(name) is not str or not name.isidentifier() or name[0] == "_":
        raise InvalidNameError(
            f"attribute name {name!r} must be an identifier not starting with '_'"
        )
    if len(name) > MAX_KEY_LENGTH:
        raise InvalidNameError(
            f"attribute name {name[:20]!r}... is {len(name)} characters long; "
            f"the limit is {MAX_KEY_LENGTH}"
        )
    return name


#: Longest lock string, in characters (what one object's locks may hold together).
MAX_LOCK_LENGTH = 2000
#: Deepest nesting of parentheses and ``not`` in a lock expression.
MAX_LOCK_DEPTH = 20


def check_aliases(values: Iterable[str], obj: object = "an object") -> tuple[str, ...]:
    """Return the aliases as a tuple without repeats, each checked as a name."""
    if isinstance(values, str):
        raise InvalidNameError(f"aliases must be a list of names, not the str {values!r}")
    aliases = tuple(dict.fromkeys(check_name(alias, f"an alias of {obj}") for alias in values))
    if len(aliases) > MAX_ALIASES:
        raise InvalidNameError(f"{len(aliases)} aliases given; the limit is {MAX_ALIASES}")
    return aliases
