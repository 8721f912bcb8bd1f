"""The channel commands: ``channels`` (list, join, leave, who, history; create and destroy
for Admins) and each channel's name as a command of its own (``pub hello``, ``pub/history``).

A channel's own command is not in any command set: the dispatcher asks
:func:`channel_command` for a word that is no command and no exit, and runs the class it
returns like any other command (made once per channel and kept on it).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, ClassVar

from ember.game._channel_limits import ChannelLimits, parse_channel_spec
from ember.game.channels import (
    Channel,
    ChannelError,
    all_channels,
    channels_of,
    create_channel,
    find_channel,
)
from ember.game.commands._command import Command
from ember.game.commands.general import format_duration
from ember.interaction import ask_yes_no
from ember.text import escape_markup
from ember.world import Character, World, has_permission

__all__ = ["ChannelCommand", "CmdChannels", "channel_command"]

#: History lines shown when no count is given, and member names ``who`` lists at most.
HISTORY_SHOWN, WHO_NAMES = 10, 100
_CHANNEL_SWITCHES = ("join", "leave", "who", "history")


class _ChannelActions(Command):
    """What ``channels/...`` and a channel's own command share."""

    def limits(self) -> ChannelLimits:
        """The game's ``CHANNEL_LIMITS`` (checked when the settings were read)."""
        return ChannelLimits.from_mapping(self.context.settings.channel_limits)

    def character(self) -> Character | None:
        """The caller as a character, or ``None`` after telling them they play none."""
        if isinstance(self.caller, Character):
            return self.caller
        self.session.msg("You are not playing a character yet.")
        return None

    def find(self, name: str, usage: str) -> Channel | None:
        """The channel called ``name``, or ``None`` after saying why not."""
        if not name:
            self.session.msg(f"Which channel? Usage: {usage}")
            return None
        channel = find_channel(self.context.world, name)
        if channel is None:
            self.session.msg(f"There is no channel called {escape_markup(name)!r}; type "
                             "'channels' to list them.")  # fmt: skip
        return channel

    def not_member(self, channel: Channel, character: Character) -> bool:
        """Whether ``character`` is off ``channel`` (and was told how to join)."""
        if channel.has_member(character):
            return False
        self.session.msg(
            f"You are not on the channel {channel.key}; join it with 'channels/join {channel.key}'."
        )
        return True

    def join(self, channel: Channel) -> None:
        """Put the caller on ``channel`` (bounded by ``max_joined``)."""
        character = self.character()
        if character is None:
            return
        if channel.has_member(character):
            self.session.msg(f"You are on {channel.key} already.")
            return
        if not channel.access(character, "join", default=True):
            self.session.msg(f"You may not join {channel.key}.")
            return
        limit = self.limits().max_joined
        if len(channels_of(self.context.world, character)) >= limit:
            self.session.msg(
                f"You are on {limit} channels, the most allowed; leave one first "
                "('channels/leave <name>')."
            )
            return
        channel.join(character)
        names = " or ".join(f"'{name} <message>'" for name in (channel.key, *channel.aliases))
        self.session.msg(f"You join {channel.key}. Talk on it with {names}.")

    def leave(self, channel: Channel) -> None:
        """Take the caller off ``channel``."""
        character = self.character()
        if character is None:
            return
        if channel.leave(character):
            self.session.msg(f"You leave {channel.key}.")
        else:
            self.session.msg(f"You are not on {channel.key}.")

    def who(self, channel: Channel) -> None:
        """List who is on ``channel`` and playing now (at most ``WHO_NAMES`` names)."""
        members = channel.members
        online = [m.key for m in members if self.context.players.sessions_of(m)]
        shown = ", ".join(escape_markup(name) for name in online[:WHO_NAMES])
        more = f" and {len(online) - WHO_NAMES} more" if len(online) > WHO_NAMES else ""
        count = len(members)
        self.session.msg(
            f"{channel.key}: {count} member{'s' if count != 1 else ''}, {len(online)} online"
            + (f": {shown}{more}." if online else ".")
        )

    def show_history(self, channel: Channel, count_text: str) -> None:
        """Show the last lines of ``channel`` (members only)."""
        character = self.character()
        if character is None or self.not_member(channel, character):
            return
        most = self.limits().max_history
        count = HISTORY_SHOWN
        if count_text:
            if not count_text.isdigit() or not 1 <= int(count_text) <= most:
                self.session.msg(
                    f"{escape_markup(count_text[:20])!r} is not a number of lines; give 1 "
                    f"to {most}."
                )
                return
            count = int(count_text)
        lines = channel.history(count)
        if not lines:
            self.session.msg(f"Nothing has been said on {channel.key} yet.")
            return
        now = channel.wall()
        shown = [f"{format_duration(now - when):>6} ago  {line}" for when, line in lines]
        what = "line" if len(lines) == 1 else f"{len(lines)} lines"
        self.session.msg(f"The last {what} of {channel.key}:\n" + "\n".join(shown))

    def talk(self, channel: Channel, text: str) -> None:
        """Send ``text`` (``:waves`` poses) on ``channel`` from the caller, a member."""
        character = self.character()
        if character is None or self.not_member(channel, character):
            return
        if not channel.access(character, "speak", default=True):
            self.session.msg(f"You may listen on {channel.key} but not speak on it.")
            return
        pose = text.startswith(":")
        if pose:
            text = text[1:].strip()
        if not text:
            self.session.msg(f"Say what on {channel.key}? Usage: {channel.key} <message>")
            return
        limit = self.limits().max_message_length
        if len(text) > limit:
            self.session.msg(
                f"That message is {len(text)} characters long; a channel takes at most "
                f"{limit}. Nothing was sent."
            )
            return
        channel.send(character, text, pose=pose, keep=self.limits().max_history)


