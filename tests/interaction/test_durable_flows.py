"""Durable flows in one process: journaled on a real SQLite task store, "restarted" by
suspending them and attaching the store again, as a reload does, on a virtual clock."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

import pytest

from ember import flow_now, flow_random, interactive, run_async, sleep
from ember.errors import NotPersistableError
from ember.interaction import (
    ResumeReport,
    ask_caller,
    ask_yes_no,
    durable_flows,
    get_flows,
    questions,
)
from ember.offload import Offloader, install_offloader
from ember.scheduling import get_scheduler
from ember.scheduling._sqlite import SqliteTaskStore
from ember.testing import ScriptedCaller, virtual_time
from ember.testing._clock import VirtualClock, settle


class Player(ScriptedCaller):
    """A scripted caller that is a persistent entity, found again after a restart."""

    entity_kind = "tester"

    def __init__(self, ident: int, *answers: Any) -> None:
        super().__init__(*answers)
        self.entity_id = ident


@interactive(durable=True)
def quest(caller: Player) -> Any:
    caller.msg("begin")
    yield 5
    name = yield "Name?"
    caller.msg(f"hello {name}")
    luck = yield flow_random()
    when = yield flow_now()
    yield 5
    caller.msg(f"end {luck} {when}")
    return name


@interactive(durable=True)
async def async_quest(caller: Player) -> Any:
    caller.msg("a-begin")
    await sleep(5)
    sure = await ask_yes_no("Sure?")
    name = await ask_caller(caller, "Name?")  # as caller.ask() does
    luck = await flow_random()
    await sleep(5)
    caller.msg(f"a-end {sure} {name} {luck}")
    return sure


@interactive(durable=True)
def bad_yield(caller: Player) -> Any:
    try:
        yield object()
    except TypeError as error:
        caller.msg(f"refused: {error}")
        raise


GATE: list[asyncio.Event] = []


@interactive(durable=True)
async def no_steps(caller: Player) -> Any:
    caller.msg("idling")
    await GATE[0].wait()  # not a step: nothing is recorded for it
    return 1


@interactive(durable=True)
def endless(caller: Player) -> Any:
    while True:
        yield 0


BREWED: list[int] = []


def brew(amount: int) -> int:
    BREWED.append(amount)
    return amount * 2


def make_thing() -> object:
    return object()


@interactive(durable=True)
def brewing(caller: Player) -> Any:
    result = yield run_async(brew, 21, executor="thread")
    caller.msg(f"brewed {result}")
    word = yield "Stir?"
    caller.msg(f"stirred {word}")
    try:
        yield run_async(make_thing, executor="thread")
    except TypeError as error:
        caller.msg(str(error))


class Game:
    """One "process": a store attached to the durable flows, restartable."""

    def __init__(self, path: Path, clock: VirtualClock, players: dict[int, Player]) -> None:
        self.path, self.clock, self.players = path, clock, players
        self.store: SqliteTaskStore | None = None

    async def start(self) -> ResumeReport:
        self.store = SqliteTaskStore(self.path)
        await self.store.open()
        flows = durable_flows()
        return flows.resume(await flows.attach(self.store))

    async def stop(self) -> None:
        durable_flows().suspend_all()
        await get_flows().cancel_all()
        questions.cancel_all()
        await durable_flows().close()
        assert self.store is not None
        await self.store.close()

    async def restart(self) -> ResumeReport:
        await self.stop()
        return await self.start()

    def rows(self) -> tuple[int, int]:
        with closing(sqlite3.connect(self.path)) as conn:
            flows = conn.execute("SELECT count(*) FROM ember_flows").fetchone()[0]
            steps = conn.execute("SELECT count(*) FROM ember_flow_steps").fetchone()[0]
        return flows, steps


@asynccontextmanager
async def game(tmp_path: Path, *players: Player) -> AsyncIterator[tuple[Game, VirtualClock]]:
    async with virtual_time() as clock:
        registry = get_scheduler().entities
        by_id = {player.entity_id: player for player in players}
        registry.register("tester", by_id.get)
        running = Game(tmp_path / "tasks.db", clock, by_id)
        await running.start()
        try:
            yield running, clock
        finally:
            await running.stop()
            registry.unregister("tester")


async def until(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds: each round lets the loop run what is ready and waits
    for the journal's queued writes (committed in the store's thread) to be durable."""
    for _ in range(200):
        if condition():
            return
        await settle()
        journal = durable_flows().journal
        if journal is not None:
            await journal.flush()
    raise AssertionError("the condition never held")


