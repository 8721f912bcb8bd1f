"""Channels: named conversations across the whole world that characters join and leave.

A channel is a world object of class :class:`Channel` with no location, so the world store
keeps it like any other object, with no table of its own: its name is the key (aliases such
as ``pub`` are the object's aliases), its members are a list of characters in
``db.members`` and its last lines a bounded list in ``db.history``. Membership is by
character: an account with two characters may be on different channels with each.

The channel commands (``channels``, ``pub hello``) are in :mod:`ember.game.commands.channels`;
what they may do is bounded by :class:`ChannelLimits` (``CHANNEL_LIMITS``). The game makes
the ``DEFAULT_CHANNEL`` (``public``, alias ``pub``) at start if it is missing, and every new
character joins it. docs/channels.md is the guide.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Container, Iterable
from typing import TYPE_CHECKING, Any

from ember.errors import EmberError
from ember.game._channel_limits import (
    ChannelLimits,
    channel_name_problem,
    parse_channel_spec,
)
from ember.text import escape_markup
from ember.world import GameObject, World, create_object, msg_many

if TYPE_CHECKING:
    from ember.game.settings import Settings

__all__ = [
    "DEFAULT_CHANNEL_TAG",
    "Channel",
    "ChannelError",
    "ChannelLimits",
    "all_channels",
    "channels_of",
    "create_channel",
    "ensure_default_channel",
    "find_channel",
    "join_default_channels",
    "start_channels",
]

log = logging.getLogger("ember.game")

#: Lines of history :meth:`Channel.send` keeps unless told (``ChannelLimits.max_history``).
DEFAULT_HISTORY = ChannelLimits().max_history

#: The tag of the channel new characters join (the ``DEFAULT_CHANNEL`` setting's channel).
DEFAULT_CHANNEL_TAG = "ember:default-channel"
#: The stored attributes of a channel.
MEMBERS, HISTORY, DESCRIPTION = "members", "history", "desc"


class ChannelError(EmberError, ValueError):
    """A channel cannot be made or used as asked; the message says why, for the player."""


class Channel(GameObject):
    """A channel: members in ``db.members`` (characters), its last lines in ``db.history``
    (``[time, line]`` pairs, oldest first), a description in ``db.desc``.

    Members change through :meth:`join` and :meth:`leave` (which assign a new list: a
    list changed in place is not stored). :meth:`send` reaches the members and records the
    line; it does not check who speaks or how long the text is (the commands do, with the
    game's :class:`ChannelLimits`), so game code can announce on a channel freely.
    """

    # In memory only (gone after a reload): the member ids and the channel's own command.
    __slots__ = ("_member_cache", "command_class")

    _member_cache: tuple[object, frozenset[int]]
    #: The command class of this channel (see ``ember.game.commands.channels``).
    command_class: Any

    #: Where the time of a history line comes from (a test may pin it).
    wall: Callable[[], float] = staticmethod(time.time)

    @property
    def description(self) -> str:
        """The channel's description (``""`` when it has none)."""
        value = self.get_attribute(DESCRIPTION)
        return value if isinstance(value, str) else ""

    # -- members -------------------------------------------------------------------------------

    @property
    def members(self) -> list[GameObject]:
        """The members, in the order they joined (deleted characters left out)."""
        stored = self.get_attribute(MEMBERS)
        if not isinstance(stored, list):
            return []
        return [obj for obj in stored if isinstance(obj, GameObject) and not obj.deleted]

    def _member_ids(self) -> frozenset[int]:
        # Asked for every channel on every unknown command word and every message, so the
        # ids are kept in memory, rebuilt whenever db.members holds a new list object
        # (join, leave, or game code assigning one).
        stored = self.get_attribute(MEMBERS)
        cached: tuple[object, frozenset[int]] | None = getattr(self, "_member_cache", None)
        if cached is not None and cached[0] is stored:
            return cached[1]
        ids = frozenset(obj.id for obj in self.members)
        self._member_cache = (stored, ids)
        return ids

    def has_member(self, obj: object) -> bool:
        """Whether ``obj`` is on this channel."""
        return isinstance(obj, GameObject) and not obj.deleted and obj.id in self._member_ids()

    def join(self, character: GameObject) -> bool:
        """Put ``character`` on the channel; ``False`` if it was on it already."""
        if self.has_member(character):
            return False
        self.db.members = [*self.members, character]
        return True

    def leave(self, character: GameObject) -> bool:
        """Take ``character`` off the channel; ``False`` if it was not on it."""
        if not self.has_member(character):
            return False
        self.db.members = [obj for obj in self.members if obj is not character]
        return True

    # -- messages and history ------------------------------------------------------------------

    def format_message(self, speaker: GameObject | str, text: str, *, pose: bool = False) -> str:
        """The line members see: ``[public] ann: hello`` (``[public] ann waves`` for a pose).

        The speaker's name and the channel's are escaped (a bar in a name is shown as
        typed); ``text`` keeps its colour markup, closed at the end of the line so that it
        never runs into the next one (history shows several lines in one message).
        """
        name = escape_markup(speaker if isinstance(speaker, str) else speaker.key)
        body = f"{name} {text}" if pose else f"{name}: {text}"
        return f"|c[{escape_markup(self.key)}]|n {body}|n"

    def send(
        self,
        speaker: GameObject | str,
        text: str,
        *,
        pose: bool = False,
        keep: int = DEFAULT_HISTORY,
    ) -> str:
        """Send ``text`` from ``speaker`` to every member and keep it in the history (the
        last ``keep`` lines); return the line sent."""
        line = self.format_message(speaker, text, pose=pose)
        self.announce(line, keep=keep)
        return line

    def announce(self, line: str, *, keep: int = DEFAULT_HISTORY) -> None:
        """Send ``line`` (markup, as is) to every member and keep it in the history."""
        msg_many(self.members, line)  # one message to the portal for all members
        history = self.get_attribute(HISTORY)
        history = history if isinstance(history, list) else []
        # One assignment of the whole (bounded) list: the store writes it behind as one
        # attribute row, coalesced with other messages of the same moment.
        start = max(0, len(history) - (keep - 1))
        self.db.history = [*history[start:], [self.wall(), line]]

    def history(self, count: int | None = None) -> list[tuple[float, str]]:
        """The last ``count`` lines (all kept lines for ``None``) as ``(time, line)``, oldest
        first; a malformed stored entry is left out."""
        stored = self.get_attribute(HISTORY)
        if not isinstance(stored, list):
            return []
        lines = [
            (float(entry[0]), entry[1])
            for entry in stored
            if isinstance(entry, list)
            and len(entry) == 2
            and isinstance(entry[0], (int, float))
            and isinstance(entry[1], str)
        ]
        return lines if count is None else lines[max(0, len(lines) - count) :]


# -- finding and making channels -----------------------------------------------------------------


def all_channels(world: World) -> list[Channel]:
    """Every channel of ``world``, oldest first."""
    return world.objects_of(Channel)


def find_channel(world: World, name: str) -> Channel | None:
    """The channel called ``name`` (its name or an alias, any case), or ``None``."""
    for obj in world.find(name.strip()):
        if isinstance(obj, Channel):
            return obj
    return None


def channels_of(world: World, character: GameObject) -> list[Channel]:
    """The channels ``character`` is on, oldest first."""
    return [channel for channel in all_channels(world) if channel.has_member(character)]


def create_channel(
    world: World,
    name: str,
    *,
    aliases: Iterable[str] = (),
    description: str = "",
    limits: ChannelLimits | None = None,
    reserved: Container[str] = (),
    cls: type[Channel] = Channel,
) -> Channel:
    """Make a channel called ``name`` with ``aliases``; raise :class:`ChannelError` saying
    why not: too many channels, a bad or taken name (``reserved`` names, such as command
    words, are taken too), too many aliases, too long a description."""
    limits = limits or ChannelLimits()
    count = len(all_channels(world))
    if count >= limits.max_channels:
        raise ChannelError(
            f"There are {count} channels, the most allowed ({limits.max_channels}); "
            "destroy one first."
        )
    name = name.strip().lower()
    names = [name, *dict.fromkeys(a.strip().lower() for a in aliases if a.strip())]
    if len(names) - 1 > limits.max_aliases:
        raise ChannelError(
            f"{len(names) - 1} aliases given; a channel has at most {limits.max_aliases}."
        )
    if len(description) > limits.max_description_length:
        raise ChannelError(
            f"The description is {len(description)} characters long; the most is "
            f"{limits.max_description_length}."
        )
    for part in names:
        problem = channel_name_problem(part, limits)
        if problem is not None:
            raise ChannelError(problem[0].upper() + problem[1:] + ".")
        if part in reserved:
            raise ChannelError(f"{part!r} is a command; a channel cannot have that name.")
        taken = find_channel(world, part)
        if taken is not None:
            raise ChannelError(f"{part!r} is taken by the channel {taken.key}.")
    if len(set(names)) != len(names):
        raise ChannelError("An alias repeats the channel's name.")
    return create_object(
        cls,
        name,
        aliases=names[1:],
        world=world,
        attributes={MEMBERS: [], HISTORY: [], DESCRIPTION: description},
    )


def ensure_default_channel(world: World, spec: str, limits: ChannelLimits) -> Channel | None:
    """Make sure of the ``DEFAULT_CHANNEL`` at start: the channel ``spec`` names
    (``"public;pub"``) carries :data:`DEFAULT_CHANNEL_TAG`, made with its aliases when the
    world has no channel of that name, and no other channel carries the tag. An empty
    ``spec``: no channel is a default one. Returns the default channel."""
    name, aliases = parse_channel_spec(spec)
    channel = find_channel(world, name) if name else None
    if name and channel is None:
        channel = create_channel(
            world,
            name,
            aliases=aliases,
            description="Everyone playing, in one conversation.",
            limits=limits,
        )
    for other in all_channels(world):
        if other is channel:
            other.add_tag(DEFAULT_CHANNEL_TAG)
        elif other.has_tag(DEFAULT_CHANNEL_TAG):
            other.remove_tag(DEFAULT_CHANNEL_TAG)
    return channel


def join_default_channels(world: World, character: GameObject) -> None:
    """Put a new ``character`` on the default channel (called when the game makes it)."""
    for channel in all_channels(world):
        if channel.has_tag(DEFAULT_CHANNEL_TAG):
            channel.join(character)


def start_channels(world: World, settings: Settings) -> None:
    """At start: make sure of the ``DEFAULT_CHANNEL`` (see :func:`ensure_default_channel`).
    A channel that cannot be made (the world has the most channels allowed already) is
    logged with the reason; the game starts without a default channel."""
    limits = ChannelLimits.from_mapping(settings.channel_limits)
    try:
        channel = ensure_default_channel(world, settings.default_channel, limits)
    except ChannelError as error:
        log.error("DEFAULT_CHANNEL %r was not made: %s", settings.default_channel, error)
        return
    if channel is not None:
        log.info("the default channel is %s %s", channel.key, channel.dbref)
