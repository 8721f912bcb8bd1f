"""Login throttles that hold (issue 9): counted before hashing, one check in flight per key,
and no lockout of an owner at an address that never failed."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from gamekit import running_game, session_dict

from ember.game._throttle import LoginThrottle, address_key
from ember.testing import VirtualClock

WRONG = "Wrong account name or password."
REFUSED = "Too many failed logins"


def test_the_address_key_is_the_host_without_the_port() -> None:
    assert address_key("127.0.0.1:5123") == address_key("127.0.0.1:6000") == "127.0.0.1"
    assert address_key("10.0.0.7") == "10.0.0.7"
    assert address_key("[::1]:5123") == address_key("::1:80") == "::/64"
    assert address_key("2001:db8::1:4000") == address_key("[2001:db8::ffff]:1") == "2001:db8::/64"
    assert address_key("::ffff:192.0.2.1:99") == "192.0.2.1"
    assert address_key("x" * 70_000 + ":1") == "x" * 100


def test_a_refunded_attempt_leaves_no_trace_and_undoes_its_lockout() -> None:
    now = [0.0]
    throttle = LoginThrottle(allowed=2, window=60, cooldown=10, clock=lambda: now[0])
    throttle.attempt("a")
    throttle.refund("a")
    assert not throttle.has_failed("a")
    throttle.attempt("a")
    throttle.attempt("a")  # the second attempt starts a lockout ...
    assert throttle.wait_time("a") == 10
    throttle.refund("a")  # ... which a success takes back
    assert throttle.wait_time("a") == 0 and throttle.has_failed("a")


async def test_the_owner_at_a_clean_address_gets_in_while_attackers_fail(tmp_path: Path) -> None:
    clock = VirtualClock()
    async with running_game(tmp_path, clock=clock) as game:
        await game.server.accounts.create("Ann", "password1")
        portal = game.portal
        for sid in (2, 3):  # two attacking addresses, five wrong guesses each
            await portal.connect(sid)
            for _ in range(5):
                await portal.command(sid, "connect Ann wrongpassword", WRONG)
            # That address is locked out of Ann, even with the right password.
            await portal.command(sid, "connect Ann password1", REFUSED)
        # Ann's account has failed 10 times: it is locked for every address that failed, so a
        # further attacking address gets one guess.
        for sid in (4, 5):
            await portal.connect(sid)
            await portal.command(sid, "connect Ann wrongpassword", WRONG)
            await portal.command(sid, "connect Ann password1", REFUSED)
        # The owner, at an address that never failed, gets in.
        await portal.connect(9)
        await portal.command(9, "connect Ann password1", "Welcome, Ann!")


async def test_thirty_parallel_guesses_evaluate_at_most_the_limit(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.server.accounts.create("Ann", "password1")
        sids = range(10, 40)
        for sid in sids:
            await game.portal.send("connect", sid, **session_dict(sid, address="198.51.100.7"))
        # All at once, from one address; the last guess is the right password.
        for sid in sids:
            password = "password1" if sid == sids[-1] else f"guess-{sid}"
            await game.portal.line(sid, f"connect Ann {password}")
        replies = [
            await game.portal.expect(sid, r"Wrong account|Too many|Welcome, ", regex=True)
            for sid in sids
        ]
        evaluated = [r for r in replies if r == WRONG]
        assert len(evaluated) == game.server.settings.login_failures_allowed, replies
        assert replies[-1].startswith(REFUSED)
        assert len([r for r in replies if r.startswith(REFUSED)]) == len(sids) - len(evaluated)
        assert game.server.accounts.limits.in_flight() == 0


async def test_failed_login_names_are_limited_before_use(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.portal.connect(2)
        huge = "A" + "b" * 65_535
        for _ in range(3):
            await game.portal.command(2, f"connect {huge} password1", WRONG)
        limits = game.server.accounts.limits
        for throttle in (limits.address, limits.pair, limits.account):
            assert throttle.statistics().longest_key <= 100
        assert limits.address.has_failed("10.0.0.2")
        assert limits.account.statistics().keys == 0  # a name that cannot exist is no key


async def test_a_cancelled_check_stays_counted(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.server.accounts.create("Ann", "password1")
        accounts = game.server.accounts
        check = asyncio.create_task(accounts.authenticate("Ann", "nope-nope", address="10.1.1.1:9"))
        await asyncio.sleep(0)  # counted before the hash starts ...
        check.cancel()  # ... and the check is abandoned mid-hash
        await asyncio.gather(check, return_exceptions=True)
        assert accounts.limits.pair.has_failed("ann@10.1.1.1")
        assert accounts.limits.in_flight() == 0


class OverlapHasher(PasswordHasher):
    """A real (cheap) argon2 hasher that notes how many verifies overlap: each one waits up
    to a second for a second one to come in beside it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lock = threading.Lock()
        self.running = self.most = 0
        self.two_inside = threading.Event()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            if self.running == 2:
                self.two_inside.set()
        self.two_inside.wait(1.0)
        try:
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1


async def test_one_password_check_at_a_time_per_name(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:  # HASH_CONCURRENCY 2: two could run at once
        await game.server.accounts.create("Ann", "password1")
        hasher = OverlapHasher(time_cost=1, memory_cost=8, parallelism=1)
        game.server.accounts.passwords.hasher = hasher
        for sid in (1, 2, 3):  # three addresses, one name
            await game.portal.connect(sid)
            await game.portal.line(sid, f"connect Ann wrong-{sid}")
        for sid in (1, 2, 3):
            await game.portal.expect(sid, WRONG)
        assert hasher.most == 1