async def test_a_flow_resumes_where_it_was_with_nothing_repeated(tmp_path: Path) -> None:
    ann = Player(1)
    async with game(tmp_path, ann) as (running, clock):
        quest(ann)
        await until(lambda: ann.messages == ["begin"])
        report = await running.restart()  # in the first pause
        assert report.resumed == 1
        await clock.advance(5)
        await until(lambda: ann.questions == ["Name?"])
        await running.restart()  # the question waits: asked again
        await until(lambda: ann.questions == ["Name?", "Name?"])
        assert ann.say("Ann")
        await until(lambda: running.rows() == (1, 5))  # the second pause began
        await running.restart()  # in the second pause, the random value recorded
        await clock.advance(5)
        await until(lambda: len(ann.messages) == 3)
        luck, when = ann.messages[2].split()[1:]
        assert ann.messages == ["begin", "hello Ann", f"end {luck} {when}"]
        assert float(when) == clock.wall() - 5  # flow_now() as it was before the restart
        await until(lambda: running.rows() == (0, 0))  # ended: its journal is gone


async def test_an_async_def_flow_replays_its_awaits(tmp_path: Path) -> None:
    bob = Player(2)
    async with game(tmp_path, bob) as (running, clock):
        async_quest(bob)
        await until(lambda: bob.messages == ["a-begin"])
        await clock.advance(5)
        await until(lambda: len(bob.questions) == 1)
        bob.say("y")
        await until(lambda: len(bob.questions) == 2)
        bob.say("Bob")
        await until(lambda: running.rows()[1] >= 4)  # pause, two answers, random value
        await running.restart()
        await clock.advance(5)
        await until(lambda: len(bob.messages) == 2)
        assert bob.messages[1].startswith("a-end True Bob 0.")
        assert bob.questions == ["Sure? [y/n] ", "Name?"]


async def test_a_pause_goes_on_with_the_time_it_had_left(tmp_path: Path) -> None:
    ann = Player(1, "x")
    async with game(tmp_path, ann) as (running, clock):
        quest(ann)
        await until(lambda: running.rows() == (1, 1))  # the pause began: its end is stored
        await clock.advance(3)
        await running.restart()
        await clock.advance(1.5)
        assert ann.questions == []  # 0.5 s of the pause left
        await clock.advance(0.5)
        await until(lambda: ann.questions == ["Name?"])


