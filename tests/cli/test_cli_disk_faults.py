"""A full disk and a database that cannot be written during a reload (issue 10 item 2).

The database lives on a small tmpfs of its own (mounting needs root: skipped otherwise). While
the disk refuses writes, players make persistent tasks and the game reloads: the old process
ends within its deadline, players are told and their input is held, the new game keeps trying
to start; once the disk takes writes again, every task fires exactly once and the held lines
are answered once.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli_harness import aember, make_game, new_player, portal_status, wait_exit
from support.marks import fired, mark_commands

DEADLINE = 5
COMMANDS = mark_commands(1.0)


@contextlib.contextmanager
def small_disk(path: Path) -> Iterator[Path]:
    """Mount a 4 MiB tmpfs at ``path`` (skip the test when that is not allowed)."""
    path.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root): {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path) -> Path:
    """Fill the disk to the last byte; return the filler file (delete it to free space)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (65536, 4096, 512, 1):  # smaller and smaller, down to the last byte
            with contextlib.suppress(OSError):
                while True:
                    out.write(b"\0" * size)
    return filler


# "locked": another program holds the database's write lock (SQLite answers "database is
# locked"). A read-only remount is refused while the game has the file open for writing, so
# this is how a database that cannot be written is made here.
@pytest.mark.parametrize("fault", ["full", "locked"])
async def test_a_reload_while_the_disk_refuses_writes(tmp_path: Path, fault: str) -> None:
    with small_disk(tmp_path / "disk") as disk:
        game = make_game(tmp_path)
        (game / "commands.py").write_text(COMMANDS)
        with (game / "settings.py").open("a") as settings:
            settings.write(f'DATABASE = "{disk}/ember.db"\nRELOAD_DEADLINE = {DEADLINE}\n')
        code, out, err = await aember("start", cwd=game)
        assert code == 0, out + err
        try:
            ann = await new_player(portal_status(game)["telnet_port"], "ann")
            for number in range(5):
                ann.send(f"mark {number}")
                await ann.expect(f"marked {number}")
            # The disk stops taking writes.
            locker = None
            if fault == "full":
                filler = fill(disk)
            else:
                locker = sqlite3.connect(disk / "ember.db", isolation_level=None)
                locker.execute("BEGIN IMMEDIATE")
            for number in range(5, 10):
                ann.send(f"mark {number}")
                await ann.expect(f"marked {number}")

            old_game = portal_status(game)["game_pid"]
            asked = time.monotonic()
            reload = asyncio.create_task(aember("reload", cwd=game))
            await ann.expect("The game is reloading…")
            await wait_exit(old_game, within=DEADLINE + 15)
            assert time.monotonic() - asked < DEADLINE + 15  # bounded, from the request
            ann.send("say typed-while-down")
            code, out, err = await reload
            # The new game could not write the old one's last tasks yet: not ready, so
            # the reload is reported as failed and the input stays held.
            assert code != 0, out + err

            # Space returns: the next start writes what was handed over, then serves.
            if locker is None:
                filler.unlink()
            else:
                locker.execute("ROLLBACK")
                locker.close()
            await ann.expect('You say, "typed-while-down"', within=90.0)
            async with asyncio.timeout(30):
                while len(counts := fired(game)) < 10:  # noqa: ASYNC110 - a file
                    await asyncio.sleep(0.1)
            assert set(counts) == set(range(10)) and max(counts.values()) == 1, counts
            assert ann.text.count('You say, "typed-while-down"') == 1
        finally:
            code, _, err = await aember("stop", cwd=game)
        assert code == 0, err
