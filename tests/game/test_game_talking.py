"""say, emote, whisper and page (issue 14, player commands): who hears what, the ``'`` and
``:`` shortcuts, the length bound, players' colour markup and bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gamekit import FAST, running_game

import ember
from ember.game.commands import CmdSet, default_cmdset, split_command
from ember.text import render_plain

TEMPLATE = Path(ember.__file__).parent / "template"


def demo(tmp_path: Path, commands: str = "") -> Path:
    """A game directory with the template's demo area (a Garden north of the Hearth)."""
    shutil.copy(TEMPLATE / "world.py", tmp_path / "world.py")
    if commands:
        (tmp_path / "commands.py").write_text(commands)
    return tmp_path


async def three_players(game: ember.testing.RunningGame) -> None:
    """Ann and Cid in the Hearth, Bob in the Garden."""
    for sid, name in ((1, "Ann"), (2, "Bob"), (3, "Cid")):
        await game.login(sid, name)
    await game.portal.command(2, "north", "Garden")


def heard(game: ember.testing.RunningGame, sid: int, words: str) -> list[str]:
    return [text for text in game.portal.texts(sid) if words in text]


async def test_say_and_emote_reach_the_room_and_page_reaches_anywhere(tmp_path: Path) -> None:
    async with running_game(demo(tmp_path)) as game:
        await three_players(game)
        await game.portal.command(1, "'hello room", 'You say, "hello room"')
        await game.portal.expect(3, 'Ann says, "hello room"')
        await game.portal.command(1, '"and again', 'You say, "and again"')
        await game.portal.expect(3, 'Ann says, "and again"')
        await game.portal.command(1, ":waves", "Ann waves")  # the actor sees it too
        await game.portal.expect(3, "Ann waves")
        await game.portal.command(1, ":'s hat falls off.", "Ann's hat falls off.")
        await game.portal.command(1, "pose bows.", "Ann bows.")
        await game.portal.expect(3, "Ann bows.")
        await game.portal.command(1, "page Bob = are you in the garden?", "You page Bob:")
        text = await game.portal.expect(2, "Ann pages:")
        assert text == "Ann pages: are you in the garden?"
        await game.portal.command(2, "tell ann = yes", "You page Ann: yes")  # any case
        await game.portal.expect(1, "Bob pages: yes")
        await game.portal.command(2, "look", "Garden")  # after anything for Bob would be
        assert heard(game, 2, "hello room") == [] and heard(game, 2, "waves") == []
        assert heard(game, 3, "garden?") == [] and heard(game, 3, "yes") == []


async def test_whisper_reaches_only_its_target(tmp_path: Path) -> None:
    async with running_game(demo(tmp_path)) as game:
        await three_players(game)
        await game.portal.command(2, "south", "The Hearth")
        await game.portal.command(1, "whisper cid = the key is under the mat", "You whisper")
        text = await game.portal.expect(3, "whispers to you")
        assert text == 'Ann whispers to you, "the key is under the mat"'
        await game.portal.command(2, "look", "The Hearth")
        assert heard(game, 2, "under the mat") == []
        # Only in the same room: Bob walks away, Ann cannot whisper to him.
        await game.portal.command(2, "north", "Garden")
        text = await game.portal.command(1, "whisper Bob = psst", "nobody")
        assert text == "There is nobody called 'Bob' here."


