"""Login screen: create, connect, wrong passwords, throttling, duplicate and invalid names."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from gamekit import FAST, running_game

from ember.testing import VirtualClock


async def test_create_then_connect_from_another_session(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        login = await game.portal.expect_named("login")
        assert login.args == (1, "Ann") or list(login.args) == [1, "Ann"]
        await game.portal.connect(2)
        await game.portal.command(2, "connect ann password1", "Welcome, Ann!")
        assert len(game.server.accounts.registry.by_name("ANN").sessions) == 2  # type: ignore[union-attr]


async def test_wrong_password_is_refused(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.connect(2)
        await game.portal.command(2, "connect Ann wrongpassword", "Wrong account name or password.")
        await game.portal.command(2, "connect Nobody password1", "Wrong account name or password.")
        # Still at the login screen: game commands are unknown there.
        await game.portal.command(2, "look", "Unknown command 'look'")


async def test_twenty_wrong_passwords_are_throttled_others_unaffected(tmp_path: Path) -> None:
    clock = VirtualClock()
    async with running_game(tmp_path, clock=clock) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        await game.portal.connect(3)
        for _ in range(20):
            await game.portal.line(3, "connect Ann wrongpassword")
        await game.portal.line(3, "connect Ann password1")
        replies = [await game.portal.expect(3, "") for _ in range(21)]
        assert replies[:5] == ["Wrong account name or password."] * 5
        throttled = replies[5:]
        assert all(r.startswith("Too many failed logins, try again in ") for r in throttled)
        assert throttled[-1] == "Too many failed logins, try again in 31 s."  # right password too
        # Other players carry on; the same address can still log in to another account.
        await game.portal.command(2, "say still here", 'You say, "still here"')
        await game.portal.command(3, "connect Bob password1", "Welcome, Bob!")
        await game.portal.connect(4, address="10.0.0.3")
        # After the cooldown, the right password works again.
        await clock.advance(31)
        await game.portal.command(4, "connect Ann password1", "Welcome, Ann!")


async def test_one_address_trying_many_accounts_is_throttled(tmp_path: Path) -> None:
    clock = VirtualClock()
    async with running_game(tmp_path, clock=clock) as game:
        await game.login(1, "Ann")
        await game.portal.connect(2, address="192.0.2.9")
        for n in range(20):
            await game.portal.command(2, f"connect Guess{n} password1", "Wrong account name")
        await game.portal.command(2, "connect Ann password1", "Too many failed logins")
        await game.portal.connect(3, address="192.0.2.10")
        await game.portal.command(3, "connect Ann password1", "Welcome, Ann!")


async def test_repeated_lockouts_grow(tmp_path: Path) -> None:
    clock = VirtualClock()
    async with running_game(tmp_path, clock=clock) as game:
        await game.login(1, "Ann")
        await game.portal.connect(2)
        for _ in range(5):
            await game.portal.command(2, "connect Ann nopenopenope", "Wrong")
        await game.portal.command(2, "connect Ann x1234567", "try again in 31 s")
        await clock.advance(31)
        for _ in range(5):
            await game.portal.command(2, "connect Ann nopenopenope", "Wrong")
        await game.portal.command(2, "connect Ann x1234567", "try again in 61 s")


async def test_duplicate_account_name(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.connect(2)
        await game.portal.command(
            2, "create ANN otherpass1", "An account named 'ANN' already exists."
        )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Al", "3 to 30 characters"),
        ("A" * 31, "3 to 30 characters"),
        ("9lives", "must start with a"),
        ("Ann!", "only letters, digits, _ and -"),
        ("Zoë", "only letters, digits, _ and -"),
    ],
)
async def test_invalid_names(tmp_path: Path, name: str, message: str) -> None:
    async with running_game(tmp_path) as game:
        await game.portal.connect(1)
        await game.portal.command(1, f"create {name} password1", message)


async def test_short_password_and_usage(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.portal.connect(1)
        await game.portal.command(1, "create Ann short", "8 to 256 characters")
        await game.portal.command(1, "create Ann", "Usage: create NAME PASSWORD")
        await game.portal.command(1, "connect", "Usage: connect NAME PASSWORD")


async def test_accounts_survive_a_restart(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
    async with running_game(tmp_path) as game:
        await game.portal.connect(1)
        await game.portal.command(1, "connect Ann password1", "Welcome, Ann!")


async def test_default_hash_parameters_once(tmp_path: Path) -> None:
    from ember.game.settings import Settings

    async with running_game(tmp_path, Settings()) as game:
        await game.login(1, "Ann")
        record = game.server.accounts.registry.by_name("Ann").record  # type: ignore[union-attr]
        assert record.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


async def test_weaker_hash_is_upgraded_at_login(tmp_path: Path) -> None:
    async with running_game(tmp_path, FAST) as game:
        await game.login(1, "Ann")
    stronger = FAST.with_overrides(hash_time_cost=2)
    async with running_game(tmp_path, stronger) as game:
        await game.portal.connect(1)
        await game.portal.command(1, "connect Ann password1", "Welcome, Ann!")
        record = game.server.accounts.registry.by_name("Ann").record  # type: ignore[union-attr]
        assert ",t=2," in record.password_hash
    async with running_game(tmp_path, stronger) as game:
        stored = (await game.server.accounts.store.load_all())[0]
        assert ",t=2," in stored.password_hash


async def test_an_account_created_by_the_cli_while_running_can_log_in(tmp_path: Path) -> None:
    from ember.game import create_account

    (tmp_path / "settings.py").write_text(
        "HASH_TIME_COST = 1\nHASH_MEMORY_COST = 8\nHASH_PARALLELISM = 1\n"
    )
    async with running_game(tmp_path) as game:
        await asyncio.to_thread(create_account, tmp_path, "Late", "password1")
        await game.portal.connect(1)
        await game.portal.command(1, "connect late password1", "Welcome, Late!")


async def test_permissions_can_change_while_running(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "py 1", "permission denied")
        ann = game.server.accounts.registry.by_name("Ann")
        assert ann is not None
        await game.server.accounts.set_permissions(ann, ("Developer",))
        assert await game.portal.command(1, "py 1", ">>>") == ">>> 1\n1"
    async with running_game(tmp_path) as game:
        ann = game.server.accounts.registry.by_name("Ann")
        assert ann is not None and ann.is_developer