class CmdChannels(_ChannelActions):
    """List the channels, join and leave them, see who is on one and what was said.

    Usage:
      channels                         list them (* marks those you are on)
      channels/join <name>             join one
      channels/leave <name>            leave one
      channels/who <name>              who is on it, and who of them plays now
      channels/history <name> [N]      its last N lines (10 unless told)
      <name> <message>                 talk on it: pub hello
      <name> :<pose>                   pose on it: pub :waves
      <name>/history [N], <name>/who, <name>/leave
    Admins:
      channels/create <name>[;alias...] [= description]
      channels/destroy <name>          (asks first; its history goes with it)
    """

    key = "channels"
    aliases = ("channel", "chan")
    interrupts_action = False  # runs alongside an action
    help_category = "Talking"

    def func(self) -> Any:
        """Run the switch asked for (none: the list)."""
        switch = self.switches[0] if self.switches else ""
        if switch in ("", "list"):
            self.list_channels()
        elif switch in ("create", "destroy"):
            if not has_permission(getattr(self.caller, "permissions", ()), "Admin"):
                self.session.msg(f"channels/{switch}: permission denied (you need Admin).")
            elif switch == "create":
                self.create()
            else:
                return self.destroy()
        elif switch in _CHANNEL_SWITCHES:
            name, _, rest = self.args.partition(" ")
            channel = self.find(name, f"channels/{switch} <name>")
            if channel is not None:
                run_switch(self, channel, switch, rest.strip())
        else:
            self.session.msg(
                f"channels has no switch /{escape_markup(switch[:20])}; it takes /join, "
                "/leave, /who, /history, /create and /destroy."
            )
        return None

    def list_channels(self) -> None:
        """One line per channel, ``*`` before those the caller is on."""
        channels = all_channels(self.context.world)
        if not channels:
            self.session.msg("There are no channels.")
            return
        lines = ["Channels (* you are on it):"]
        for channel in channels:
            mark = "*" if channel.has_member(self.caller) else " "
            aliases = f" ({', '.join(channel.aliases)})" if channel.aliases else ""
            count = len(channel.members)
            lines.append(
                f"{mark} {channel.key}{aliases}  {count} member{'s' if count != 1 else ''}"
                f"  {escape_markup(channel.description)}".rstrip()
            )
        lines.append("Talk on one with '<name> <message>'; 'help channels' tells more.")
        self.session.msg("\n".join(lines))

    def create(self) -> None:
        """``channels/create name;alias = description`` (Admins)."""
        spec, _, description = self.args.partition("=")
        name, aliases = parse_channel_spec(spec)
        if not name:
            self.session.msg("Create which channel? Usage: channels/create <name>[;alias] [= text]")
            return
        try:
            channel = create_channel(
                self.context.world,
                name,
                aliases=aliases,
                description=description.strip(),
                limits=self.limits(),
                reserved=self.cmdset,
            )
        except ChannelError as error:
            self.session.msg(f"No channel made: {error}")
            return
        self.session.msg(f"Made the channel {channel.key} ({channel.dbref}).")
        self.join(channel)

    def destroy(self) -> Generator[Any, Any, None]:
        """``channels/destroy name`` (Admins), after a yes; members are told."""
        channel = self.find(self.args.strip(), "channels/destroy <name>")
        if channel is None:
            return
        count = len(channel.members)
        sure = yield ask_yes_no(
            f"Destroy the channel {channel.key} ({count} member{'s' if count != 1 else ''}) "
            "and its history?",
            default=False,
        )
        if not sure:
            self.session.msg(f"{channel.key} stays.")
            return
        if channel.deleted:
            self.session.msg(f"{channel.key} is gone already.")
            return
        key = channel.key
        for member in channel.members:
            member.msg(f"|c[{escape_markup(key)}]|n This channel is destroyed.")
        channel.delete()
        self.session.msg(f"Destroyed the channel {key}.")


