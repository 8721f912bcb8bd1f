"""/metrics: the game's and the portal's measurements in Prometheus' text format (version 0.0.4).

Written here rather than with ``prometheus_client`` so the portal needs no extra package;
the tests read the output with ``prometheus_client``'s own parser. Names start with
``ember_``; seconds and bytes are the units, as Prometheus' conventions ask.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["CONTENT_TYPE", "render_metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: Any) -> str:
    number = float(value)
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    return repr(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]

    def sample(self, name: str, value: Any, **labels: str) -> None:
        inner = ",".join(f'{key}="{_escape(str(text))}"' for key, text in labels.items())
        self.lines.append(
            f"{name}{{{inner}}} {_number(value)}" if inner else f"{name} {_number(value)}"
        )

    def simple(self, name: str, kind: str, help_text: str, value: Any) -> None:
        # Counters are declared and sampled as NAME_total, as prometheus_client writes them.
        full = f"{name}_total" if kind == "counter" else name
        self.family(full, kind, help_text)
        self.sample(full, value)

    def histogram(self, name: str, help_text: str, data: dict[str, Any]) -> None:
        self.family(name, "histogram", help_text)
        self.histogram_samples(name, data)

    def histogram_samples(self, name: str, data: dict[str, Any], **labels: str) -> None:
        for bound, count in data["buckets"]:
            self.sample(f"{name}_bucket", count, **labels, le=str(bound))
        self.sample(f"{name}_sum", data["sum"], **labels)
        self.sample(f"{name}_count", data["count"], **labels)

    def writers(self, writers: dict[str, dict[str, Any]]) -> None:
        """The stores' write-behind queues, one ``store`` label per store (tasks, world)."""
        stores = sorted(writers)
        for key, kind, name, help_text in _WRITER_LINES:
            self.family(name, kind, help_text)
            for store in stores:
                self.sample(name, writers[store][key], store=store)
        self.family("ember_writer_commit_seconds", "histogram",
                    "How long one batch commit of a store's writes took.")  # fmt: skip
        for store in stores:
            self.histogram_samples(
                "ember_writer_commit_seconds", writers[store]["commit"], store=store
            )


_WRITER_LINES = (
    ("pending", "gauge", "ember_writer_queue", "Writes waiting for the store (tasks, world)."),
    ("batches_total", "counter", "ember_writer_batches_total", "Batches the writer committed."),
    ("rows_total", "counter", "ember_writer_rows_total", "Row writes the writer committed."),
    ("failures_total", "counter", "ember_writer_failures_total",
     "Failed commits (each retried; nothing is dropped)."),
    ("last_commit", "gauge", "ember_writer_last_commit_seconds",
     "How long the latest successful commit took."),
)  # fmt: skip


def render_metrics(game: dict[str, Any] | None, portal: dict[str, Any]) -> str:
    """Return the /metrics body: ``portal`` (its status, ``rss``) and ``game`` (the game's
    ``metrics`` answer, or None while no game serves: then only ``ember_game_up 0`` and the
    portal's own lines)."""
    out = _Writer()
    out.simple("ember_game_up", "gauge", "Whether a game process answered (1) or not (0).",
               1 if game is not None else 0)  # fmt: skip
    out.simple("ember_portal_sessions", "gauge", "Connections the portal holds (telnet and web).",
               portal.get("sessions", 0))  # fmt: skip
    out.simple("ember_portal_start_time_seconds", "gauge", "When the portal started (Unix time).",
               portal.get("started_at", 0))  # fmt: skip
    out.simple("ember_reloads", "counter", "Reloads since the portal started.",
               portal.get("reload_seq", 0))  # fmt: skip
    out.family("ember_resident_memory_bytes", "gauge", "Resident memory of each process.")
    out.sample("ember_resident_memory_bytes", portal.get("rss", 0), process="portal")
    if game is None:
        return "\n".join(out.lines) + "\n"
    out.sample("ember_resident_memory_bytes", game["rss"], process="game")
    out.simple("ember_sessions", "gauge", "Sessions the game knows (logged in or not).",
               game["sessions"])  # fmt: skip
    out.simple("ember_accounts_online", "gauge", "Accounts with a session logged in.",
               game["accounts_online"])  # fmt: skip
    out.simple("ember_game_start_time_seconds", "gauge",
               "When this game process (re)started.", game["started"])  # fmt: skip
    out.simple("ember_commands", "counter", "Input lines handled by this game process.",
               game["commands_total"])  # fmt: skip
    out.histogram("ember_loop_lag_seconds",
                  "How late a 100 ms timer on the game loop woke.", game["lag"])  # fmt: skip
    out.histogram("ember_timer_lateness_seconds",
                  "How long after its due time a timed task fired.", game["lateness"])  # fmt: skip
    out.family("ember_tasks", "gauge", "Timed tasks held by the scheduler, by state.")
    for state, count in sorted(game["tasks"].items()):
        out.sample("ember_tasks", count, state=state)
    for outcome in ("fired", "failed", "orphaned", "cancelled"):
        total = game[f"tasks_{outcome}_total"]
        out.simple(f"ember_tasks_{outcome}", "counter", f"Timed tasks {outcome}.", total)
    out.writers(game["writers"])
    out.family("ember_jobs_running", "gauge", "Background jobs (run_async) running, by executor.")
    for executor in ("loop", "thread", "process", "cluster"):
        out.sample("ember_jobs_running", game["jobs_running"].get(executor, 0), executor=executor)
    out.simple("ember_jobs_finished", "counter", "Background jobs that finished.",
               game["jobs_finished_total"])  # fmt: skip
    out.simple("ember_jobs_failed", "counter", "Background jobs that failed.",
               game["jobs_failed_total"])  # fmt: skip
    return "\n".join(out.lines) + "\n"
