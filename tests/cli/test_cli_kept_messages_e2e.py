"""``msg(text, keep=True)`` in a real game: kept for an offline character, shown at login."""

from __future__ import annotations

from pathlib import Path

from support.cli_harness import PASSWORD, aember, make_game, new_player, started

from ember.testing import TelnetClient

FIND_BOB = (
    "from ember import Character; "
    "bob = next(c for c in server.world.objects_of(Character) if c.key == 'bob'); "
)


async def test_kept_messages_wait_for_the_next_login_bounded(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    with (game / "settings.py").open("a") as settings:
        settings.write("\nKEPT_MESSAGES_MAX = 3\n")
    code, _, err = await aember(
        "account", "create", "ann", "--developer", cwd=game, stdin=PASSWORD + "\n"
    )
    assert code == 0, err
    with started(game) as status:
        port = status["telnet_port"]
        bob = await new_player(port, "bob")
        bob.send("quit")
        await bob.expect("Goodbye")
        await bob.close()
        async with await TelnetClient.connect(port) as ann:
            await ann.expect("connect NAME PASSWORD")
            ann.send(f"connect ann {PASSWORD}")
            await ann.expect("Welcome, ann")
            # Without keep, a message to nobody is dropped; with it, it waits (the newest 3).
            ann.send(
                "py " + FIND_BOB + "bob.msg('lost in the wind'); "
                "[bob.msg(f'flood {i}', keep=True) for i in range(100)]; "
                "bob.msg('The smith finished your sword.', keep=True); 'sent'"
            )
            await ann.expect("'sent'")
            # A persistent delay firing while bob is away keeps its message too.
            ann.send(
                "py " + FIND_BOB + "delay(0, bob.msg, 'Your tea is ready.', keep=True, "
                "persistent=True); 'queued'"
            )
            await ann.expect("'queued'")
            ann.send("py " + FIND_BOB + "len(bob.db.kept_messages)")
            await ann.expect("\n3")

    # Kept across a stop and start (stored with the world).
    with started(game) as status:
        async with await TelnetClient.connect(status["telnet_port"]) as bob:
            await bob.expect("connect NAME PASSWORD")
            bob.send(f"connect bob {PASSWORD}")
            text = await bob.expect("Your tea is ready.")
            away = text[text.index("While you were away:") :]
            assert "flood 99" in away and "The smith finished your sword." in away
            assert "flood 98" not in away and "lost in the wind" not in away
            bob.send("quit")
            await bob.expect("Goodbye")
        async with await TelnetClient.connect(status["telnet_port"]) as bob:
            await bob.expect("connect NAME PASSWORD")
            bob.send(f"connect bob {PASSWORD}")
            await bob.expect("Welcome, bob")
            bob.send("xyzzy")  # its answer comes after everything the login sent
            await bob.expect("Unknown command")
            assert "While you were away" not in bob.text  # shown once, then cleared
