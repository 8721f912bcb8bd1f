"""A running game re-reads its accounts when ``ember account`` changed them (SIGUSR1).

Logins read their account from the database anyway; this is for players already online:
new permissions apply from their next command, and the sessions of a disabled account are
closed with a notice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, Protocol

from ember.game.accounts import Accounts
from ember.game.sessions import SessionRegistry

__all__ = ["DISABLED_NOTICE", "AccountHost", "accounts_changed", "refresh_accounts"]

log = logging.getLogger("ember.game")

DISABLED_NOTICE = "This account has been disabled; you are disconnected."


class AccountHost(Protocol):
    """What re-reading the accounts needs of the game server (``GameServer`` is one)."""

    ready: asyncio.Event
    sessions: SessionRegistry

    @property
    def accounts(self) -> Accounts:
        """The accounts loaded at start."""
        ...

    def status_changed(self) -> None:
        """Note that the status file should be rewritten."""

    def spawn(self, coroutine: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run ``coroutine`` as a task the server owns."""
        ...


async def refresh_accounts(server: AccountHost) -> int:
    """Reload every account from the database into the running game; close the sessions of
    accounts disabled since. Returns how many sessions were closed. A database error is
    logged (the accounts stay as they were; the next login reads them again)."""
    if not server.ready.is_set():
        return 0  # still starting: the accounts it loads are already the new ones
    accounts = server.accounts
    try:
        records = await accounts.store.load_all()
    except Exception:
        log.exception("re-reading the accounts failed")
        return 0
    disabled = set()
    for record in records:
        account = accounts.registry.add(record)  # the loaded account, with the new record
        if record.disabled:
            disabled.add(account.id)
    closed = 0
    for session in server.sessions:  # a copy: closing one changes the registry
        if session.account is not None and session.account.id in disabled:
            server.sessions.close(session, DISABLED_NOTICE)
            closed += 1
    log.info("re-read %d accounts (ember account); closed %d sessions", len(records), closed)
    if closed:
        server.status_changed()
    return closed


def accounts_changed(server: AccountHost) -> None:
    """The SIGUSR1 handler: re-read the accounts soon (ignored while not serving: a game
    starting reads them anyway, a game stopping no longer needs them)."""
    try:
        server.spawn(refresh_accounts(server), name="ember-accounts-refresh")
    except RuntimeError:
        log.info("SIGUSR1 (accounts changed) ignored: the game is not serving")
