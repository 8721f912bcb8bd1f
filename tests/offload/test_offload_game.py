"""run_async inside the game server: the seed's CmdAsync, progress to the caller, reloads."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from ember.link import Message
from ember.offload import ProcessStatistics
from ember.testing import FAST_SETTINGS as FAST
from ember.testing import running_game

TEMPLATE = Path(__file__).resolve().parents[2] / "ember" / "template" / "commands.py"

# The seed page's CmdAsync example, only its import lines changed (`from evennia import
# utils, Command` -> the two lines below); `final_value` fills the page's placeholder.
SEED_EXAMPLE = """
import ember as utils
from ember import Command

final_value = 42


class CmdAsync(Command):
    key = "asynccommand"

    def func(self):
        def long_running_function():
            #[... lots of time-consuming code ...]
            return final_value

        def at_return_function(r):
            self.caller.msg(f"The final value is {r}")

        def at_err_function(e):
            self.caller.msg(f"There was an error: {e}")

        # do the async call, setting all callbacks
        utils.run_async(long_running_function, at_return=at_return_function,
                        at_err=at_err_function)
"""


def game_dir(tmp_path: Path) -> Path:
    (tmp_path / "commands.py").write_text(TEMPLATE.read_text() + "\n" + SEED_EXAMPLE)
    return tmp_path


async def test_the_seed_cmdasync_example_works(tmp_path: Path) -> None:
    async with running_game(game_dir(tmp_path)) as game:
        await game.login(1, "ann")
        await game.portal.command(1, "asynccommand", "The final value is 42")


@pytest.mark.parametrize("where", ["process", "thread"])
async def test_crunch_reports_progress_to_the_caller_only(tmp_path: Path, where: str) -> None:
    async with running_game(game_dir(tmp_path)) as game:
        await game.login(1, "ann")
        await game.login(2, "bob")
        await game.portal.command(1, f"crunch/{where} 1.2", "carry on playing")
        await game.portal.command(2, "say still here", "You say")  # the game answers meanwhile
        await game.portal.expect(1, r"Crunched \d+ primes in 1.2 s", regex=True)
        progress = [m for m in game.portal.received if m.name == "progress"]
        assert progress and all(m.args[0] == 1 for m in progress)  # ann's session only
        assert progress[-1].args[2] == 1.0 and progress[-1].kwargs["label"] == "Crunching"
        assert 2 <= len(progress) <= 1.2 / 0.25 + 3  # throttled


async def test_reload_cancels_running_jobs_and_reaps_the_workers(tmp_path: Path) -> None:
    async with running_game(game_dir(tmp_path)) as game:
        await game.login(1, "ann")
        await game.portal.command(1, "crunch 30", "carry on playing")
        await game.portal.expect_message(
            lambda m: m.name == "progress" and m.args[0] == 1, what="progress"
        )
        pids = game.server.offloader.executor("process").pids  # type: ignore[attr-defined]
        assert len(pids) == 1
        game.server.stop("reload", by="test")
        assert await game.stopped() == "reload"
        text = await game.portal.expect(1, "did not finish")
        assert "cancelled: the game is reloading" in text
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


async def test_settings_choose_the_default_executor(tmp_path: Path) -> None:
    (tmp_path / "commands.py").write_text(
        "import os\nfrom ember import Command, run_async\n"
        "class CmdPid(Command):\n"
        "    key = 'pid'\n"
        "    def func(self):\n"
        "        run_async(os.getpid, at_return=lambda p: self.caller.msg(f'pid {p}'))\n"
    )
    settings = FAST.with_overrides(executor_default="process", executor_processes=1)
    async with running_game(tmp_path, settings) as game:
        await game.login(1, "ann")
        text = await game.portal.command(1, "pid", "pid ")
        assert int(text.split()[1]) != os.getpid()
        stats = game.server.offloader.statistics()
        process = stats.executors["process"]
        assert stats.default == "process" and isinstance(process, ProcessStatistics)
        assert process.size == 1


def _progress(message: Message) -> bool:
    return message.name == "progress"


async def test_no_progress_sink_outside_commands(tmp_path: Path) -> None:
    async with running_game(game_dir(tmp_path)) as game:
        from ember import run_async

        job = run_async(asyncio.sleep, 0)
        await job
        assert not any(_progress(m) for m in game.portal.received)


async def test_crunch_on_the_cluster_finds_the_games_code(
    tmp_path: Path, dask_cluster: object
) -> None:
    # The LocalCluster's workers cannot import this game's `commands` module from their
    # sys.path: the executor uploads it when it connects.
    address = dask_cluster.scheduler_address  # type: ignore[attr-defined]
    async with running_game(
        game_dir(tmp_path), FAST.with_overrides(cluster_address=address)
    ) as game:
        await game.login(1, "ann")
        await game.portal.command(1, "crunch/cluster 0.5", "carry on playing")
        await game.portal.expect(1, r"Crunched \d+ primes in 0.5 s \(cluster\)", regex=True)
        assert any(m.name == "progress" and m.args[0] == 1 for m in game.portal.received)
