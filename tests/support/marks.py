"""A game command that makes persistent tasks, for tests that check each one fires exactly once.

``mark N`` schedules a persistent task that appends ``N`` to ``server/fired.txt`` in the game
directory and answers ``marked N``; :func:`fired` counts the numbers that file holds.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def mark_commands(fire_after: float) -> str:
    """The text of a ``commands.py`` whose ``mark N`` fires ``fire_after`` seconds later."""
    return f"""
from pathlib import Path
from ember import Command, delay

FIRED = Path(__file__).parent / "server" / "fired.txt"


def fire(number):
    with FIRED.open("a") as out:
        out.write(f"{{number}}\\n")


class CmdMark(Command):
    key = "mark"

    def func(self):
        number = int(self.args)
        delay({fire_after}, fire, number, persistent=True)
        self.caller.msg(f"marked {{number}}")
"""


def fired(game: Path) -> Counter[int]:
    """How many times each number was written by a fired ``mark`` task so far."""
    path = game / "server" / "fired.txt"
    text = path.read_text() if path.exists() else ""
    return Counter(int(line) for line in text.split())
