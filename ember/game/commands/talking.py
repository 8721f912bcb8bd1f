"""Talking: ``say`` and ``emote`` to the room, ``whisper`` to one person there, ``page`` to
a character online anywhere.

Every text is bounded by ``MAX_SPEECH_LENGTH``; colour codes a player types are colour
(or shown as typed, with ``PLAYER_MARKUP = False``); see ``_targets.player_text``.
"""

from __future__ import annotations

from ember.game.commands._command import Command
from ember.game.commands._targets import find, player_text, playing, too_long
from ember.world import Character

__all__ = ["CmdEmote", "CmdPage", "CmdSay", "CmdWhisper"]


def _split_at_equals(command: Command, usage: str) -> tuple[str, str] | None:
    """``"bob = hi"`` -> ``("bob", "hi")``; tell the player the usage when a part is missing."""
    who, sep, text = command.args.partition("=")
    if not sep or not who.strip() or not text.strip():
        command.session.msg(f"Usage: {usage}")
        return None
    return who.strip(), text.strip()


class CmdSay(Command):
    """Say something to everyone in the room.

    Usage: say <text>
      'hello         the same as 'say hello' (also "hello)
    """

    key = "say"
    interrupts_action = False  # runs alongside an action
    help_category = "Talking"

    def func(self) -> None:
        """Send the speech to the speaker and to everyone else in the room."""
        if not self.args:
            self.session.msg("Say what?")
            return
        speaker = playing(self)
        if speaker is None or too_long(self, self.args):
            return
        text = player_text(self, self.args)
        speaker.msg(f'You say, "{text}"')
        if speaker.location is not None:
            speaker.location.msg_contents(f'{speaker.key} says, "{text}"', exclude=speaker)


class CmdEmote(Command):
    """Show the room what you do: 'emote waves' shows "Anna waves".

    Usage: emote <action>
      :waves         the same as 'emote waves'
      :'s hat falls  no space after your name before ' , or :  ("Anna's hat falls")
    """

    key = "emote"
    aliases = ("pose",)
    interrupts_action = False  # runs alongside an action
    help_category = "Talking"

    def func(self) -> None:
        """Send "<name> <action>" to everyone in the room, the actor included."""
        if not self.args:
            self.session.msg("Emote what? For example ':waves' or 'emote smiles.'")
            return
        actor = playing(self)
        if actor is None or too_long(self, self.args):
            return
        text = player_text(self, self.args)
        joined = text if text[0] in "',:" else " " + text
        if actor.location is None:
            actor.msg(f"{actor.key}{joined}")
            return
        actor.location.msg_contents(f"{actor.key}{joined}")


class CmdWhisper(Command):
    """Whisper to someone in the room: only they hear it.

    Usage: whisper <someone> = <text>
    """

    key = "whisper"
    interrupts_action = False  # runs alongside an action
    help_category = "Talking"

    def func(self) -> None:
        """Send the text to the speaker and to one character in the same room."""
        speaker = playing(self)
        if speaker is None:
            return
        parts = _split_at_equals(self, "whisper <someone> = <text>")
        if parts is None or too_long(self, parts[1]):
            return
        place = speaker.location
        people = [o for o in place.contents if isinstance(o, Character)] if place else []
        listener = find(
            self, speaker, parts[0], people, nothing=f"There is nobody called '{parts[0]}' here."
        )
        if listener is None:
            return
        if listener is speaker:
            self.session.msg("You mutter to yourself.")
            return
        text = player_text(self, parts[1])
        speaker.msg(f'You whisper to {listener.key}, "{text}"')
        listener.msg(f'{speaker.key} whispers to you, "{text}"')


class CmdPage(Command):
    """Send a message to a character who is online, wherever they are.

    Usage: page <someone> = <text>
      tell <someone> = <text>    the same
    """

    key = "page"
    aliases = ("tell",)
    interrupts_action = False  # runs alongside an action
    help_category = "Talking"

    def func(self) -> None:
        """Find the character among those being played now and send the text."""
        sender = playing(self)
        if sender is None:
            return
        parts = _split_at_equals(self, f"{self.cmdstring.lower()} <someone> = <text>")
        if parts is None or too_long(self, parts[1]):
            return
        name = parts[0]
        online = {
            session.character.id: session.character
            for session in self.context.sessions
            if session.character is not None
        }
        nothing = f"Nobody called '{name}' is online."
        if any(isinstance(obj, Character) for obj in self.context.world.find(name)):
            nothing = f"{name} is not online."
        target = find(self, sender, name, online.values(), nothing=nothing)
        if target is None:
            return
        if target is sender:
            self.session.msg("You cannot page yourself.")
            return
        text = player_text(self, parts[1])
        sender.msg(f"You page {target.key}: {text}")
        target.msg(f"{sender.key} pages: {text}")
