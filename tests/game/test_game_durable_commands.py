"""Durable commands in a running game: listed and cancelled in `tasks`, bounded per player."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from gamekit import FAST, running_game

from ember.interaction import durable_flows

COMMANDS = """
from ember import Command


class CmdVigil(Command):
    key = "vigil"
    durable = True

    def func(self):
        self.caller.msg("You keep vigil.")
        yield 600
        self.caller.msg("Dawn.")
"""


def stored_flows(game_dir: Path) -> int:
    with closing(sqlite3.connect(game_dir / "server" / "ember.db")) as conn:
        return int(conn.execute("SELECT count(*) FROM ember_flows").fetchone()[0])


async def test_a_flood_of_durable_commands_is_bounded_per_player(tmp_path: Path) -> None:
    (tmp_path / "commands.py").write_text(COMMANDS)
    async with running_game(tmp_path, FAST.with_overrides(max_flows_running=3)) as game:
        await game.login(1, "Ann")
        for _ in range(3):
            await game.portal.command(1, "vigil", "You keep vigil.")
        for _ in range(20):  # refused at once, each with a message: nothing piles up
            await game.portal.command(1, "vigil", "You have 3 lasting activities under way")
        text = await game.portal.command(1, "tasks", "durable flows")
        assert text.count("vigil") == 3 and "3 durable flows (tasks/cancel flow-<id>)." in text
        assert len(durable_flows().owned_by(f"object:{game.character('Ann').id}")) == 3
        journal = durable_flows().journal
        assert journal is not None
        await journal.flush()
        assert stored_flows(tmp_path) == 3  # the refused ones stored nothing


async def test_cancelling_a_durable_command_ends_it_for_good(tmp_path: Path) -> None:
    (tmp_path / "commands.py").write_text(COMMANDS)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "vigil", "You keep vigil.")
        listing = await game.portal.command(1, "tasks", "durable flow")
        flow_id = listing.split("flow-")[1].split()[0]
        assert "pause 600.0" in listing
        await game.portal.command(1, "tasks/cancel flow-nonesuch", "No durable flow of yours")
        await game.portal.command(1, f"tasks/cancel flow-{flow_id}", "[yes/no]")
        await game.portal.command(1, "yes", f"Durable flow flow-{flow_id} (vigil): cancelled.")
        await game.portal.command(1, "tasks", "No timed tasks.")
        assert "flow-" not in "".join(game.portal.texts(1)[-1:])
    assert stored_flows(tmp_path) == 0  # its journal went with it