async def test_changed_code_stops_the_flow_and_says_which_step(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ann = Player(1)
    async with game(tmp_path, ann) as (running, clock):
        quest(ann)
        await until(lambda: running.rows() == (1, 1))
        await running.stop()
        with closing(sqlite3.connect(running.path)) as conn, conn:  # as if the code had said 7
            conn.execute("UPDATE ember_flow_steps SET key = '7.0' WHERE seq = 0")
        await running.start()
        await until(lambda: len(ann.messages) == 2)
        assert ann.messages[1] == (
            "quest cannot continue: the game's code changed since it started (step 1 is "
            "different now). It has been stopped."
        )
        assert (
            "step 0 was recorded as pause '7.0', the code now asks for pause '5.0'" in caplog.text
        )
        await until(lambda: running.rows() == (0, 0))
        await clock.advance(10)
        assert ann.questions == []  # never a wrong continuation


async def test_a_damaged_journal_stops_that_flow_and_the_others_resume(tmp_path: Path) -> None:
    ann, bob, cid = Player(1), Player(2), Player(3)
    async with game(tmp_path, ann, bob, cid) as (running, clock):
        for player in (ann, bob, cid):
            quest(player)
        await until(lambda: running.rows() == (3, 3))
        await clock.advance(5)
        await until(lambda: len(ann.questions) == len(bob.questions) == len(cid.questions) == 1)
        await running.stop()
        with closing(sqlite3.connect(running.path)) as conn, conn:
            ids = [
                row[0] for row in conn.execute("SELECT id, owner FROM ember_flows ORDER BY owner")
            ]
            conn.execute(
                "UPDATE ember_flow_steps SET value = '{not json' WHERE flow = ?", (ids[0],)
            )
            conn.execute("UPDATE ember_flow_steps SET kind = 'dance' WHERE flow = ?", (ids[1],))
        report = await running.start()
        assert (report.resumed, report.stopped) == (2, 1)  # the unknown kind: at once
        await until(lambda: any("record is damaged" in m for m in ann.messages))
        assert any("could not continue after the restart" in m for m in bob.messages)
        await until(lambda: len(cid.questions) == 2)  # the third goes on: asked again
        cid.say("Cid")
        await until(lambda: "hello Cid" in cid.messages)
        assert len(ann.questions) == len(bob.questions) == 1


async def test_an_unrecordable_yield_is_refused_at_the_yield(tmp_path: Path) -> None:
    ann = Player(1)
    async with game(tmp_path, ann) as (running, _):
        flow = bad_yield(ann)
        with pytest.raises(TypeError, match="journal cannot record"):
            await flow
        assert ann.messages[0].startswith("refused: durable flow bad_yield waited on <object")
        await until(lambda: running.rows() == (0, 0))  # it ended: its row is gone


async def test_arguments_that_cannot_be_stored_are_refused_at_the_call(tmp_path: Path) -> None:
    async with game(tmp_path) as _:
        with pytest.raises(NotPersistableError, match="argument args\\[0\\]"):
            quest(ScriptedCaller())  # not an entity: it could not be found again


async def test_a_flow_that_never_reaches_a_step_keeps_one_row_and_none_once_ended(
    tmp_path: Path,
) -> None:
    ann = Player(1)
    async with game(tmp_path, ann) as (running, clock):
        GATE[:] = [asyncio.Event()]
        flow = no_steps(ann)
        await until(lambda: ann.messages == ["idling"])
        assert running.rows() == (1, 0)  # stored before its code ran
        await clock.advance(3600)
        await until(lambda: True)
        assert running.rows() == (1, 0)  # no growth while it waits on something else
        GATE[0].set()
        assert await flow == 1
        await until(lambda: running.rows() == (0, 0))


async def test_journal_length_and_flows_per_player_are_bounded(tmp_path: Path) -> None:
    ann = Player(1)
    async with game(tmp_path, ann) as (running, _):
        flows = durable_flows()
        flows.max_steps, flows.max_per_owner = 20, 3
        try:
            await endless(ann)
            assert ann.messages[-1] == "endless took more than 20 steps and was stopped there."
            await until(lambda: running.rows() == (0, 0))
            started = [quest(ann) for _ in range(3)]
            with pytest.raises(Exception, match="3 durable flows"):
                quest(ann)
            assert "You have 3 lasting activities under way" in ann.messages[-1]
            for flow in started:
                flow.cancel()
            await asyncio.gather(*started, return_exceptions=True)
            await until(lambda: running.rows() == (0, 0))  # cancelled: ended for good
        finally:
            flows.max_steps, flows.max_per_owner = 1000, None


async def test_a_finished_job_is_not_run_again_and_its_result_is_replayed(tmp_path: Path) -> None:
    ann = Player(1)
    offloader = install_offloader(Offloader(threads=1, processes=1))
    try:
        async with game(tmp_path, ann) as (running, _):
            BREWED.clear()
            brewing(ann)
            await until(lambda: ann.questions == ["Stir?"])
            await running.restart()
            await until(lambda: ann.questions == ["Stir?", "Stir?"])
            assert BREWED == [21]  # the replay took the recorded result
            ann.say("well")
            await until(lambda: len(ann.messages) == 3)
            assert ann.messages[:2] == ["brewed 42", "stirred well"]
            refused = "step 2 (job test_durable_flows.make_thing) cannot be recorded"
            assert f"{refused}: the outcome is a object" in ann.messages[2]
    finally:
        await offloader.close()


async def test_a_flow_stored_before_its_first_step_replays_quietly_to_it(tmp_path: Path) -> None:
    """As after a crash right after `begin` was said, before the pause's row was stored."""
    ann = Player(1)
    async with game(tmp_path, ann) as (running, clock):
        await running.stop()
        ref = '{"function":"test_durable_flows:quest"}'
        with closing(sqlite3.connect(running.path)) as conn, conn:
            conn.execute(
                "INSERT INTO ember_flows VALUES ('abc', ?, ?, '{}', 'tester:1', 'quest', 0)",
                (ref, '[{"$entity":["tester",1]}]'),
            )
        assert (await running.start()).resumed == 1
        await clock.advance(5)
        await until(lambda: ann.questions == ["Name?"])
        assert ann.messages == []  # "begin" was said before the crash: not again


async def test_damage_that_is_valid_json_stops_only_that_flow(tmp_path: Path) -> None:
    ann, bob, cid = Player(1), Player(2), Player(3)
    async with game(tmp_path, ann, bob, cid) as (running, clock):
        for player in (ann, bob, cid):
            quest(player)
        await until(lambda: running.rows() == (3, 3))
        await clock.advance(5)
        await until(lambda: len(ann.questions) == len(bob.questions) == len(cid.questions) == 1)
        await running.stop()
        with closing(sqlite3.connect(running.path)) as conn, conn:  # all parsed in one go
            ids = [row[0] for row in conn.execute("SELECT id FROM ember_flows ORDER BY owner")]
            conn.execute("UPDATE ember_flow_steps SET value = '5' WHERE flow = ?", (ids[0],))
            conn.execute("UPDATE ember_flows SET args = '{}' WHERE id = ?", (ids[1],))
        report = await running.start()
        assert (report.resumed, report.stopped) == (2, 1)
        await until(lambda: any("record is damaged" in m for m in ann.messages))
        assert any("could not continue after the restart" in m for m in bob.messages)
        await until(lambda: len(cid.questions) == 2)
        assert gc.isenabled()  # back on once the resumed flows are live
