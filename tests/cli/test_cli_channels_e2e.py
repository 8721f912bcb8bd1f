"""Channels over real telnet against a game started by the CLI: the default public channel,
members in different rooms, join/leave/list/who, ``pub hello``, colours per client, bad
input, and the history kept across a reload and a stop and start."""

from __future__ import annotations

from pathlib import Path

from support.cli_harness import aember, ember, make_game, portal_status

from ember.testing import TelnetClient

PASSWORD = "long-password-1"
IAC, SB, SE, WILL, DO = 255, 250, 240, 251, 253
TTYPE = 24


async def start(game: Path) -> int:
    code, out, err = await aember("start", cwd=game)
    assert code == 0, out + err
    return int(portal_status(game)["telnet_port"])


async def stop(game: Path) -> None:
    code, _, err = await aember("stop", cwd=game)
    assert code == 0, err


def new_game(tmp_path: Path, settings: str = "") -> Path:
    game = make_game(tmp_path)
    with (game / "settings.py").open("a") as file:
        file.write(settings)
    for name, extra in (("dev", ("--developer",)), ("ann", ()), ("bob", ()), ("cat", ())):
        done = ember("account", "create", name, *extra, cwd=game, stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
    return game


async def log_in(client: TelnetClient, name: str) -> TelnetClient:
    await client.expect("connect NAME PASSWORD")
    client.send(f"connect {name} {PASSWORD}")
    await client.expect(f"Welcome, {name}")
    await client.expect("Here: you")
    return client


async def colour_client(port: int) -> TelnetClient:
    """A client announcing a 256-colour terminal through TTYPE (MTTS 9)."""
    client = await TelnetClient.connect(port, answer_options=False)
    await client.expect_bytes(bytes((IAC, DO, TTYPE)))
    client.send_bytes(bytes((IAC, WILL, TTYPE)))
    for name in ("TESTCLIENT", "XTERM-256COLOR", "MTTS 9"):
        await client.expect_bytes(bytes((IAC, SB, TTYPE, 1, IAC, SE)))
        client.send_bytes(bytes((IAC, SB, TTYPE, 0)) + name.encode() + bytes((IAC, SE)))
    return client


async def synced(client: TelnetClient) -> None:
    """Wait until everything sent to ``client`` before now has arrived: the game answers a
    player's lines in order, so output for it from earlier lines comes before this reply."""
    client.send("look")
    await client.expect("Here: you")


async def test_a_channel_reaches_its_members_in_any_room_and_nobody_else(tmp_path: Path) -> None:
    game = new_game(tmp_path, '\nCHANNEL_LIMITS = {"max_channels": 4}\n')
    port = await start(game)
    try:
        ann = await log_in(await colour_client(port), "ann")
        bob = await log_in(await TelnetClient.connect(port), "bob")
        dev = await log_in(await TelnetClient.connect(port), "dev")
        cat = await log_in(await TelnetClient.connect(port), "cat")
        bob.send("north")
        await bob.expect("Garden")

        # Every new character is on `public`; its alias is a command of its own.
        ann.send("pub hello |rall")
        await bob.expect("[public] ann: hello all")  # another room, no colour codes
        await dev.expect("[public] ann: hello all")
        await ann.expect_bytes(b"\x1b[36m[public]\x1b[0m ann: hello \x1b[31mall\x1b[0m\r\n")
        assert b"\x1b" not in bob.received

        # A channel of its own: only its members hear it.
        dev.send("channels/create ooc;o = Out of character")
        await dev.expect("Made the channel ooc")
        await dev.expect("You join ooc.")
        ann.send("channels/join ooc")
        await ann.expect("You join ooc. Talk on it with 'ooc <message>' or 'o <message>'.")
        ann.send("o the secret word is plum")
        await dev.expect("[ooc] ann: the secret word is plum")
        ann.send("ooc :whispers")
        await dev.expect("[ooc] ann whispers")
        for other in (bob, cat):
            await synced(other)
            assert "plum" not in other.text and "whispers" not in other.text
        bob.send("ooc let me in")
        await bob.expect("You are not on the channel ooc; join it with 'channels/join ooc'.")
        await synced(dev)
        assert "let me in" not in dev.text

        # The list, who, leave.
        cat.send("channels")
        listing = await cat.expect("Talk on one")
        assert "* public (pub)  4 members" in listing
        assert "  ooc (o)  2 members  Out of character" in listing
        cat.send("channels/who ooc")
        await cat.expect("ooc: 2 members, 2 online: dev, ann.")
        cat.send("channels/leave pub")
        await cat.expect("You leave public.")
        bob.send("pub anyone?")
        await bob.expect("[public] bob: anyone?")
        await synced(cat)
        assert "anyone?" not in cat.text
        cat.send("pub back?")
        await cat.expect("You are not on the channel public")

        # Bad input: no arguments, unknown names, too long, bad names, no permission.
        for line, answer in (
            ("channels/join", "Which channel? Usage: channels/join <name>"),
            ("channels/who nosuch", "There is no channel called 'nosuch'"),
            ("channels/history", "Which channel? Usage: channels/history <name>"),
            ("channels/frob", "channels has no switch /frob"),
            ("pub", "Say what on public? Usage: public <message>"),
            ("pub " + "x" * 401, "a channel takes at most 400. Nothing was sent."),
            ("pub/history many", "'many' is not a number of lines; give 1 to 50."),
            ("channels/create mine", "channels/create: permission denied (you need Admin)."),
            ("channels/destroy ooc", "channels/destroy: permission denied (you need Admin)."),
        ):
            ann.send(line)
            await ann.expect(answer)
        for line, answer in (
            ("channels/create", "Create which channel?"),
            ("channels/create " + "a" * 30, "is 30 characters long; channel names have at most 20"),
            ("channels/create two words", "cannot name a channel"),
            ("channels/create say", "'say' is a command; a channel cannot have that name."),
            ("channels/create pub", "'pub' is taken by the channel public."),
        ):
            dev.send(line)
            await dev.expect(answer)

        # A flood of creations stops at the bound (4 channels: public, ooc and two more).
        for index in range(12):
            dev.send(f"channels/create flood{index}")
        dev.send("channels")
        flood = await dev.expect("Talk on one")
        assert flood.count("Made the channel") == 2
        assert flood.count("There are 4 channels, the most allowed (4); destroy one first.") == 10

        # Destroying asks first; its members are told.
        dev.send("channels/destroy ooc")
        await dev.expect("Destroy the channel ooc (2 members) and its history? [y/N]")
        dev.send("n")
        await dev.expect("ooc stays.")
        dev.send("channels/destroy ooc")
        await dev.expect("[y/N]")
        dev.send("yes")
        await ann.expect_bytes(b"\x1b[36m[ooc]\x1b[0m This channel is destroyed.")
        await dev.expect("Destroyed the channel ooc.")
        ann.send("o still there?")
        await ann.expect("Unknown command 'o'")
    finally:
        await stop(game)


async def test_history_survives_a_reload_and_a_stop_and_start(tmp_path: Path) -> None:
    game = new_game(tmp_path)
    port = await start(game)
    try:
        ann = await log_in(await TelnetClient.connect(port), "ann")
        dev = await log_in(await TelnetClient.connect(port), "dev")
        dev.send("channels/create lore")
        await dev.expect("You join lore.")
        ann.send("channels/join lore")
        await ann.expect("You join lore.")
        ann.send("pub before the reload")
        await ann.expect("[public] ann: before the reload")
        dev.send("lore dragons sleep")
        await ann.expect("[lore] dev: dragons sleep")

        code, _, err = await aember("reload", cwd=game)
        assert code == 0, err
        await dev.expect("Reloaded.", within=30.0)
        ann.send("pub after the reload")
        await ann.expect("[public] ann: after the reload")
        ann.send("pub/history")
        await ann.expect("The last 2 lines of public:")
        shown = await ann.expect("after the reload")
        assert "before the reload" in shown
    finally:
        await stop(game)

    port = await start(game)
    try:
        ann = await log_in(await TelnetClient.connect(port), "ann")
        ann.send("lore/history 5")
        await ann.expect("The last line of lore:")
        await ann.expect("[lore] dev: dragons sleep")
        ann.send("channels")
        listing = await ann.expect("Talk on one")
        assert "* public (pub)  2 members" in listing and "* lore  2 members" in listing
        ann.send("lore still here after the restart")  # still a member
        await ann.expect("[lore] ann: still here after the restart")
        ann.send("pub/history 2")
        await ann.expect("The last 2 lines of public:")
        shown = await ann.expect("after the reload")
        assert "before the reload" in shown
    finally:
        await stop(game)
