"""/metrics' text, read by prometheus_client's own parser: with a game and while none runs."""

from __future__ import annotations

import pytest

from ember.portal.admin.metrics import render_metrics

parser = pytest.importorskip("prometheus_client.parser")

PORTAL = {"sessions": 4, "started_at": 1700000000.5, "reload_seq": 2, "rss": 30_000_000}
HISTOGRAM = {"buckets": [["0.001", 3], ["0.01", 5], ["+Inf", 6]], "sum": 0.5, "count": 6}
GAME = {
    "rss": 50_000_000,
    "sessions": 4,
    "accounts_online": 3,
    "started": 1700000100.0,
    "commands_total": 1234,
    "lag": HISTOGRAM,
    "lateness": HISTOGRAM,
    "tasks": {"scheduled": 10, "paused": 2},
    "tasks_fired_total": 50,
    "tasks_failed_total": 1,
    "tasks_orphaned_total": 0,
    "tasks_cancelled_total": 7,
    "writers": {
        "tasks": {
            "pending": 9,
            "batches_total": 30,
            "rows_total": 70,
            "failures_total": 0,
            "last_commit": 0.004,
            "commit": {"buckets": [["0.005", 28], ["+Inf", 30]], "sum": 0.2, "count": 30},
        },
        "world": {
            "pending": 120,
            "batches_total": 4,
            "rows_total": 900,
            "failures_total": 1,
            "last_commit": 0.5,
            "commit": {"buckets": [["0.005", 0], ["+Inf", 4]], "sum": 1.5, "count": 4},
        },
    },
    "jobs_running": {"thread": 2},
    "jobs_finished_total": 5,
    "jobs_failed_total": 1,
}


def families(text: str) -> dict[str, object]:
    return {family.name: family for family in parser.text_string_to_metric_families(text)}


def test_a_running_game_is_reported_in_full() -> None:
    found = families(render_metrics(GAME, PORTAL))
    assert found["ember_commands"].type == "counter"
    assert found["ember_commands"].samples[0].value == 1234
    lag = found["ember_loop_lag_seconds"]
    assert lag.type == "histogram"
    buckets = {s.labels.get("le"): s.value for s in lag.samples if s.name.endswith("_bucket")}
    assert buckets == {"0.001": 3, "0.01": 5, "+Inf": 6}
    tasks = {s.labels["state"]: s.value for s in found["ember_tasks"].samples}
    assert tasks == {"paused": 2, "scheduled": 10}
    jobs = {s.labels["executor"]: s.value for s in found["ember_jobs_running"].samples}
    assert jobs == {"loop": 0, "thread": 2, "process": 0, "cluster": 0}
    memory = {s.labels["process"]: s.value for s in found["ember_resident_memory_bytes"].samples}
    assert memory == {"portal": 30_000_000, "game": 50_000_000}
    assert found["ember_game_up"].samples[0].value == 1


def test_both_stores_writers_have_a_queue_and_a_commit_time_histogram() -> None:
    found = families(render_metrics(GAME, PORTAL))
    queue = {s.labels["store"]: s.value for s in found["ember_writer_queue"].samples}
    assert queue == {"tasks": 9, "world": 120}
    assert found["ember_writer_batches"].type == "counter"
    failures = {s.labels["store"]: s.value for s in found["ember_writer_failures"].samples}
    assert failures == {"tasks": 0, "world": 1}
    last = {s.labels["store"]: s.value for s in found["ember_writer_last_commit_seconds"].samples}
    assert last == {"tasks": 0.004, "world": 0.5}
    commits = found["ember_writer_commit_seconds"]
    assert commits.type == "histogram"
    values = {
        (s.name.rpartition("_")[2], s.labels["store"], s.labels.get("le")): s.value
        for s in commits.samples
    }
    assert values[("bucket", "tasks", "0.005")] == 28
    assert values[("bucket", "world", "+Inf")] == values[("count", "world", None)] == 4
    assert values[("sum", "world", None)] == 1.5


def test_a_game_without_a_world_store_reports_the_task_writer_alone() -> None:
    game = {**GAME, "writers": {"tasks": GAME["writers"]["tasks"]}}  # type: ignore[index]
    found = families(render_metrics(game, PORTAL))
    assert [s.labels["store"] for s in found["ember_writer_queue"].samples] == ["tasks"]


def test_without_a_game_only_the_portal_answers() -> None:
    found = families(render_metrics(None, PORTAL))
    assert found["ember_game_up"].samples[0].value == 0
    assert "ember_commands" not in found
    assert found["ember_portal_sessions"].samples[0].value == 4
