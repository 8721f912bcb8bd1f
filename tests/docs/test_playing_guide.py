"""docs/playing.md's "Changing the commands" example runs as a game's commands.py."""

from __future__ import annotations

import re
from pathlib import Path

from ember.testing import running_game

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "playing.md"


def example() -> str:
    """The guide's one Python block."""
    (code,) = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)
    return str(code)


async def test_the_guides_commands_py_works(tmp_path: Path) -> None:
    (tmp_path / "commands.py").write_text(example())
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        await game.portal.command(1, "!watch out", "Ann shouts, WATCH OUT!")
        await game.portal.expect(2, "Ann shouts, WATCH OUT!")
        await game.portal.command(1, "whisper Bob = hi", "Unknown command 'whisper'")
        await game.portal.command(1, '"hi', "Unknown command")
        await game.portal.command(1, "'hi", 'You say, "hi"')
        await game.portal.command(1, "i", "You carry:")  # the game's inventory replaced Ember's
        text = await game.portal.command(1, "help inventory", "Help for inventory")
        assert "one thing a line" in text
        text = await game.portal.command(1, "help talking", "Talking:")
        assert "  shout" in text
