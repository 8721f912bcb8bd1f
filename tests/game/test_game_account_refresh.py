"""A running game re-reads its accounts (what SIGUSR1 from ``ember account`` asks for): new
permissions from the next command, disabled accounts' sessions closed, also those a reload
restores."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ember.game._account_admin import grant_permission, set_disabled
from ember.game._account_refresh import DISABLED_NOTICE, refresh_accounts
from ember.testing import running_game, session_dict


async def test_refresh_applies_permissions_and_closes_disabled_sessions(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        await game.portal.command(1, "py 1", "permission denied")
        # What `ember account` does: another connection writes the database...
        await asyncio.to_thread(grant_permission, tmp_path, "ann", "Developer")
        await asyncio.to_thread(set_disabled, tmp_path, "BOB", True)
        # ...and the signal makes the game re-read it.
        assert await refresh_accounts(game.server) == 1
        await game.portal.command(1, "py 6 * 7", "42")
        closed = await game.portal.expect_named("close")
        assert closed.args == (2,) and closed.kwargs == {"reason": DISABLED_NOTICE}
        assert game.server.sessions.get(2) is None
        assert await refresh_accounts(game.server) == 0  # nobody left to close


async def test_a_reload_does_not_restore_a_disabled_accounts_session(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
    await asyncio.to_thread(set_disabled, tmp_path, "Ann", True)
    sessions = [session_dict(1, account="Ann"), session_dict(2, account="Bob")]
    async with running_game(tmp_path, sessions=sessions) as game:
        closed = await game.portal.expect_named("close")
        assert closed.args == (1,) and closed.kwargs == {"reason": DISABLED_NOTICE}
        await game.portal.command(2, "look", "Here: you.")  # Ann's character is gone
        assert game.server.sessions.get(1) is None
