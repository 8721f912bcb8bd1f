"""Changing accounts from outside the game (``ember account ...``): create, list, grant and
revoke permissions, set a password, disable and enable.

Each function opens the game's database itself and runs its own event loop, so call it from
synchronous code. It works whether the server runs or not: a running game reads an account
from the database at each login, and ``ember account`` then asks it to re-read the accounts
of players online (docs/operating.md).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from ember.game._account_store import AccountRecord, account_store_from_url
from ember.game.accounts import Account, AccountError, Accounts, validate_password
from ember.game.settings import load_settings
from ember.layout import GameLayout
from ember.world import PERMISSIONS, has_permission, normalize_permission

__all__ = [
    "create_account",
    "grant_permission",
    "list_accounts",
    "revoke_permission",
    "set_disabled",
    "set_password",
]

T = TypeVar("T")


def _run(game_dir: str | Path, work: Callable[[Accounts], Awaitable[T]]) -> T:
    """Open the game's accounts, run ``work`` on them, close; in an event loop of our own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_with_accounts(Path(game_dir), work))
    raise RuntimeError(
        "the account functions run their own event loop; from async code, call them in a "
        "thread (await asyncio.to_thread(...))"
    )


async def _with_accounts(game_dir: Path, work: Callable[[Accounts], Awaitable[T]]) -> T:
    settings = load_settings(game_dir)
    GameLayout(game_dir).server_dir.mkdir(exist_ok=True)
    store = account_store_from_url(settings.database_url(game_dir))
    await store.open()
    try:
        accounts = Accounts.from_settings(store, settings)
        await accounts.load()
        return await work(accounts)
    finally:
        await store.close()


def _named(accounts: Accounts, name: str) -> Account:
    account = accounts.registry.by_name(name)
    if account is None:
        raise AccountError(f"There is no account named {name[:40]!r} (`ember account list`).")
    return account


def create_account(
    game_dir: str | Path, name: str, password: str, developer: bool = False
) -> AccountRecord:
    """Create an account in the game's database (``ember account create``).

    Raises:
        AccountError: the name or password is not acceptable (the message says why).
        DuplicateAccountError: the name is taken.
        StoreError: the database cannot be opened.
    """

    async def create(accounts: Accounts) -> AccountRecord:
        return (await accounts.create(name, password, developer=developer)).record

    return _run(game_dir, create)


def list_accounts(game_dir: str | Path) -> list[AccountRecord]:
    """Every account of the game, oldest first."""

    async def records(accounts: Accounts) -> list[AccountRecord]:
        return [account.record for account in sorted(accounts.registry, key=lambda a: a.id)]

    return _run(game_dir, records)


def grant_permission(game_dir: str | Path, name: str, permission: str) -> AccountRecord:
    """Give account ``name`` a permission of the hierarchy (Player < Builder < Admin <
    Developer); raises :class:`AccountError` for an unknown account or permission, or one
    it holds already (itself or through a higher one)."""
    wanted = _permission(permission)

    async def grant(accounts: Accounts) -> AccountRecord:
        account = _named(accounts, name)
        if has_permission(account.permissions, wanted):
            raise AccountError(f"{account.name} already holds {wanted}{_through(account, wanted)}.")
        await accounts.set_permissions(account, (*account.permissions, wanted))
        return account.record

    return _run(game_dir, grant)


def revoke_permission(game_dir: str | Path, name: str, permission: str) -> AccountRecord:
    """Take a permission from account ``name``; raises :class:`AccountError` if it does not
    hold it, or holds it only through a higher one (which is named, to revoke instead)."""
    wanted = _permission(permission)

    async def revoke(accounts: Accounts) -> AccountRecord:
        account = _named(accounts, name)
        held = [p for p in account.permissions if p.lower() == wanted.lower()]
        if not held:
            through = _through(account, wanted)
            if through:
                raise AccountError(
                    f"{account.name} holds {wanted}{through}; revoke that one instead."
                )
            raise AccountError(f"{account.name} does not hold {wanted}.")
        kept = tuple(p for p in account.permissions if p not in held)
        await accounts.set_permissions(account, kept)
        return account.record

    return _run(game_dir, revoke)


def set_password(game_dir: str | Path, name: str, password: str) -> AccountRecord:
    """Give account ``name`` a new password (8 to 256 characters)."""
    validate_password(password)

    async def change(accounts: Accounts) -> AccountRecord:
        account = _named(accounts, name)
        password_hash = await accounts.passwords.hash(password)
        await accounts.store.set_password_hash(account.id, password_hash)
        return dataclasses.replace(account.record, password_hash=password_hash)

    return _run(game_dir, change)


def set_disabled(game_dir: str | Path, name: str, disabled: bool) -> tuple[AccountRecord, bool]:
    """Disable account ``name`` (it cannot log in) or enable it; return the record and
    whether anything changed (disabling a disabled account changes nothing)."""

    async def change(accounts: Accounts) -> tuple[AccountRecord, bool]:
        account = _named(accounts, name)
        if account.record.disabled == disabled:
            return account.record, False
        await accounts.store.set_disabled(account.id, disabled)
        return dataclasses.replace(account.record, disabled=disabled), True

    return _run(game_dir, change)


def _permission(name: str) -> str:
    try:
        return normalize_permission(name)
    except ValueError:
        raise AccountError(
            f"There is no permission {name[:40]!r}; the permissions are "
            f"{', '.join(PERMISSIONS)} (each includes those before it)."
        ) from None


def _through(account: Account, permission: str) -> str:
    """`` (through Developer)`` when a higher permission of ``account`` includes it."""
    for held in account.permissions:
        if held.lower() != permission.lower() and has_permission((held,), permission):
            return f" (through {held})"
    return ""
