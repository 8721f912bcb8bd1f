"""Reload: the game flushes and exits; the next one restores sessions and tasks."""

from __future__ import annotations

from pathlib import Path

from gamekit import make_developer, running_game, session_dict

from ember.testing import VirtualClock

START = 1_800_000_000.0


async def test_reload_command_hands_over_to_the_portal(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await make_developer(game, "Dev")
        await game.login(1, "Dev", new=False)
        await game.login(2, "Ann")
        await game.portal.line(1, "reload")
        message = await game.portal.expect_named("reload")
        assert message.kwargs == {"by": "Dev"}
        assert await game.stopped() == "reload"
        assert not (tmp_path / "server" / "game-status.json").exists()


async def test_sync_after_reload_keeps_sessions_logged_in(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        await game.portal.connect(3)  # still at the login screen
    sessions = [
        session_dict(1, account="Ann"),
        session_dict(2, account="Bob"),
        session_dict(3),
    ]
    async with running_game(tmp_path, sessions=sessions, reason="reload") as game:
        await game.portal.command(1, "say back", 'You say, "back"')
        await game.portal.expect(2, 'Ann says, "back"')
        await game.portal.command(2, "who", "2 accounts online.")
        await game.portal.command(3, "look", "Unknown command 'look'")
        assert not [m for m in game.portal.received if m.name == "login"]  # no re-login


async def test_persistent_delay_survives_a_reload_and_fires_to_the_session(tmp_path: Path) -> None:
    clock = VirtualClock(START)
    async with running_game(tmp_path, clock=clock) as game:
        await make_developer(game, "Dev")
        await game.login(1, "Dev", new=False)
        text = await game.portal.command(1, 'py delay(60, me.msg, "hi", persistent=True)', ">>>")
        assert "<Task" in text and "persistent scheduled" in text
        await game.portal.line(1, "reload")
        await game.portal.expect_named("reload")
        assert await game.stopped() == "reload"
    clock = VirtualClock(START + 10)  # ten seconds pass while the new process starts
    sessions = [session_dict(1, account="Dev")]
    async with running_game(tmp_path, clock=clock, sessions=sessions, reason="reload") as game:
        me = game.character("Dev")
        [task] = game.server.scheduler.tasks(owner=f"{me.entity_kind}:{me.id}")
        assert task.persistent and 49 < task.remaining <= 50
        await clock.advance(49)
        assert "hi" not in game.portal.texts(1)
        await clock.advance(1)
        assert await game.portal.expect(1, "hi") == "hi"


async def test_an_overdue_task_reaches_the_restored_session(tmp_path: Path) -> None:
    clock = VirtualClock(START)
    async with running_game(tmp_path, clock=clock) as game:
        await make_developer(game, "Dev")
        await game.login(1, "Dev", new=False)
        await game.portal.command(1, 'py delay(5, me.msg, "late", persistent=True)', ">>>")
    clock = VirtualClock(START + 100)
    sessions = [session_dict(1, account="Dev")]
    async with running_game(tmp_path, clock=clock, sessions=sessions, reason="crash") as game:
        await clock.advance(0)
        assert await game.portal.expect(1, "late") == "late"


async def test_link_lost_stops_the_game(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.close()
        assert await game.stopped() == "link-lost"


async def test_a_reload_interrupts_a_pending_question(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await make_developer(game, "Dev")
        await game.login(1, "Dev", new=False)
        await game.login(2, "Ann")
        ann = game.server.accounts.registry.by_name("Ann")
        assert ann is not None
        task = game.server.scheduler.delay(60, ann.msg, "x")
        await game.portal.command(2, f"tasks/cancel {task.id}", "[yes/no]")
        await game.portal.line(1, "reload")
        assert await game.stopped() == "reload"
        assert game.portal.received[-1].name == "reload"  # after every text, last
        assert not [t for t in game.portal.texts(2) if "interrupted" in t]
    # The player hears of it once the game is back.
    sessions = [session_dict(1, account="Dev"), session_dict(2, account="Ann")]
    async with running_game(tmp_path, sessions=sessions, reason="reload") as game:
        await game.portal.expect(2, "tasks was interrupted by the reload.")
        await game.portal.command(2, "say back", 'You say, "back"')  # nothing waits for input


async def test_the_portal_asks_for_reload_and_shutdown(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.send("reload", by="ember reload")
        assert (await game.portal.expect_named("reload")).kwargs == {"by": "ember reload"}
        assert await game.stopped() == "reload"
    async with running_game(tmp_path, sessions=[session_dict(1, account="Ann")]) as game:
        await game.portal.command(1, "look", "Here: you.")
        await game.portal.send("shutdown", by="ember stop")
        assert (await game.portal.expect_named("shutdown")).kwargs == {"by": "ember stop"}
        assert await game.stopped() == "shutdown"


async def test_persistent_callbacks_in_game_modules_and_packages(tmp_path: Path) -> None:
    (tmp_path / "world").mkdir()  # a namespace package: no __init__.py
    (tmp_path / "world" / "weather.py").write_text(
        "def rain(account):\n    account.msg('It rains.')\n"
    )
    clock = VirtualClock(START)
    async with running_game(tmp_path, clock=clock) as game:
        assert "world" in game.server.scheduler.trusted_modules  # type: ignore[operator]
        await make_developer(game, "Dev")
        await game.login(1, "Dev", new=False)
        code = "py import world.weather; delay(5, world.weather.rain, me, persistent=True)"
        await game.portal.command(1, code, "persistent scheduled world.weather.rain")
    clock = VirtualClock(START)
    sessions = [session_dict(1, account="Dev")]
    async with running_game(tmp_path, clock=clock, sessions=sessions) as game:
        await clock.advance(5)
        await game.portal.expect(1, "It rains.")


async def test_lines_reaching_a_stopping_game_are_handed_back_in_order(tmp_path: Path) -> None:
    """Issue 10: the game says `stopping` before its flush; lines the portal sent before it
    heard that are not run but come back as `unread`, until the portal's `held`."""
    async with running_game(tmp_path) as game:
        ready = await game.portal.expect_named("ready")  # store open, commands loaded
        assert ready.kwargs == {"commands_error": None}
        await game.login(1, "Ann")
        game.portal.auto_held = False
        game.server.stop("shutdown", by="test")
        stopping = await game.portal.expect_named("stopping")
        assert stopping.kwargs == {"kind": "shutdown", "by": "test"}
        for number in range(3):
            await game.portal.line(1, f"say late-{number}")
        await game.portal.send("held")
        await game.portal.expect_named("shutdown")
        unread = [m.args for m in game.portal.received if m.name == "unread"]
        assert unread == [(1, f"say late-{n}") for n in range(3)]
        assert not any("late-" in text for text in game.portal.texts(1))  # none was run
        assert await game.stopped() == "shutdown"
