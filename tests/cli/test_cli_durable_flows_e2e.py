"""Durable flows over real telnet, through `ember reload` and a SIGKILL of the game process:
they go on where they were, no message repeated and no answered question asked again."""

from __future__ import annotations

import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

from support.cli_harness import aember, make_game, new_player, portal_status, started

from ember.testing import TelnetClient

QUEST = '''

from ember import flow_random


class CmdQuest(Command):
    """A quest that lasts: it survives reloads and crashes."""

    key = "quest"
    durable = True

    def func(self):
        me = self.caller
        me.msg("Quest begins.")
        yield PAUSE
        me.msg("You reach the gate.")
        name = yield "What is your name?"
        me.msg(f"Greetings, {name}.")
        luck = yield flow_random()
        yield PAUSE
        me.msg(f"The bridge appears (luck {luck:.6f}).")
        if (yield ask_yes_no("Cross the bridge?")):
            me.msg("You cross the bridge.")
        yield PAUSE
        me.msg(f"Quest complete (luck {luck:.6f}).")


@interactive(durable=True)
def ritual(caller, herb):
    caller.msg(f"You light the {herb}.")
    yield PAUSE
    word = yield "Speak the word:"
    caller.msg(f"The smoke spells {word}.")
    yield PAUSE
    caller.msg("The ritual ends.")


@interactive(durable=True)
def vigil(caller):
    caller.msg("You begin a long vigil.")
    yield 600
    caller.msg("The vigil ends.")


class CmdVigil(Command):
    key = "vigil"

    def func(self):
        vigil(self.caller)


class CmdRitual(Command):
    key = "ritual"

    def func(self):
        ritual(self.caller, self.args or "sage")


class CmdWait(Command):
    key = "waitabit"

    def func(self):
        self.caller.msg("Waiting...")
        yield 60
        self.caller.msg("Done waiting.")
'''
# Seconds each pause of the quest lasts. `ember reload` takes seconds (a fresh interpreter, the
# code check in a child process), so the pauses it is meant to land in are long; a SIGKILL
# lands at once.
RELOAD_PAUSE, KILL_PAUSE = "20", "3"
WAIT = 90.0  # what `expect` waits at most: a safety net, not a timing assertion


def quest_game(tmp_path: Path, pause: str = KILL_PAUSE) -> Path:
    game = make_game(tmp_path)
    commands = game / "commands.py"
    commands.write_text(commands.read_text() + QUEST.replace("PAUSE", pause))
    return game


Restart = Callable[[Path, TelnetClient], Awaitable[None]]


async def reload(game: Path, client: TelnetClient) -> None:
    code, out, err = await aember("reload", cwd=game)
    assert code == 0, out + err


async def kill(game: Path, client: TelnetClient) -> None:
    os.kill(portal_status(game)["game_pid"], signal.SIGKILL)
    await client.expect("restarting", within=WAIT)


async def walk_the_quest(game: Path, ann: TelnetClient, restart: Restart) -> str:
    """Run the quest, restarting the game at each of its steps; return all text seen."""
    seen = []
    ann.send("quest")
    seen.append(await ann.expect("Quest begins.", within=WAIT))
    await restart(game, ann)  # in the first pause
    seen.append(await ann.expect("What is your name?", within=WAIT))
    await restart(game, ann)  # the question waits: it is asked again
    seen.append(await ann.expect("What is your name?", within=WAIT))
    ann.send("Ann")
    seen.append(await ann.expect("Greetings, Ann.", within=WAIT))
    await restart(game, ann)  # in the second pause, after the random value
    seen.append(await ann.expect("Cross the bridge?", within=WAIT))
    await restart(game, ann)
    seen.append(await ann.expect("Cross the bridge?", within=WAIT))
    ann.send("y")
    seen.append(await ann.expect("You cross the bridge.", within=WAIT))
    await restart(game, ann)  # in the last pause
    seen.append(await ann.expect("Quest complete", within=WAIT))
    ann.send("tasks")  # everything after the end arrives before the listing
    seen.append(await ann.expect("No timed tasks.", within=WAIT))
    return "".join(seen)


def assert_each_step_once(text: str) -> None:
    for line in ("Quest begins.", "You reach the gate.", "Greetings, Ann.", "The bridge appears",
                 "You cross the bridge.", "Quest complete"):  # fmt: skip
        assert text.count(line) == 1, (line, text)
    # Asked again only while unanswered: once before the restart, once after.
    assert text.count("What is your name?") == 2, text
    assert text.count("Cross the bridge?") == 2, text
    assert "interrupted" not in text, text
    # flow_random() gave the same value before and after the restarts.
    luck = text.split("The bridge appears (luck ")[1].split(")")[0]
    assert f"Quest complete (luck {luck})" in text, text


