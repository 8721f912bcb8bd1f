"""The ``tasks`` command: who sees what, and confirmed actions that re-check the task."""

from __future__ import annotations

from pathlib import Path

from gamekit import Running, make_developer, running_game

from ember.game.accounts import Account

SPELLS = """
def heal(account, amount):
    account.msg(f"healed {amount}")
"""


def account(game: Running, name: str) -> Account:
    found = game.server.accounts.registry.by_name(name)
    assert found is not None
    return found


async def test_players_see_their_own_tasks_developers_all(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await make_developer(game, "Dev")
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        await game.login(3, "Dev", new=False)
        scheduler = game.server.scheduler
        mine = scheduler.delay(300, account(game, "Ann").msg, "one")
        theirs = scheduler.delay(600, account(game, "Bob").msg, "two")
        text = await game.portal.command(1, "tasks", "Callback")
        assert f"\n{mine.id:>6}  5m " in text and "Account.msg" in text and '["one"]' not in text
        assert "['one']" in text and "scheduled" in text and "1 task." in text
        assert f"\n{theirs.id:>6} " not in text
        text = await game.portal.command(3, "tasks", "Callback")
        assert f"\n{mine.id:>6} " in text and f"\n{theirs.id:>6} " in text
        await game.portal.command(1, f"tasks/cancel {theirs.id}", "No task of yours matches")
        await game.portal.command(1, "tasks/explode 1", "Usage: tasks/<pause|unpause|")


async def test_cancel_asks_first_and_acts_only_on_yes(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        task = game.server.scheduler.delay(5, account(game, "Ann").msg, "ping")
        question = await game.portal.command(1, f"tasks/cancel {task.id}", "[yes/no]")
        assert question == (
            f"Cancel task {task.id} (ember.game.accounts.Account.msg, due in 4s)? [yes/no]"
        ) or question == (
            f"Cancel task {task.id} (ember.game.accounts.Account.msg, due in 5s)? [yes/no]"
        )
        await game.portal.command(1, "look", "Nothing done.")  # the answer, not a command
        assert task.active()
        await game.portal.command(1, f"tasks/cancel {task.id}", "[yes/no]")
        await game.portal.command(1, "yes", f"Task {task.id} (ember.game.accounts.Account.msg)")
        assert not task.active()
        await game.portal.command(1, "tasks", "No timed tasks.")


async def test_the_answer_rechecks_the_task(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        task = game.server.scheduler.delay(60, account(game, "Ann").msg, "ping")
        await game.portal.command(1, f"tasks/pause {task.id}", "Pause task")
        task.cancel()  # meanwhile, something else ends it
        await game.portal.command(
            1, "yes", "is gone (it fired or was removed meanwhile); nothing done"
        )
        await game.portal.command(1, f"tasks/remove {task.id}", "No task of yours matches")


async def test_actions_on_every_task_of_a_callback(tmp_path: Path) -> None:
    (tmp_path / "spells.py").write_text(SPELLS)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        import spells  # the game directory is on sys.path while the server runs

        ann = account(game, "Ann")
        first = game.server.scheduler.delay(60, spells.heal, ann, 5)
        second = game.server.scheduler.delay(90, spells.heal, ann, 7)
        other = game.server.scheduler.delay(90, ann.msg, "not this one")
        await game.portal.command(1, "tasks/pause spells.heal", "Pause 2 tasks of spells.heal?")
        await game.portal.command(1, "y", f"Task {second.id}")
        assert first.paused and second.paused and not other.paused
        await game.portal.command(1, "tasks/do_task spells.heal", "Run now and end 2 tasks")
        await game.portal.line(1, "yes")
        await game.portal.expect(1, "healed 5")
        await game.portal.expect(1, "healed 7")
        assert not first.active() and not second.active() and other.active()


async def test_questions_queue_in_order(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        one = game.server.scheduler.delay(60, account(game, "Ann").msg, "one")
        two = game.server.scheduler.delay(60, account(game, "Ann").msg, "two")
        await game.portal.command(1, f"tasks/cancel {one.id}", f"Cancel task {one.id}")
        await game.portal.line(1, f"tasks/cancel {two.id}")  # answers the first question!
        await game.portal.expect(1, "Nothing done.")
        await game.portal.command(1, f"tasks/cancel {two.id}", f"Cancel task {two.id}")
        await game.portal.command(1, "yes", f"Task {two.id}")
        assert one.active() and not two.active()


BREWING = """
import threading

from ember import report_progress

RELEASE = threading.Event()


def brew_a_very_large_cauldron_of_healing_potions(doses):
    report_progress(0.5, "halfway")
    RELEASE.wait(30)
    report_progress(1.0, "done")  # a cancelled thread job stops here
    return doses
"""

BREW_COMMAND = """
from ember import Command, run_async
from brewing import brew_a_very_large_cauldron_of_healing_potions


class CmdBrew(Command):
    key = "brew"

    def func(self):
        def failed(error):
            self.caller.msg(f"brew ended: {type(error).__name__}")

        run_async(brew_a_very_large_cauldron_of_healing_potions, 3, at_err=failed)


class CmdWaitBrew(Command):
    key = "waitbrew"

    async def func(self):
        await run_async(brew_a_very_large_cauldron_of_healing_potions, 4)
"""


async def test_background_jobs_are_listed_and_can_be_cancelled(tmp_path: Path) -> None:
    # Issue 11, item 9: run_async jobs did not show in `tasks` at all.
    (tmp_path / "brewing.py").write_text(BREWING)
    (tmp_path / "commands.py").write_text(BREW_COMMAND)
    async with running_game(tmp_path) as game:
        await make_developer(game, "Dev")
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        await game.login(3, "Dev", new=False)
        await game.portal.line(1, "brew")
        await game.portal.expect_message(lambda m: m.name == "progress", key="progress")
        [job] = game.server.offloader.running()
        name = "brewing.brew_a_very_large_cauldron_of_healing_potions"
        text = await game.portal.command(1, "tasks", "background job")
        assert "No timed tasks." in text
        row = next(line for line in text.splitlines() if job.key in line)
        assert name in row and "thread" in row and "50% halfway" in row
        assert "1 background job" in text
        text = await game.portal.command(2, "tasks", "No timed tasks.")  # not Bob's
        assert job.key not in text
        await game.portal.command(2, f"tasks/cancel {job.key}", "No background job of yours")
        text = await game.portal.command(3, "tasks", "background job")  # Developers see all
        assert job.key in text
        await game.portal.command(1, f"tasks/pause {job.key}", "can only be cancelled")
        await game.portal.command(1, f"tasks/cancel {job.key}", f"Cancel background job {job.key}")
        await game.portal.command(1, "yes", f"Background job {job.key} ({name}): cancelled.")
        await game.portal.expect(1, "brew ended: CancelledError")
        assert job.done() and game.server.offloader.running() == []
        await game.portal.command(1, "tasks", "No timed tasks.")

        # A command awaiting a job cancelled that way is told so, not "the game is stopping".
        await game.portal.line(1, "waitbrew")
        await game.portal.expect_message(lambda m: m.name == "progress", key="progress")
        [job] = game.server.offloader.running()
        await game.portal.command(1, f"tasks/cancel {job.key}", f"Cancel background job {job.key}")
        await game.portal.command(1, "yes", "waitbrew was interrupted (cancelled).")
        assert not [t for t in game.portal.texts(1) if "the game is stopping" in t]
        import brewing  # the game directory is on sys.path while the server runs

        brewing.RELEASE.set()  # let the worker thread end
