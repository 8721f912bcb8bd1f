"""A real server (CLI, portal, game) against a hostile player and a hostile local user."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

from support.cli_harness import PASSWORD, aember, make_game, new_player, portal_status

from ember.link import LinkConnection, Message, socket_path_for

# Terminal control a player might type: C1 CSI (U+009B) and NEL, a 7-bit ESC sequence, BEL,
# and the bidi overrides, isolates and marks that make text read backwards.
HOSTILE = (
    "\x9b2J\x1b]0;owned\x07\x85\u202eSYSTEM\u202c\u2066x\u2069\u200e\u200f\u061c\u202a\u202b"
    "\u202d\u2067\u2068\x7f\x9f\x80end"
)
FORBIDDEN = {chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]} - {"\n", "\r"}
FORBIDDEN |= {chr(c) for c in [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F)]}
FORBIDDEN |= {chr(c) for c in range(0x2066, 0x206A)}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


async def test_c1_and_bidi_sent_through_say_never_reach_another_client(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    code, out, err = await aember("start", cwd=game)
    assert code == 0, out + err
    try:
        port = portal_status(game)["telnet_port"]
        mallory = await new_player(port, "mallory")
        victim = await new_player(port, "victim")
        mallory.send(f"say a{HOSTILE}")
        said = await victim.expect('end"')
        assert 'mallory says, "a' in said
        text = victim.text  # everything shown to the victim (telnet negotiation aside)
        assert not FORBIDDEN & set(text), sorted(hex(ord(c)) for c in FORBIDDEN & set(text))
        assert '"a2J]0;ownedSYSTEMxend"' in said  # the printable rest arrives as typed
        await mallory.close()
        await victim.close()
    finally:
        await aember("stop", cwd=game)


async def test_a_zero_umask_start_keeps_socket_database_and_logs_private(tmp_path: Path) -> None:
    old = os.umask(0)  # the CLI, portal and game inherit it
    try:
        game = make_game(tmp_path)
        code, _, err = await aember("account", "create", "ann", cwd=game, stdin=PASSWORD + "\n")
        assert code == 0, err
        code, out, err = await aember("start", cwd=game)
        assert code == 0, out + err
    finally:
        os.umask(old)
    try:
        server = game / "server"
        link = socket_path_for(game)
        assert stat.S_ISSOCK(os.lstat(link).st_mode)
        assert mode(link) & 0o077 == 0, oct(mode(link))
        assert mode(server) == 0o700 and mode(server / "logs") == 0o700
        for path in [server / "ember.db", *(server / "logs").glob("*.log")]:
            assert mode(path) & 0o077 == 0, f"{path} is {oct(mode(path))}"

        # Another process (as another user would, had it got past the folder) that connects
        # to the link without the secret is refused and logged; players are not disturbed.
        reader, writer = await asyncio.open_unix_connection(os.fspath(link))
        intruder = LinkConnection(role="game")
        writer.write(intruder.hello() + intruder.send(Message("line", (1, "py 1"))))
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 10.0)  # the portal's hello, then EOF
        writer.close()
        # The refusal is logged before the socket is closed (the close happens a loop step
        # later), so it is in the log by the time the EOF arrived.
        log = (server / "logs" / "portal.log").read_text()
        assert "refused a link connection" in log and "did not carry the link secret" in log
        player = await new_player(portal_status(game)["telnet_port"], "bob")
        player.send("say still here")
        await player.expect('You say, "still here"')
        await player.close()
    finally:
        await aember("stop", cwd=game)
