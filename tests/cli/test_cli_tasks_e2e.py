"""The ``tasks`` command over real telnet: long callback names are listed whole and usable."""

from __future__ import annotations

import re
from pathlib import Path

from support.cli_harness import aember, make_game, started

from ember.testing import TelnetClient

PASSWORD = "long-password-1"
LONG_NAME = "mygame_timers.Character.regenerate_hit_points_slow"  # 50 characters

TIMERS = """
class Character:
    @staticmethod
    def regenerate_hit_points_slow(amount):
        return amount
"""
OTHER = """
def regenerate_hit_points_slow(amount):
    return amount
"""


async def test_a_fifty_character_name_from_the_listing_acts_on_its_task(tmp_path: Path) -> None:
    assert len(LONG_NAME) == 50
    game = make_game(tmp_path)
    (game / "mygame_timers.py").write_text(TIMERS)
    (game / "other_timers.py").write_text(OTHER)
    code, _, err = await aember(
        "account", "create", "ann", "--developer", cwd=game, stdin=PASSWORD + "\n"
    )
    assert code == 0, err
    with started(game) as status:
        async with await TelnetClient.connect(status["telnet_port"]) as ann:
            await ann.expect("connect NAME PASSWORD")
            ann.send(f"connect ann {PASSWORD}")
            await ann.expect("Welcome, ann")
            ann.send(
                "py import mygame_timers, other_timers; from ember import delay; "
                "delay(300, mygame_timers.Character.regenerate_hit_points_slow, 1); "
                "delay(300, other_timers.regenerate_hit_points_slow, 2)"
            )
            await ann.expect("Task")
            ann.send("tasks")
            listing = await ann.expect("2 tasks.")
            row = next(line for line in listing.splitlines() if "mygame_timers" in line)
            task_id, listed = re.findall(r"^\s*(\d+)\s+\S+\s+(\S+)", row)[0]
            assert listed == LONG_NAME  # whole, not cut at 32 characters

            # The last part alone is ambiguous here: both callbacks are named.
            ann.send("tasks/remove regenerate_hit_points_slow")
            why = await ann.expect("Give more of the name.")
            assert "matches several callbacks" in why
            assert LONG_NAME in why and "other_timers.regenerate_hit_points_slow" in why

            # A longer last part is unambiguous.
            ann.send("tasks/pause Character.regenerate_hit_points_slow")
            await ann.expect(f"Pause task {task_id} ({LONG_NAME}, due in")
            ann.send("yes")
            await ann.expect(f"Task {task_id} ({LONG_NAME}): pause done.")

            # The name exactly as listed.
            ann.send(f"tasks/remove {listed}")
            await ann.expect(f"Remove task {task_id} ({LONG_NAME}")
            ann.send("yes")
            await ann.expect(f"Task {task_id} ({LONG_NAME}): remove done.")
            ann.send("tasks")
            listing = await ann.expect("1 task.")
            assert "other_timers.regenerate_hit_points_slow" in listing
            assert "mygame_timers" not in listing