class ChannelCommand(_ChannelActions):
    """Talk on this channel, or see its history or members.

    Usage:
      <name> <message>       talk: pub hello
      <name> :<pose>         pose: pub :waves
      <name>/history [N]     its last N lines (10 unless told)
      <name>/who             who is on it
      <name>/leave           leave it (channels/join <name> joins again)
    """

    #: The id of the channel this command talks on (set on the class made per channel).
    channel_id: ClassVar[int] = 0
    interrupts_action = False  # talking on a channel runs alongside an action

    def func(self) -> None:
        """Talk, or run the switch asked for."""
        channel = self.context.world.get(self.channel_id)
        if not isinstance(channel, Channel):
            self.session.msg(f"The channel {self.key} is gone.")
            return
        switch = self.switches[0] if self.switches else ""
        if not switch:
            self.talk(channel, self.args)
        elif switch in _CHANNEL_SWITCHES:
            run_switch(self, channel, switch, self.args)
        else:
            self.session.msg(
                f"{channel.key} has no switch /{escape_markup(switch[:20])}; it takes "
                "/history, /who, /join and /leave."
            )


def run_switch(command: _ChannelActions, channel: Channel, switch: str, rest: str) -> None:
    """Run ``join``, ``leave``, ``who`` or ``history`` of ``channel`` for ``command``;
    ``rest`` is what follows the name (a count for ``history``, nothing for the others)."""
    if switch != "history" and rest:
        command.session.msg(
            f"/{switch} takes a channel's name and nothing more; "
            f"{escape_markup(rest[:40])!r} is left over."
        )
        return
    if switch == "join":
        command.join(channel)
    elif switch == "leave":
        command.leave(channel)
    elif switch == "who":
        command.who(channel)
    else:
        command.show_history(channel, rest)


def channel_command(world: World, word: str) -> type[Command] | None:
    """The command of the channel called ``word`` (a name or alias), or ``None``.

    Made once per channel and kept on it (in memory) (made again when its names changed), so
    a busy channel costs no class creation per message.
    """
    channel = find_channel(world, word)
    if channel is None:
        return None
    cached = getattr(channel, "command_class", None)
    names = (channel.key, *channel.aliases)
    if cached is not None and (cached.key, *cached.aliases) == names:
        made: type[Command] = cached
        return made
    made = type(
        f"Cmd{channel.key.title().replace('-', '').replace('_', '')}Channel",
        (ChannelCommand,),
        {
            "key": channel.key,
            "aliases": tuple(channel.aliases),
            "channel_id": channel.id,
            "__module__": __name__,
            "__doc__": ChannelCommand.__doc__,
        },
    )
    channel.command_class = made
    return made
