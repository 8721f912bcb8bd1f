"""The template's demo commands cannot stop the game or pile up rows (issue 9)."""

from __future__ import annotations

from pathlib import Path

from gamekit import FAST, running_game, session_dict

import ember

TEMPLATE = Path(ember.__file__).parent / "template" / "commands.py"
SPAWN = """

class CmdSpawn(Command):
    key = "spawn"

    def func(self):
        for _ in range(int(self.args)):
            myfunc(self.caller)
"""


def game_dir(tmp_path: Path) -> Path:
    (tmp_path / "commands.py").write_text(TEMPLATE.read_text() + SPAWN)
    return tmp_path


async def test_crunch_cannot_block_the_loop_or_queue_without_limit(tmp_path: Path) -> None:
    async with running_game(game_dir(tmp_path)) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        await game.portal.command(1, "crunch/sync 60", "crunch/sync is not offered")
        await game.portal.command(2, "look", "Here: ")  # answered at once
        await game.portal.command(1, "crunch/thread 30", "carry on playing")
        await game.portal.command(1, "crunch/thread 30", "You are crunching already")


async def test_reload_notices_are_coalesced_per_account(tmp_path: Path) -> None:
    settings = FAST.with_overrides(max_flows_running=1_000)
    async with running_game(game_dir(tmp_path), settings) as game:
        await game.login(1, "Ann")
        await game.portal.line(1, "spawn 500")
        await game.portal.expect(1, "Getting ready to wait")
        await game.portal.line(1, "dig")
        await game.portal.command(1, "say waiting", 'You say, "waiting"')
        game.server.stop("reload", by="test")
        assert await game.stopped() == "reload"
    sessions = [session_dict(1, account="Ann")]
    async with running_game(
        game_dir(tmp_path), settings, sessions=sessions, reason="reload"
    ) as game:
        await game.portal.command(1, "say back", 'You say, "back"')
        notices = [t for t in game.portal.texts(1) if "interrupted" in t]
        assert sorted(notices) == [
            "digging was interrupted by the reload.",
            "myfunc was interrupted by the reload (500 of them).",
        ]
        assert game.server.scheduler.tasks() == []
