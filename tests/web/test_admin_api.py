"""/admin's WebSocket and /metrics against a real server (started by the CLI), without a
browser: logins and their throttle, cookies, CSRF and Origin checks, unknown ids, thousands
of tasks paged, kicking a telnet player, and Prometheus' parser reading /metrics under load."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from admin_harness import (
    ADMIN,
    PLAYER,
    TOKEN,
    AdminClient,
    admin_cookie,
    aget,
    make_admin_game,
    telnet,
)
from support.cli_harness import aember, ember
from web_harness import PASSWORD, WebGame
from websockets.exceptions import InvalidStatus

from ember.portal.admin.auth import AdminLogins
from ember.portal.admin.socket import MAX_ANONYMOUS

prometheus = pytest.importorskip("prometheus_client.parser")


@pytest.fixture(scope="module")
def admin_game(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebGame]:
    game = make_admin_game(tmp_path_factory.mktemp("admin"))
    game.start()
    try:
        yield game
    finally:
        ember("stop", cwd=game.path)


async def scrape(game: WebGame) -> dict[str, Any]:
    """Read /metrics with prometheus_client's parser: {sample name + labels: value}."""
    status, headers, body = await aget(game, "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200, body
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    values = {}
    for family in prometheus.text_string_to_metric_families(body):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            values[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return values


async def test_metrics_need_the_token_and_move_under_load(admin_game: WebGame) -> None:
    assert (await aget(admin_game, "/metrics"))[0] == 401
    wrong = await aget(admin_game, "/metrics", {"Authorization": "Bearer nope"})
    assert wrong[0] == 401
    assert wrong[1]["www-authenticate"].startswith("Bearer")
    before = await scrape(admin_game)
    assert before["ember_game_up"] == 1
    assert before["ember_resident_memory_bytes{process=game}"] > 0
    assert before["ember_resident_memory_bytes{process=portal}"] > 0
    client = await telnet(admin_game, ADMIN)
    for _number in range(30):  # a burst of commands, and timed tasks that stay pending
        client.send("look")
    client.send("plant 25")
    await client.expect("Planted 25.")
    after = await scrape(admin_game)
    await client.close()
    assert after["ember_commands_total"] >= before["ember_commands_total"] + 31
    assert after["ember_tasks{state=scheduled}"] >= before["ember_tasks{state=scheduled}"] + 25
    assert after["ember_loop_lag_seconds_count"] > before["ember_loop_lag_seconds_count"]
    assert after["ember_loop_lag_seconds_bucket{le=+Inf}"] == after["ember_loop_lag_seconds_count"]
    assert after["ember_accounts_online"] >= 1
    assert "ember_writer_queue{store=tasks}" in after
    assert "ember_jobs_running{executor=thread}" in after


async def test_metrics_time_the_commits_of_the_task_and_world_stores(
    admin_game: WebGame,
) -> None:
    before = await scrape(admin_game)
    for store in ("tasks", "repeats", "world"):
        count = before[f"ember_writer_commit_seconds_count{{store={store}}}"]
        assert before[f"ember_writer_commit_seconds_bucket{{le=+Inf,store={store}}}"] == count
        assert before[f"ember_writer_queue{{store={store}}}"] >= 0
    client = await telnet(admin_game, ADMIN)
    client.send("plant 3 kept")  # persistent: three task rows to commit
    await client.expect("Planted 3.")
    for number in range(3):  # new objects: world rows to commit
        client.send(f"create lantern{number}")
        await client.expect(f"lantern{number}")
    page = await AdminClient.open(admin_game, await admin_cookie(admin_game))
    moved: dict[str, Any] = {}
    for _push in range(20):  # the stores commit on their own: look again at each push
        after = await scrape(admin_game)
        moved = {
            store: after[f"ember_writer_commit_seconds_count{{store={store}}}"]
            - before[f"ember_writer_commit_seconds_count{{store={store}}}"]
            for store in ("tasks", "world")
        }
        if all(moved.values()):
            break
        await page.next_samples()
    assert moved["tasks"] >= 1 and moved["world"] >= 1, moved
    for store in ("tasks", "world"):
        batches = after[f"ember_writer_batches_total{{store={store}}}"]
        assert after[f"ember_writer_commit_seconds_count{{store={store}}}"] == batches
        assert after[f"ember_writer_commit_seconds_sum{{store={store}}}"] > 0
        assert after[f"ember_writer_last_commit_seconds{{store={store}}}"] > 0
    samples: list[dict[str, Any]] = []
    for _push in range(20):  # a push between two samples carries none: wait for one that does
        if samples := (await page.next_samples())["samples"]:
            break
    assert {"task_writer_queue", "task_commit_p99", "world_commit_p99"} <= set(samples[-1])
    assert samples[-1]["task_commit_p99"] > 0 and samples[-1]["world_commit_p99"] > 0
    await page.close()
    await client.close()


async def test_an_admin_logs_in_and_a_player_or_wrong_password_does_not(
    admin_game: WebGame,
) -> None:
    page = await AdminClient.open(admin_game)
    assert page.hello["account"] is None
    wrong = await page.call("login", name=ADMIN, password="not-it-at-all")
    assert wrong["error"] == "Wrong account name or password."
    player = await page.call("login", name=PLAYER, password=PASSWORD)
    assert player["error"] == "This account may not use the admin page."
    before_login = await page.call("sessions")  # nothing but `login` before a session
    assert "expired" in before_login["error"] or "log in" in before_login["error"].lower()
    await page.close()
    cookie = await admin_cookie(admin_game)
    page = await AdminClient.open(admin_game, cookie)
    assert page.hello["account"] == ADMIN
    assert page.csrf
    first = await page.next_samples()
    second = await page.next_samples()  # pushed again a second later, newer samples only
    assert second["samples"] and second["samples"][0]["time"] > max(
        [s["time"] for s in first["samples"]] or [0]
    )
    assert await page.ok("logout") == "Logged out."
    await page.close()
    again = await AdminClient.open(admin_game, cookie)  # the cookie died with the logout
    assert again.hello["account"] is None
    await again.close()


async def test_wrong_passwords_are_throttled(admin_game: WebGame) -> None:
    page = await AdminClient.open(admin_game)
    errors = [
        (await page.call("login", name="nobody", password=f"guess-{n}"))["error"] for n in range(7)
    ]
    await page.close()
    assert errors[0] == "Wrong account name or password."
    assert errors[-1].startswith("Too many failed logins")


async def test_forged_and_reused_credentials_are_refused(admin_game: WebGame) -> None:
    cookie = await admin_cookie(admin_game)
    name, _, value = cookie.partition("=")
    token, _, signature = value.partition(".")
    forged = f"{name}={token}.{'0' * len(signature)}"
    for bad in (forged, f"{name}=made-up.value", f"{name}=", "junk"):
        page = await AdminClient.open(admin_game, bad)
        assert page.hello["account"] is None, bad
        await page.close()
    # A ticket works once, and not from a page on another site.
    page = await AdminClient.open(admin_game)
    ticket = (await page.ok("login", name=ADMIN, password=PASSWORD))["ticket"]
    await page.close()
    cross = await aget(
        admin_game, f"/admin/session?ticket={ticket}", {"Sec-Fetch-Site": "cross-site"}
    )
    assert cross[0] == 403
    assert (await aget(admin_game, f"/admin/session?ticket={ticket}"))[0] == 303
    assert (await aget(admin_game, f"/admin/session?ticket={ticket}"))[0] == 403
    assert (await aget(admin_game, "/admin/session?ticket=made-up"))[0] == 403


async def test_other_origins_and_missing_csrf_tokens_are_refused(admin_game: WebGame) -> None:
    cookie = await admin_cookie(admin_game)
    with pytest.raises(InvalidStatus) as refused:
        await AdminClient.open(admin_game, cookie, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    page = await AdminClient.open(admin_game, cookie)
    for token in (None, "forged-token"):
        reply = await page.call("sessions", csrf=token)
        assert "CSRF" in reply["error"]
    status, headers, body = await aget(admin_game, "/admin")
    assert status == 200 and "Ember admin" in body
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    await page.close()


async def test_unknown_ids_and_requests_get_a_clear_message(admin_game: WebGame) -> None:
    page = await AdminClient.open(admin_game, await admin_cookie(admin_game))
    assert "No session 999999" in (await page.call("kick", sid=999999))["error"]
    assert "No task 999999" in (await page.call("task", id=999999, action="pause"))["error"]
    assert "Unknown task action" in (await page.call("task", id=1, action="explode"))["error"]
    assert "No running background job" in (await page.call("job_cancel", key="job-999"))["error"]
    assert "Unknown request" in (await page.call("drop_tables"))["error"]
    assert await page.ok("world_object", id=999999) is None
    assert await page.ok("world_search", query="#999999") == []
    room = await page.ok("world_search", query="#1")
    assert room[0]["id"] == 1
    assert (await page.ok("world_object", id=1))["key"] == room[0]["key"]
    await page.close()


async def test_thousands_of_tasks_come_a_page_at_a_time(admin_game: WebGame) -> None:
    client = await telnet(admin_game, ADMIN)
    client.send("plant 3000")
    await client.expect("Planted 3000.")
    page = await AdminClient.open(admin_game, await admin_cookie(admin_game))
    first = await page.ok("tasks", callback="grow", limit=100000)
    assert first["total"] >= 3000
    assert len(first["rows"]) == 200  # the page's bound, whatever is asked
    later = await page.ok("tasks", callback="grow", offset=2900, limit=50)
    assert len(later["rows"]) == 50
    assert later["rows"][0]["id"] > first["rows"][-1]["id"]
    # Pause one from the page: `tasks` over telnet shows it paused; then cancel it.
    task_id = first["rows"][0]["id"]
    assert "pause done" in await page.ok("task", id=task_id, action="pause")
    client.send(f"tasks/pause {task_id}")
    await client.expect("?")  # the command asks to confirm the same task...
    client.send("yes")
    await client.expect("nothing to pause (paused)")  # ...which the page has paused
    assert "cancel done" in await page.ok("task", id=task_id, action="cancel")
    paused = await page.ok("tasks", state="paused")
    assert task_id not in [row["id"] for row in paused["rows"]]
    await page.close()
    await client.close()


async def test_an_admin_kicks_a_telnet_player(admin_game: WebGame) -> None:
    victim = await telnet(admin_game, PLAYER)
    page = await AdminClient.open(admin_game, await admin_cookie(admin_game))
    rows = await page.ok("sessions")
    mine = [row for row in rows if row["account"] == PLAYER]
    assert mine and mine[0]["protocol"] == "telnet"
    assert "disconnected" in await page.ok("kick", sid=mine[0]["sid"])
    assert "disconnected by an administrator" in await victim.closed()
    await page.close()


def test_logins_expire_and_cookies_are_signed() -> None:
    now = [1000.0]
    logins = AdminLogins(clock=lambda: now[0])
    redeemed = logins.redeem(logins.ticket("boss"))
    assert redeemed is not None
    login, cookie = redeemed
    header = f"ember_admin={cookie}"
    assert logins.from_cookie_header(header) is login
    now[0] += 29 * 60  # used within the idle time: still good, and the clock restarts
    assert logins.from_cookie_header(header) is login
    now[0] += 31 * 60
    assert logins.from_cookie_header(header) is None  # idle too long
    stale = logins.ticket("boss")
    now[0] += 31
    assert logins.redeem(stale) is None  # a ticket lives 30 s


async def test_metrics_are_off_unless_enabled(web_game: WebGame) -> None:
    status, _, _ = await aget(web_game, "/metrics")
    assert status == 404


async def test_a_failed_task_shows_its_error_and_is_retried(admin_game: WebGame) -> None:
    client = await telnet(admin_game, ADMIN)
    client.send("flaky")
    said = await client.expect("failed as planned.")
    task_id = int(said.rpartition("Task ")[2].split()[0])
    page = await AdminClient.open(admin_game, await admin_cookie(admin_game))
    failed = await page.ok("tasks", state="failed", callback="flaky")
    row = next(row for row in failed["rows"] if row["id"] == task_id)
    assert row["error"] == "RuntimeError: the first try fails"
    client.send("plant 1")
    await client.expect("Planted 1.")
    waiting = (await page.ok("tasks", state="scheduled", callback="grow"))["rows"][0]["id"]
    refused = await page.call("task", id=waiting, action="retry")
    assert "only failed or orphaned tasks retry" in refused["error"]
    retried = await page.ok("task", id=task_id, action="retry")
    assert retried.startswith(f"Task {task_id} (") and "retried as task" in retried
    again = await page.ok("tasks", state="failed", callback="flaky")
    assert task_id not in [row["id"] for row in again["rows"]]
    await page.close()
    await client.close()


async def test_a_crowd_at_the_login_form_cannot_keep_an_admin_out(admin_game: WebGame) -> None:
    cookie = await admin_cookie(admin_game)
    crowd = [await AdminClient.open(admin_game) for _ in range(MAX_ANONYMOUS)]
    with pytest.raises(InvalidStatus) as refused:
        await AdminClient.open(admin_game)
    assert refused.value.response.status_code == 503
    admin = await AdminClient.open(admin_game, cookie)  # a logged-in page still gets in
    assert admin.hello["account"] == ADMIN
    assert isinstance(await admin.ok("sessions"), list)
    for page in [*crowd, admin]:
        await page.close()


async def test_the_page_outlives_a_reload_and_actions_are_logged(admin_game: WebGame) -> None:
    page = await AdminClient.open(admin_game, await admin_cookie(admin_game))
    await page.next_samples()
    status, out, err = await aember("reload", cwd=admin_game.path)
    assert status == 0, out + err
    reloaded = await page.ok("overview")  # the same login: the portal kept it
    started = reloaded["started"]
    assert reloaded["commands_total"] == 0  # a new game process counts afresh
    while True:  # pushes go on: the first ones after the reload carry the new game's samples
        pushed = await page.next_samples()
        if pushed["samples"] and pushed["started"] == started:
            break
    assert all(sample["time"] > started for sample in pushed["samples"])
    assert pushed["last_reload"]["ok"] is True
    client = await telnet(admin_game, ADMIN)
    client.send("plant 1")
    await client.expect("Planted 1.")
    await client.close()
    task_id = (await page.ok("tasks", state="scheduled", callback="grow"))["rows"][0]["id"]
    await page.ok("task", id=task_id, action="pause")
    await page.close()
    portal_log = (admin_game.path / "server" / "logs" / "portal.log").read_text()
    game_log = (admin_game.path / "server" / "logs" / "game.log").read_text()
    assert f"admin page: {ADMIN} logged in from 127.0.0.1" in portal_log
    asked = f"admin page: {ADMIN} (127.0.0.1:"  # who, from where, what
    assert any(
        asked in line and f"asks task {{'id': {task_id}" in line for line in portal_log.splitlines()
    )
    assert f"admin page: {ADMIN} did pause on task {task_id} (" in game_log


async def test_a_background_job_is_listed_with_its_progress_and_cancelled(
    admin_game: WebGame,
) -> None:
    client = await telnet(admin_game, ADMIN)
    client.send("trudge")
    await client.expect("Trudging off.")
    page = await AdminClient.open(admin_game, await admin_cookie(admin_game))
    jobs = (await page.ok("jobs"))["jobs"]
    job = next(job for job in jobs if job["name"].endswith("trudge"))
    assert job["executor"] == "thread"
    assert job["owner"] and job["owner"].startswith("account:")
    assert "cancelled" in await page.ok("job_cancel", key=job["key"])
    await client.expect("Trudge stopped: CancelledError.")
    left = (await page.ok("jobs"))["jobs"]
    assert job["key"] not in [other["key"] for other in left]
    await page.close()
    await client.close()


async def test_flows_show_what_they_wait_on_and_are_cancelled(admin_game: WebGame) -> None:
    page = await AdminClient.open(admin_game, await admin_cookie(admin_game))
    assert "flows" in await page.ok("jobs")  # watched from now: pauses are timed
    client = await telnet(admin_game, ADMIN)
    client.send("linger")
    await client.expect("Lingering.")
    client.send("linger job")
    await client.expect("Lingering.")
    client.send("quiz")
    await client.expect("What is your quest?")
    flows = {flow["name"]: flow for flow in (await page.ok("jobs"))["flows"]}
    assert flows["linger"]["waits"] == "a pause of 600 s"
    assert 0 < flows["linger"]["remaining"] <= 600
    assert flows["quest"]["waits"] == "an answer to 'What is your quest?'"
    assert flows["quest"]["remaining"] is None
    assert flows["haul"]["waits"].startswith("background job ")
    assert "trudge, thread)" in flows["haul"]["waits"]
    assert all(flow["caller"] == ADMIN for flow in flows.values())

    unknown = await page.call("flow_cancel", number=10**9)
    assert unknown["error"] == "No running interactive function 1000000000: it has ended."
    wrong = await page.call("flow_cancel", number="linger")
    assert "No running interactive function 'linger'" in wrong["error"]
    for name in ("linger", "quest"):
        done = await page.ok("flow_cancel", number=flows[name]["number"])
        assert done == f"Interactive function {flows[name]['number']} ({name}) cancelled."
        await client.expect(f"{name} was stopped by an administrator.")
    client.send("say still here")  # the question went with its function: a command again
    await client.expect('You say, "still here"')
    left = {flow["name"] for flow in (await page.ok("jobs"))["flows"]}
    assert "linger" not in left and "quest" not in left and "haul" in left
    again = await page.call("flow_cancel", number=flows["linger"]["number"])
    assert "it has ended" in again["error"]  # a number is never given to another function
    await page.ok("flow_cancel", number=flows["haul"]["number"])
    await page.close()
    await client.close()
    game_log = (admin_game.path / "server" / "logs" / "game.log").read_text()
    assert f"admin page: {ADMIN} cancelled interactive function" in game_log
