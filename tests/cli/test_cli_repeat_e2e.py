"""A persistent repeat in a real game across ``ember stop`` / ``ember start``.

The repeat ticks every second and logs each run to a file. The game is stopped for over
three intervals, then started again. What must hold (docs/repeating-timers.md): one
catch-up tick at start for all the missed ones (no burst), then the same grid as before (no
drift), and every grid point either ran once or was counted as skipped, never both.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from pathlib import Path

from support.cli_harness import aember, make_game, portal_status, started

from ember.testing import TelnetClient

PASSWORD = "long-password-1"
INTERVAL = 1.0
TICKS = """
import time
from pathlib import Path

LOG = Path(__file__).with_name("ticks.log")


def tick(account):
    with LOG.open("a") as log:
        log.write(f"{time.time()!r}\\n")
    account.msg("tick!")


def counted(account, log_name):
    from ember.scheduling import repeats

    with LOG.with_name(log_name).open("a") as log:
        log.write("ran\\n")
    account.msg("last tick!" if repeats()[0].count_left == 0 else "counted tick")
"""
STATE = (
    "py from ember.scheduling import repeats; r = repeats()[0]; "
    "print('STATE', r.id, repr(r.anchor), r.next_tick, repr(r.next_due), r.fired, "
    "r.skipped, 'E' + 'ND')"
)
_STATE = re.compile(r"STATE (\d+) ([\d.e+]+) (\d+) ([\d.e+]+) (\d+) (\d+)")


async def login(port: int) -> TelnetClient:
    client = await TelnetClient.connect(port)
    await client.expect("connect NAME PASSWORD")
    client.send(f"connect ann {PASSWORD}")
    await client.expect("Welcome, ann")
    return client


async def state(client: TelnetClient) -> tuple[int, float, int, float, int, int]:
    client.send(STATE)
    found = _STATE.search(await client.expect(" END"))
    assert found is not None
    rid, anchor, next_tick, next_due, fired, skipped = found.groups()
    return int(rid), float(anchor), int(next_tick), float(next_due), int(fired), int(skipped)


async def test_a_persistent_repeat_across_stop_and_start(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    (game / "mygame_ticks.py").write_text(TICKS)
    log = game / "ticks.log"
    code, _, err = await aember(
        "account", "create", "ann", "--developer", cwd=game, stdin=PASSWORD + "\n"
    )
    assert code == 0, err
    with started(game) as status:
        async with await login(status["telnet_port"]) as ann:
            ann.send(
                "py import mygame_ticks; from ember import repeat; "
                f"repeat({INTERVAL}, mygame_ticks.tick, account, persistent=True)"
            )
            await ann.expect("Repeat")
            await ann.expect("tick!")
            await ann.expect("tick!")  # two ticks seen live
            rid, anchor, _, _, _, skipped_before = await state(ann)
    stopped_at = time.time()
    ran_before = len(log.read_text().split())
    # Down for more than three intervals: that is the scenario, not a wait for an event.
    await asyncio.sleep(max(0.0, stopped_at + 3.5 * INTERVAL - time.time()))

    with started(game) as status:
        async with await login(status["telnet_port"]) as ann:
            await ann.expect("tick!")  # ticking again
            rid2, anchor2, next_tick, next_due, fired, skipped = await state(ann)
    assert rid2 == rid
    # The same grid, to the microsecond: no drift from the restart.
    assert abs(anchor2 - anchor) < 1e-3
    assert abs(next_due - (anchor + next_tick * INTERVAL)) < 1e-3
    # Every grid point 1 .. next_tick - 1 either ran once or was skipped, never both;
    # more than two were missed while stopped, yet they cost one catch-up run, not a burst.
    assert len(log.read_text().split()) >= ran_before + fired  # each run logged
    assert ran_before + fired + skipped_before + skipped == next_tick - 1
    assert skipped >= 2


async def test_a_counted_repeat_across_a_crash_and_a_reload(tmp_path: Path) -> None:
    """A count is stored with every tick: a SIGKILL of the game costs at most one extra run
    (the tick whose row had not reached the disk yet), a reload none; both finish the count."""
    game = make_game(tmp_path)
    (game / "mygame_ticks.py").write_text(TICKS)
    code, _, err = await aember(
        "account", "create", "ann", "--developer", cwd=game, stdin=PASSWORD + "\n"
    )
    assert code == 0, err
    start = "py import mygame_ticks; from ember import repeat; repeat(0.5, mygame_ticks.counted"
    with started(game) as status:
        async with await login(status["telnet_port"]) as ann:
            ann.send(f"{start}, account, 'crash.log', count=8, persistent=True)")
            await ann.expect("counted tick")
            await ann.expect("counted tick")
            os.kill(portal_status(game)["game_pid"], signal.SIGKILL)
            await ann.expect("restarting")
            await ann.expect("last tick!", within=60)
            runs = (game / "crash.log").read_text().split()
            assert 8 <= len(runs) <= 9, runs

            ann.send(f"{start}, account, 'reload.log', count=8, persistent=True)")
            await ann.expect("counted tick")
            ann.send("reload")
            await ann.expect("Reloaded.")
            await ann.expect("last tick!", within=60)
            assert len((game / "reload.log").read_text().split()) == 8
