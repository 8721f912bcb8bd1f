"""Input held during a login is bounded, and an unknown long command word is cheap (issue 9)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from gamekit import running_game

from ember.game.commands import default_cmdset
from ember.game.commands._dispatch import Dispatcher


class GatedHasher(PasswordHasher):
    """A real (cheap) argon2 hasher whose verify waits until the test opens the gate."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = threading.Event()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.gate.wait(10)
        return super().verify(hash, password)


async def test_lines_typed_during_a_login_are_bounded(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.server.accounts.create("Ann", "password1")
        hasher = GatedHasher(time_cost=1, memory_cost=8, parallelism=1)
        game.server.accounts.passwords.hasher = hasher
        await game.portal.connect(1)
        await game.portal.line(1, "connect Ann password1")
        for _ in range(100):
            await game.portal.line(1, "look")
        limit = game.server.settings.max_held_lines
        notice = await game.portal.expect(1, "Input waits while your login is checked")
        assert f"{limit} lines are kept" in notice
        hasher.gate.set()
        await game.portal.expect(1, "Welcome, Ann!")
        await game.portal.command(1, "say done", 'You say, "done"')  # queued behind the held
        looks = [t for t in game.portal.texts(1) if "Here: you." in t]
        assert len(looks) == 1 + limit  # the greeting's, then the kept lines
        assert game.server.sessions.get(1).held is None  # type: ignore[union-attr]


def match_time(dispatcher: Dispatcher, word: str) -> float:
    cmdset = default_cmdset()
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        dispatcher.unknown_message(word, cmdset, None)
        best = min(best, time.perf_counter() - start)
    return best


def test_the_did_you_mean_matcher_works_on_a_cut_word() -> None:
    dispatcher = Dispatcher(None)  # type: ignore[arg-type]
    cmdset = default_cmdset()
    assert "Did you mean: look" in dispatcher.unknown_message("lok", cmdset, None)
    huge = "lok" + "q" * 65_533
    text = dispatcher.unknown_message(huge, cmdset, None)
    assert text.startswith("Unknown command 'lokqq") and len(text) < 200
    # A 64 KB word costs about what a short one does (uncut: hundreds of times more).
    ratio = match_time(dispatcher, huge) / match_time(dispatcher, "lokqqqqq")
    assert ratio < 20, f"a 64 KB word took {ratio:.0f}x as long as an 8-character one"
