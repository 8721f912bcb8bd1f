"""The channel settings: the bounds of ``CHANNEL_LIMITS`` and the ``DEFAULT_CHANNEL`` spec.

Kept apart from :mod:`ember.game.channels` so that ``settings.py`` can check both at load
time (a bad value stops the start with the setting's name) without importing the world.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ChannelLimits",
    "channel_name_problem",
    "channel_setting_problems",
    "parse_channel_spec",
]

#: What a channel name may look like: it is typed as a command word (``pub hello``), so one
#: word, lower-case letters, digits, ``-`` and ``_``, starting with a letter.
_NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    """The bounds on channels (``CHANNEL_LIMITS = {"max_channels": 20}`` overrides one).

    Why these numbers: docs/design-notes.md, "Channels (issue 14, part channels)".
    """

    #: Channels in the world (creating one more is refused).
    max_channels: int = 50
    #: Characters in a channel's name or alias.
    max_name_length: int = 20
    #: Aliases per channel (``pub`` for ``public``).
    max_aliases: int = 5
    #: Characters in one message; a longer one is refused, not cut.
    max_message_length: int = 400
    #: Lines of history each channel keeps (the oldest goes first).
    max_history: int = 50
    #: Channels one character may be on at once.
    max_joined: int = 20
    #: Characters in a channel's description.
    max_description_length: int = 200

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ChannelLimits:
        """The defaults with ``values`` (``CHANNEL_LIMITS``) over them; raises ``ValueError``
        naming the bad key or value (the settings check runs first, so a game never starts
        with one)."""
        problems = _limit_problems(values)
        if problems:
            raise ValueError("; ".join(problems))
        return cls(**dict(values))


_LIMIT_NAMES = tuple(field.name for field in dataclasses.fields(ChannelLimits))


def _limit_problems(values: Mapping[str, Any]) -> list[str]:
    problems = []
    for key, value in values.items():
        if key not in _LIMIT_NAMES:
            problems.append(
                f"CHANNEL_LIMITS has no {key!r}; the limits are {', '.join(_LIMIT_NAMES)}"
            )
        elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append(f"CHANNEL_LIMITS {key!r} must be a whole number of at least 1")
    return problems


def channel_name_problem(name: str, limits: ChannelLimits) -> str | None:
    """Why ``name`` cannot name a channel (one line), or ``None`` when it can."""
    if not name:
        return "a channel needs a name"
    if len(name) > limits.max_name_length:
        return (
            f"{name[:40]!r} is {len(name)} characters long; channel names have at most "
            f"{limits.max_name_length}"
        )
    if not _NAME.match(name):
        return (
            f"{name!r} cannot name a channel: use one word of lower-case letters, digits, '-' "
            "and '_', starting with a letter"
        )
    return None


def parse_channel_spec(spec: str) -> tuple[str, list[str]]:
    """Split ``"public;pub"`` (a name and its aliases, as ``DEFAULT_CHANNEL`` and
    ``channels/create`` take them) into ``("public", ["pub"])``, lower-cased, empty parts
    dropped. The parts are not checked here (see :func:`channel_name_problem`)."""
    parts = [part.strip().lower() for part in spec.split(";")]
    parts = [part for part in parts if part]
    if not parts:
        return "", []
    return parts[0], list(dict.fromkeys(part for part in parts[1:] if part != parts[0]))


def channel_setting_problems(default_channel: str, limits: Mapping[str, Any]) -> list[str]:
    """The problems of the ``DEFAULT_CHANNEL`` and ``CHANNEL_LIMITS`` settings, each one line
    (empty when both are fine)."""
    problems = _limit_problems(limits)
    if problems:
        return problems
    bounds = ChannelLimits.from_mapping(limits)
    name, aliases = parse_channel_spec(default_channel)
    if not name:
        return []  # no default channel
    for part in (name, *aliases):
        problem = channel_name_problem(part, bounds)
        if problem is not None:
            problems.append(f"DEFAULT_CHANNEL {default_channel!r}: {problem}")
    if len(aliases) > bounds.max_aliases:
        problems.append(
            f"DEFAULT_CHANNEL {default_channel!r} has {len(aliases)} aliases; the limit is "
            f"{bounds.max_aliases}"
        )
    return problems
