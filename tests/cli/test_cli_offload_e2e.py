"""Background work on a real server over telnet: progress lines, and no orphan workers after
a reload or a stop (checked by pid)."""

from __future__ import annotations

import re
from pathlib import Path

from support.cli_harness import aember, alive, make_game, portal_status, wait_exit

from ember.testing import TelnetClient

PASSWORD = "long-password-1"


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (the forkserver and the worker processes), from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


async def test_progress_over_telnet_and_no_orphans_after_reload_and_stop(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    code, out, err = await aember("start", cwd=game)
    assert code == 0, out + err
    status = portal_status(game)
    port, portal_pid = status["telnet_port"], status["pid"]
    workers: set[int] = set()
    try:
        ann = await TelnetClient.connect(port)
        await ann.expect("connect NAME PASSWORD")
        ann.send(f"create ann {PASSWORD}")
        await ann.expect("Welcome, ann")

        ann.send("crunch 1.5")
        await ann.expect("carry on playing")
        await ann.expect("Crunching: ")  # one progress line, throttled
        await ann.expect("Crunching: 100%")
        await ann.expect("Crunched ")
        # This client sends no terminal type, so it gets whole lines (a terminal would get one
        # line rewritten in place: tests/portal/test_portal_basics.py), one every 2 s at most.
        shown = ann.text[ann.text.index("Crunching: ") : ann.text.index("Crunching: 100%")]
        lines = shown.splitlines()
        assert all(re.fullmatch(r"Crunching: \d{1,2}%", line) for line in lines), repr(shown)
        assert 1 <= len(lines) <= 1.5 / 2 + 2, repr(shown)  # throttled

        # A job still running at reload is cancelled; its worker processes go with the game.
        ann.send("crunch 30")
        await ann.expect("Crunching: ")
        first_game = portal_status(game)["game_pid"]
        workers |= descendants(first_game)
        assert workers, "no worker process found"
        code, _, err = await aember("reload", cwd=game)
        assert code == 0, err
        await ann.expect("cancelled: the game is reloading")
        await ann.expect("Reloaded.")
        await wait_exit(first_game)
        assert not any(alive(pid) for pid in workers), workers

        ann.send("crunch 30")
        await ann.expect("Crunching: ")
        workers |= descendants(portal_status(game)["game_pid"])
    finally:
        code, _, err = await aember("stop", cwd=game)
    assert code == 0, err
    await wait_exit(portal_pid)
    for pid in workers:
        await wait_exit(pid, 10)
        assert not alive(pid), pid
