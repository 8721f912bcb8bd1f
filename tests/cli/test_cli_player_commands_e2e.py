"""The player commands over real telnet on a game made by ``ember init`` (issue 14): players
in two rooms talking (say and emote stay in the room, whisper reaches one, page reaches
anywhere), walking, looking, handling things with a numbered choice, and help topics."""

from __future__ import annotations

from pathlib import Path

from support.cli_harness import PASSWORD, aember, make_game, new_player, portal_status

from ember.testing import TelnetClient


async def started(tmp_path: Path) -> tuple[Path, int]:
    game = make_game(tmp_path)
    code, _, err = await aember(
        "account", "create", "dev", "--developer", cwd=game, stdin=PASSWORD + "\n"
    )
    assert code == 0, err
    (game / "help").mkdir()
    (game / "help" / "rules.txt").write_text("Be kind to the other players.\n")
    code, out, err = await aember("start", cwd=game)
    assert code == 0, out + err
    return game, portal_status(game)["telnet_port"]


async def developer(port: int) -> TelnetClient:
    client = await TelnetClient.connect(port)
    await client.expect("connect NAME PASSWORD")
    client.send(f"connect dev {PASSWORD}")
    await client.expect("Welcome, dev")
    return client


async def test_talking_in_two_rooms(tmp_path: Path) -> None:
    game, port = await started(tmp_path)
    try:
        ann, bob, cid = [await new_player(port, name) for name in ("ann", "bob", "cid")]
        bob.send("north")
        await bob.expect("Garden")
        await ann.expect("bob leaves north.")
        await cid.expect("bob leaves north.")

        ann.send("'hello |rroom")  # the shortcut, and colour a plain client gets without codes
        await ann.expect('You say, "hello room"')
        await cid.expect('ann says, "hello room"')
        ann.send(":waves.")
        await ann.expect("ann waves.")
        await cid.expect("ann waves.")
        ann.send("whisper cid = meet me in the shed")
        await ann.expect('You whisper to cid, "meet me in the shed"')
        await cid.expect('ann whispers to you, "meet me in the shed"')
        ann.send("page bob = how is the garden?")
        await ann.expect("You page bob: how is the garden?")
        await bob.expect("ann pages: how is the garden?")
        bob.send("tell ann = green")
        await ann.expect("bob pages: green")
        bob.send("say only the garden hears this")
        await bob.expect('You say, "only the garden hears this"')
        for player in (ann, bob, cid):  # answered after everything earlier reached them
            player.send("look")
            await player.expect("Here: you")
        assert "hello" not in bob.text and "waves" not in bob.text
        assert "only the garden" not in ann.text + cid.text
        assert "meet me" not in bob.text and "how is the garden" not in cid.text

        # Bad input: each command without its parts, a name nobody has, a page too long.
        for line, answer in (
            ("say", "Say what?"),
            (":", "Emote what?"),
            ("whisper cid", "Usage: whisper <someone> = <text>"),
            ("whisper bob = hi", "There is nobody called 'bob' here."),
            ("page", "Usage: page <someone> = <text>"),
            ("page nobody = hi", "Nobody called 'nobody' is online."),
            ("page bob = " + "x" * 2001, "the most is 2,000 (MAX_SPEECH_LENGTH)"),
        ):
            ann.send(line)
            await ann.expect(answer)
        bob.send("quit")
        await bob.closed()
        ann.send("page bob = still there?")
        await ann.expect("bob is not online.")
        ann.send("who")
        who = await ann.expect("accounts online.")
        assert "cid" in who and "The Hearth" in who and "bob" not in who
    finally:
        code, _, err = await aember("stop", cwd=game)
        assert code == 0, err


async def test_things_looking_walking_and_help(tmp_path: Path) -> None:
    game, port = await started(tmp_path)
    try:
        dev = await developer(port)
        ann, bob = [await new_player(port, name) for name in ("ann", "bob")]
        dev.send(
            "py from ember import Thing, create_object; "
            "[create_object(Thing, k, location=here, aliases=['sword']) "
            "for k in ('rusty sword', 'shiny sword')]"
        )
        await dev.expect("shiny sword")
        ann.send("look")
        await ann.expect("Here: you, dev, bob, rusty sword, shiny sword.")
        ann.send("get sword")
        await ann.expect("More than one 'sword' fits:")
        await ann.expect("  2-sword (shiny sword, here)")
        ann.send("get 2-sword")
        await ann.expect("You pick up shiny sword.")
        await bob.expect("ann picks up shiny sword.")
        ann.send("get sword")  # one left on the floor: no choice
        await ann.expect("You pick up rusty sword.")
        ann.send("inventory")
        await ann.expect("You are carrying (2): shiny sword, rusty sword.")
        ann.send("give rusty to bob")
        await ann.expect("You give rusty sword to bob.")
        await bob.expect("ann gives you rusty sword.")
        await dev.expect("ann gives rusty sword to bob.")
        bob.send("drop sword")
        await bob.expect("You drop rusty sword.")
        await ann.expect("bob drops rusty sword.")
        dev.send(
            "py [s.locks.add('get: perm(Builder)')"
            " for s in here.contents if s.key == 'rusty sword']"
        )
        await dev.expect(">>>")
        bob.send("get rusty")
        await bob.expect("You cannot pick up rusty sword.")
        dev.send("get rusty")
        await dev.expect("You pick up rusty sword.")
        for line, answer in (
            ("get", "Get what?"),
            ("drop", "Drop what?"),
            ("give", "Usage: give <thing> to <someone>"),
            ("give shiny", "Usage: give <thing> to <someone>"),
            ("give shiny to nobody", "There is nobody called 'nobody' here."),
            ("get nothing at all", "You see no 'nothing at all' here."),
            ("go", "Go where? Exits: north."),
            ("go up", "There is no exit 'up' here. Exits: north."),
        ):
            ann.send(line)
            await ann.expect(answer)

        ann.send("look shiny")
        shown = await ann.expect("You see nothing special.")
        assert "shiny sword" in shown
        ann.send("go north")
        await ann.expect("Garden")
        await bob.expect("ann leaves north.")
        ann.send("look door")
        await ann.expect("door leads to Shed.")
        ann.send("south")
        await ann.expect("The Hearth")
        await bob.expect("ann arrives.")

        ann.send("help")
        listing = await ann.expect("Topics: rules.")
        assert " Talking:" in listing and "  whisper" in listing and " Items:" in listing
        ann.send("help rules")
        await ann.expect("Be kind to the other players.")
    finally:
        code, _, err = await aember("stop", cwd=game)
        assert code == 0, err
