"""``ember account list/grant/revoke/password/disable/enable`` as real processes on a real game
directory: stopped (the database alone) and running (players online see the change)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli_harness import PASSWORD, aember, ember, make_game, started

from ember.testing import TelnetClient


def ok(*args: str, game: Path, stdin: str = "") -> str:
    done = ember(*args, cwd=game, stdin=stdin)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def refused(*args: str, game: Path, stdin: str = "") -> str:
    done = ember(*args, cwd=game, stdin=stdin)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr


@pytest.fixture
def game(tmp_path: Path) -> Path:
    path = make_game(tmp_path)
    ok("account", "create", "alice", game=path, stdin=PASSWORD + "\n")
    ok("account", "create", "bob", "--developer", game=path, stdin=PASSWORD + "\n")
    return path


def test_list_shows_permissions_and_disabled_accounts(game: Path) -> None:
    lines = ok("account", "list", game=game).splitlines()
    assert lines[0].split() == ["NAME", "PERMISSIONS", "STATE"]
    assert lines[1].split() == ["alice", "Player", "-"]
    assert lines[2].split() == ["bob", "Developer", "-"]
    assert lines[-1] == "2 accounts."
    assert "Builder" in ok("account", "grant", "ALICE", "builder", game=game)
    assert "Disabled alice" in ok("account", "disable", "alice", game=game)
    assert "alice was disabled already" in ok("account", "disable", "alice", game=game)
    assert ok("account", "list", game=game).splitlines()[1].split() == [
        "alice", "Builder", "disabled",
    ]  # fmt: skip
    assert "Enabled alice" in ok("account", "enable", "alice", game=game)
    assert "alice was not disabled" in ok("account", "enable", "alice", game=game)


def test_grant_and_revoke_follow_the_hierarchy_with_clear_refusals(game: Path) -> None:
    assert "alice now holds: Admin." in ok("account", "grant", "alice", "Admin", game=game)
    assert "already holds Builder (through Admin)" in refused(
        "account", "grant", "alice", "Builder", game=game
    )
    assert "holds Builder (through Admin); revoke that one instead" in refused(
        "account", "revoke", "alice", "builder", game=game
    )
    assert "alice now holds: Player." in ok("account", "revoke", "alice", "ADMIN", game=game)
    assert "does not hold Admin" in refused("account", "revoke", "alice", "Admin", game=game)
    error = refused("account", "grant", "alice", "Wizard", game=game)
    assert "no permission 'Wizard'" in error and "Player, Builder, Admin, Developer" in error
    assert "no account named 'nobody'" in refused(
        "account", "grant", "nobody", "Builder", game=game
    )
    for args in (("grant",), ("grant", "alice"), ("revoke", "alice", "Builder", "extra")):
        done = ember("account", *args, cwd=game)
        assert done.returncode == 2 and "usage:" in done.stderr, args  # argparse says what


def test_password_reads_stdin_and_checks_it(game: Path) -> None:
    assert "no password on standard input" in refused("account", "password", "alice", game=game)
    assert "8 to 256 characters" in refused(
        "account", "password", "alice", game=game, stdin="short\n"
    )
    assert "no account named" in refused(
        "account", "password", "nobody", game=game, stdin="a-new-password\n"
    )
    out = ok("account", "password", "alice", game=game, stdin="a-new-password\n")
    assert "Set a new password for alice" in out


async def test_changes_reach_a_running_game_without_a_reload(game: Path) -> None:
    with started(game) as status:
        port = int(status["telnet_port"])
        alice = await TelnetClient.connect(port)
        alice.send(f"connect alice {PASSWORD}")
        await alice.expect("Welcome, alice")
        bob = await TelnetClient.connect(port)
        bob.send(f"connect bob {PASSWORD}")
        await bob.expect("Welcome, bob")

        # Permissions: revoked, then granted back, each felt at the next command.
        code, out, err = await aember("account", "revoke", "bob", "Developer", cwd=game)
        assert code == 0 and "Told the running server" in out, out + err
        bob.send("py 6 * 7")
        await bob.expect("py: permission denied (you need Developer)")
        code, out, err = await aember("account", "grant", "bob", "Developer", cwd=game)
        assert code == 0, out + err
        bob.send("py 6 * 7")
        await bob.expect("42")

        # Disabling closes alice's session with a notice; the CLI waits until she is off.
        code, out, err = await aember("account", "disable", "alice", cwd=game)
        assert code == 0 and "alice is not online" in out, out + err
        await alice.expect("This account has been disabled")
        await alice.closed()
        again = await TelnetClient.connect(port)
        again.send(f"connect alice {PASSWORD}")
        await again.expect("The account alice is disabled")
        again.send("connect alice wrong-password")  # no hint without the password
        await again.expect("Wrong account name or password.")
        code, out, err = await aember("account", "enable", "alice", cwd=game)
        assert code == 0, out + err
        again.send(f"connect alice {PASSWORD}")
        await again.expect("Welcome, alice")

        # A new password holds at the next login; the old one no longer does.
        code, out, err = await aember(
            "account", "password", "alice", cwd=game, stdin="brand-new-secret\n"
        )
        assert code == 0, out + err
        fresh = await TelnetClient.connect(port)
        fresh.send(f"connect alice {PASSWORD}")
        await fresh.expect("Wrong account name or password.")
        fresh.send("connect alice brand-new-secret")
        await fresh.expect("Welcome, alice")
        for client in (bob, again, fresh):
            await client.close()