async def test_a_durable_command_survives_a_reload_at_each_step(tmp_path: Path) -> None:
    game = quest_game(tmp_path, RELOAD_PAUSE)
    with started(game) as status:
        ann = await new_player(status["telnet_port"], "ann")
        try:
            assert_each_step_once(await walk_the_quest(game, ann, reload))
        finally:
            await ann.close()


async def test_a_durable_command_survives_a_sigkill_at_each_step(tmp_path: Path) -> None:
    game = quest_game(tmp_path)
    with started(game) as status:
        ann = await new_player(status["telnet_port"], "ann")
        try:
            # The world store writes behind: a reload makes the new character durable, so the
            # first SIGKILL cannot take the flow's caller with it.
            await reload(game, ann)
            await ann.expect("Reloaded.", within=WAIT)
            assert_each_step_once(await walk_the_quest(game, ann, kill))
        finally:
            await ann.close()


async def test_a_durable_function_is_listed_cancellable_and_survives_reloads(
    tmp_path: Path,
) -> None:
    game = quest_game(tmp_path)
    with started(game) as status:
        ann = await new_player(status["telnet_port"], "ann")
        try:
            ann.send("ritual myrrh")
            seen = [await ann.expect("You light the myrrh.", within=WAIT)]
            await reload(game, ann)
            seen.append(await ann.expect("Speak the word:", within=WAIT))
            ann.send("/tasks")
            listing = await ann.expect("durable flow", within=WAIT)
            assert "ritual" in listing, listing
            ann.send("Ember")
            seen.append(await ann.expect("The smoke spells Ember.", within=WAIT))
            await reload(game, ann)
            seen.append(await ann.expect("The ritual ends.", within=WAIT))
            text = "".join(seen)
            assert text.count("You light the myrrh.") == 1, text
            assert text.count("Speak the word:") == 1, text
            assert text.count("The smoke spells Ember.") == 1, text

            # Cancelled from `tasks`: it ends for good, and does not come back after a reload.
            ann.send("vigil")
            await ann.expect("You begin a long vigil.", within=WAIT)
            ann.send("tasks")
            listing = await ann.expect("durable flow", within=WAIT)
            assert "vigil" in listing and "pause 600" in listing, listing
            flow_id = listing.split("flow-")[1].split()[0]
            ann.send(f"tasks/cancel flow-{flow_id}")
            await ann.expect("[yes/no]", within=WAIT)
            ann.send("yes")
            await ann.expect(f"Durable flow flow-{flow_id} (vigil): cancelled.", within=WAIT)
            await reload(game, ann)
            ann.send("tasks")
            after = await ann.expect("No timed tasks.", within=WAIT)
            ann.send("tasks")  # the rest of the first listing comes before this one's answer
            after += await ann.expect("No timed tasks.", within=WAIT)
            assert "flow-" not in after and "vigil" not in after, after
        finally:
            await ann.close()


async def test_changed_code_stops_the_flow_with_a_message(tmp_path: Path) -> None:
    game = quest_game(tmp_path)
    with started(game) as status:
        ann = await new_player(status["telnet_port"], "ann")
        try:
            ann.send("quest")
            await ann.expect("What is your name?", within=WAIT)
            commands = game / "commands.py"
            # The first step is now a question where a pause was recorded.
            commands.write_text(
                commands.read_text().replace(
                    f'me.msg("Quest begins.")\n        yield {KILL_PAUSE}',
                    'me.msg("Quest begins.")\n        yield "Ready?"',
                )
            )
            await reload(game, ann)
            text = await ann.expect("It has been stopped.", within=WAIT)
            assert "quest cannot continue: the game's code changed" in text, text
            assert "Ready?" not in text and "Quest begins." not in text, text
            ann.send("tasks")
            assert "flow-" not in await ann.expect("No timed tasks.", within=WAIT)
        finally:
            await ann.close()
        log = (game / "server" / "logs").glob("*.log")
        lines = "".join(path.read_text() for path in log)
        assert "durable flow quest" in lines and "step 0 was recorded as pause" in lines, lines[
            -2000:
        ]


async def test_a_flow_that_is_not_durable_is_interrupted_by_a_reload_as_before(
    tmp_path: Path,
) -> None:
    game = quest_game(tmp_path)
    with started(game) as status:
        ann = await new_player(status["telnet_port"], "ann")
        try:
            ann.send("waitabit")
            await ann.expect("Waiting...", within=WAIT)
            await reload(game, ann)
            text = await ann.expect("waitabit was interrupted by the reload.", within=WAIT)
            assert "Done waiting." not in text
        finally:
            await ann.close()
