"""Checking a game's code before a reload gives up the process that runs the working code.

A reload that lost the game's commands to a typo would leave players with nothing but the
defaults, so the running game first imports the new ``settings.py`` and ``commands`` module in
a separate, short-lived Python process (the running game's own modules stay as they are). Only
when that succeeds does it stop; otherwise the reload is refused, the old code keeps answering
and the traceback goes to the Developers and to ``ember reload``. The new process still loads
the code itself and reports the outcome in ``ready``, for a change made after the check.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

__all__ = ["check_game_code"]

# Run in the child: load the settings and the commands as a new game process would, and print
# the traceback of the first failure.
_CHECK = """
import sys, traceback
from pathlib import Path
game_dir = Path(sys.argv[1])
try:
    from ember.game.settings import load_settings
    load_settings(game_dir)
except Exception:
    print(traceback.format_exc(), end="")
    sys.exit(1)
import logging
logging.disable(logging.CRITICAL)  # the traceback is printed below, once
from ember.game.commands import load_game_commands
error = load_game_commands(game_dir).error
if error:
    print(error, end="")
    sys.exit(1)
"""


async def check_game_code(game_dir: Path, *, limit: float) -> str | None:
    """Import the game's settings and commands in a child process; return the traceback of
    what failed, or None when the code loads. A check that takes over ``limit`` s fails."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CHECK,
        str(game_dir),
        cwd=game_dir,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(limit):
            output, _ = await process.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return f"loading the game's code did not finish within {limit:g} s"
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
    if process.returncode == 0:
        return None
    text = output.decode("utf-8", "replace").strip()
    return text or f"loading the game's code failed (exit status {process.returncode})"