async def test_page_to_someone_offline_or_unknown_or_ambiguous(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        for sid, name in ((1, "Ann"), (2, "Annie"), (3, "Anna"), (4, "Bob")):
            await game.login(sid, name)
        await game.portal.line(4, "quit")
        await game.portal.expect_named("close")
        await game.portal.send("disconnect", 4, reason="closed")
        await game.portal.command(1, "page Bob = hi", "Bob is not online.")
        await game.portal.command(1, "page Zed = hi", "Nobody called 'Zed' is online.")
        # "an" is no one's whole name and the start of three: a numbered choice.
        text = await game.portal.command(1, "page an = hi", "More than one")
        assert "1-an (Ann, here)" in text and "Type, for example, 'page 2-an'." in text
        await game.portal.command(2, "page ann = exact names win", "You page Ann:")
        choices = [line.split("(")[1].split(",")[0] for line in text.splitlines()[1:4]]
        await game.portal.command(1, "page 3-an = picked", f"You page {choices[2]}: picked")


async def test_speech_is_bounded_and_player_markup_is_closed(tmp_path: Path) -> None:
    settings = FAST.with_overrides(max_speech_length=100)
    async with running_game(demo(tmp_path), settings) as game:
        await three_players(game)
        for line in ("say " + "x" * 101, ":" + "x" * 101, "page Bob = " + "x" * 101):
            text = await game.portal.command(1, line, "too long")
            assert text == "That is too long: 101 characters; the most is 100 (MAX_SPEECH_LENGTH)."
        text = await game.portal.command(1, "whisper Cid = " + "y" * 60_000, "too long")
        assert "60,000 characters" in text
        assert heard(game, 3, "xxx") == [] and heard(game, 2, "xxx") == []
        # Colour a player types is colour, switched off where the player's text ends.
        await game.portal.command(1, "say |rred|g", "You say")
        text = await game.portal.expect(3, "Ann says")
        assert text == 'Ann says, "|rred|g|n"' and render_plain(text) == 'Ann says, "red"'
        await game.portal.command(1, "say a bar at the end|", "You say")
        text = await game.portal.expect(3, "Ann says")
        assert render_plain(text) == 'Ann says, "a bar at the end|"'
        await game.portal.command(1, "say no codes", "You say")
        assert await game.portal.expect(3, "Ann says") == 'Ann says, "no codes"'


async def test_player_markup_off_shows_text_as_typed(tmp_path: Path) -> None:
    settings = FAST.with_overrides(player_markup=False)
    async with running_game(demo(tmp_path), settings) as game:
        await three_players(game)
        await game.portal.command(1, ":turns |rred", "Ann turns")
        text = await game.portal.expect(3, "Ann turns")
        assert text == "Ann turns ||rred" and render_plain(text) == "Ann turns |rred"


async def test_bad_input_to_the_talking_commands(tmp_path: Path) -> None:
    async with running_game(demo(tmp_path)) as game:
        await three_players(game)
        answers = {
            "say": "Say what?",
            "'": "Say what?",
            "emote": "Emote what? For example ':waves' or 'emote smiles.'",
            ":": "Emote what? For example ':waves' or 'emote smiles.'",
            "whisper": "Usage: whisper <someone> = <text>",
            "whisper Cid": "Usage: whisper <someone> = <text>",
            "whisper Cid =": "Usage: whisper <someone> = <text>",
            "whisper = hi": "Usage: whisper <someone> = <text>",
            "whisper Zed = hi": "There is nobody called 'Zed' here.",
            "whisper me = hi": "You mutter to yourself.",
            "page": "Usage: page <someone> = <text>",
            "tell Bob": "Usage: tell <someone> = <text>",
            "page Bob hi": "Usage: page <someone> = <text>",
            "page Ann = hi": "You cannot page yourself.",
            "page = hi": "Usage: page <someone> = <text>",
        }
        for line, answer in answers.items():
            text = await game.portal.command(1, line, answer[:20])
            assert text == answer, line
        # Extra "=" belong to the text: only the first one splits.
        await game.portal.command(1, "page Bob = a = b", "You page Bob: a = b")


async def test_a_game_changes_the_shortcuts(tmp_path: Path) -> None:
    commands = (
        "def at_cmdset(cmdset):\n"
        "    cmdset.add_shortcut(';', 'emote')\n"
        "    cmdset.remove_shortcut('\"')\n"
    )
    async with running_game(demo(tmp_path, commands)) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, ";grins", "Ann grins")
        await game.portal.command(1, '"hi', "Unknown command")
        await game.portal.command(1, "'still here", 'You say, "still here"')
        await game.portal.connect(2)  # the login screen has no shortcuts
        await game.portal.command(2, "'hello", "Unknown command ''hello'")


def test_split_command_maps_a_leading_shortcut_character() -> None:
    shortcuts = default_cmdset().shortcuts
    assert split_command("'hello there", shortcuts) == ("say", [], "hello there")
    assert split_command("  :waves", shortcuts) == ("emote", [], "waves")
    assert split_command('"', shortcuts) == ("say", [], "")
    assert split_command("say 'hi'", shortcuts) == ("say", [], "'hi'")
    assert split_command("'hello") == ("'hello", [], "")  # no table: a plain word


@pytest.mark.parametrize("prefix", ["a", "7", " ", "", "::", "\x1b"])
def test_a_shortcut_is_one_character_that_is_not_a_letter_digit_or_space(prefix: str) -> None:
    with pytest.raises(ValueError, match="one character"):
        CmdSet().add_shortcut(prefix, "say")
    with pytest.raises(ValueError, match="one command word"):
        CmdSet().add_shortcut("!", "say hello")
    merged = CmdSet(shortcuts={"!": "shout"}).merge(CmdSet(shortcuts={"'": "say"}))
    assert dict(merged.shortcuts) == {"!": "shout", "'": "say"}
