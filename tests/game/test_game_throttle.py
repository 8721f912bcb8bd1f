"""Failed-login throttling and password hashing limits, without sleeping."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from gamekit import running_game

from ember.game._passwords import Passwords
from ember.game._throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_lockout_after_the_allowed_failures_within_the_window() -> None:
    clock = Clock()
    throttle = LoginThrottle(allowed=3, window=60, cooldown=10, cooldown_max=40, clock=clock)
    throttle.failed("a")
    clock.now += 61  # the first failure has left the window
    throttle.failed("a")
    throttle.failed("a")
    assert throttle.wait_time("a") == 0
    throttle.failed("a")
    assert throttle.wait_time("a", "b") == 10 and throttle.wait_time("b") == 0
    clock.now += 10
    assert throttle.wait_time("a") == 0
    for _ in range(3):
        throttle.failed("a")
    assert throttle.wait_time("a") == 20  # doubled
    clock.now += 20
    for _ in range(3):
        throttle.failed("a")
    assert throttle.wait_time("a") == 40
    clock.now += 40
    for _ in range(3):
        throttle.failed("a")
    assert throttle.wait_time("a") == 40  # capped
    throttle.succeeded("a")
    assert throttle.wait_time("a") == 0


def test_a_quiet_key_starts_afresh() -> None:
    clock = Clock()
    throttle = LoginThrottle(allowed=1, window=60, cooldown=10, cooldown_max=40, clock=clock)
    throttle.failed("a")
    clock.now += 10
    throttle.failed("a")
    assert throttle.wait_time("a") == 20
    clock.now += 1000
    throttle.failed("a")
    assert throttle.wait_time("a") == 10


class CountingHasher(PasswordHasher):
    """A real (cheap) argon2 hasher that records how many hashes overlap."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lock = threading.Lock()
        self.running = self.most = 0
        self.gate = threading.Event()
        self.two_inside = threading.Event()

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            if self.running == 2:
                self.two_inside.set()
        self.gate.wait(5)
        try:
            return super().hash(password, salt=salt)
        finally:
            with self.lock:
                self.running -= 1


async def test_concurrent_hashes_are_capped() -> None:
    passwords = Passwords(concurrency=2)
    hasher = CountingHasher(time_cost=1, memory_cost=8, parallelism=1)
    passwords.hasher = hasher
    jobs = [asyncio.create_task(passwords.hash(f"pw{n}")) for n in range(6)]
    # Two threads get inside hash() and block there; the other four wait their turn.
    assert await asyncio.to_thread(hasher.two_inside.wait, 5)
    assert hasher.running == 2
    hasher.gate.set()
    hashes = await asyncio.gather(*jobs)
    assert hasher.most == 2 and len(set(hashes)) == 6
    with pytest.raises(ValueError, match="at least 1"):
        Passwords(concurrency=0)


async def test_unknown_accounts_cost_a_hash_too() -> None:
    passwords = Passwords(time_cost=1, memory_cost=8, parallelism=1)
    assert await passwords.verify(None, "whatever") == (False, None)
    stored = await passwords.hash("right")
    assert await passwords.verify(stored, "wrong") == (False, None)
    assert await passwords.verify(stored, "right") == (True, None)
    assert await passwords.verify("not a hash", "right") == (False, None)


async def test_input_waits_for_a_login_in_progress(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.connect(2)
        await game.portal.line(2, "connect Ann password1")
        await game.portal.line(2, "look")  # arrives while the password is being checked
        await game.portal.expect(2, "Welcome, Ann!")
        await game.portal.expect(2, "The Hearth")  # the greeting's look
        text = await game.portal.expect(2, "The Hearth")  # the typed look ran logged in
        assert "Here: you." in text
        assert not [t for t in game.portal.texts(2) if t.startswith("Unknown command")]
