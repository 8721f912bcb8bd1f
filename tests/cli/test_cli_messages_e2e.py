"""What players and game makers are told, on a real server: accounts, reload notices."""

from __future__ import annotations

from pathlib import Path

from support.cli_harness import aember, make_game, started

from ember.testing import TelnetClient

PASSWORD = "long-password-1"


async def test_a_new_account_logs_in_at_once_and_a_reload_is_told_in_player_terms(
    tmp_path: Path,
) -> None:
    game = make_game(tmp_path)
    with started(game) as status:
        # Issue 11, item 7: no reload is needed before a new account can log in.
        code, out, err = await aember("account", "create", "bob", cwd=game, stdin=PASSWORD + "\n")
        assert code == 0, err
        assert "Created the account bob." in out and "bob can log in now" in out
        assert "reload" not in out
        async with await TelnetClient.connect(status["telnet_port"]) as bob:
            await bob.expect("connect NAME PASSWORD")
            bob.send(f"connect bob {PASSWORD}")
            await bob.expect("Welcome, bob")

            # `ember reload` signals the portal (SIGHUP): players are told what happens, the
            # log keeps who asked.
            code, _, err = await aember("reload", cwd=game)
            assert code == 0, err
            await bob.expect("The game is reloading…")
            await bob.expect("Reloaded.")
            assert "SIGHUP" not in bob.text and "(by " not in bob.text
    portal_log = (game / "server" / "logs" / "portal.log").read_text()
    assert "SIGHUP" in portal_log
