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
import logging
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ember.link import Message

if TYPE_CHECKING:
    from ember.game.sessions import Session

__all__ = ["check_game_code", "reload_if_it_loads", "trusted_modules"]

log = logging.getLogger("ember.game")

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


async def reload_if_it_loads(
    game_dir: Path,
    limit: float,
    by: str,
    *,
    sessions: Iterable[Session],
    reload: Callable[[], None],
    tell_portal: Callable[[Message], None],
) -> None:
    """Call ``reload`` if the game's new code loads; otherwise log the refusal and tell the
    Developers online and the portal (``reload_refused``) why, keeping the running code."""
    error = await check_game_code(game_dir, limit=limit)
    if error is None:
        reload()
        return
    log.error("reload (by %s) refused: the new code does not load:\n%s", by or "?", error)
    for session in sessions:
        if session.account is not None and session.account.is_developer:
            session.msg(
                "Developer notice: the reload was refused because the new code does not "
                f"load; the running code stays.\n{error.rstrip()}"
            )
    tell_portal(Message("reload_refused", (), {"by": by, "error": error}))


def trusted_modules(game_dir: Path) -> list[str]:
    """Ember plus the game directory's top-level modules and packages (also namespace
    packages: folders holding Python files), whose functions persistent tasks may name."""
    names = {"ember"}
    for entry in game_dir.iterdir():
        if entry.suffix == ".py" and entry.stem.isidentifier():
            names.add(entry.stem)
        elif entry.is_dir() and entry.name.isidentifier() and any(entry.glob("*.py")):
            names.add(entry.name)
    return sorted(names)
