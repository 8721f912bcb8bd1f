"""The game's answers to the portal's ``admin`` requests: the data behind /admin and /metrics.

The portal sends ``admin(request=N, op=..., args={...})``; the game answers
``admin_reply(request=N, result=...)`` or ``admin_reply(request=N, error="one line")``
(docs/link-protocol.md). Every op but ``login`` and ``metrics`` names the account the portal
logged in, and the game checks again, at each request, that the account still exists and has
the Admin (or Developer) permission: a demoted admin loses the page at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from ember.errors import UnresolvableReferenceError
from ember.game._login_limits import LoginError
from ember.game._portal_link import PortalLink
from ember.game._world_setup import WorldHost
from ember.game.admin._pages import (
    TASK_ACTIONS,
    find_flow,
    job_rows,
    object_detail,
    search_objects,
    session_rows,
    task_page,
    world_counts,
)
from ember.game.admin._sampler import Sampler, rss_bytes
from ember.game.context import GameContext
from ember.link import Message
from ember.scheduling import repeater_of
from ember.storage import WriterStatistics
from ember.world import PERMISSIONS


class AdminHost(GameContext, Protocol):
    """The parts of the game server the admin requests use (the server implements them)."""

    link: PortalLink
    world_host: WorldHost


__all__ = ["ADMIN_PERMISSIONS", "AdminError", "AdminService"]

log = logging.getLogger("ember.game.admin")

ADMIN_PERMISSIONS = frozenset(PERMISSIONS[PERMISSIONS.index("Admin") :])
"""The permissions that open /admin: Admin and those above it."""


class AdminError(Exception):
    """A request the game refuses; the message is shown to the admin as it is."""


class AdminService:
    """Answers ``admin`` link messages from the server's state; owns the :class:`Sampler`."""

    def __init__(self, server: AdminHost) -> None:
        self.server = server
        self.sampler = Sampler(self._read)
        self._ops: dict[str, Callable[[dict[str, Any]], Any]] = {
            "overview": self._overview,
            "metrics": self._metrics,
            "sessions": lambda args: session_rows(self.server),
            "tasks": lambda args: task_page(self.server.scheduler, args),
            "jobs": lambda args: job_rows(),
            "world": lambda args: world_counts(self.server.world),
            "world_search": lambda args: search_objects(self.server.world, args.get("query")),
            "world_object": lambda args: object_detail(self.server.world, args.get("id")),
            "kick": self._kick,
            "task": self._task_action,
            "job_cancel": self._job_cancel,
            "flow_cancel": self._flow_cancel,
        }

    async def run(self) -> None:
        """Count timer lateness into the histogram and sample once a second, until cancelled."""
        self.server.scheduler.lateness_observer = self.sampler.counters.lateness.observe
        await self.sampler.run()

    def _read(self) -> dict[str, Any]:
        server = self.server
        stats = server.scheduler.statistics()
        tasks, world = stats.writer, server.world_host.writer_statistics()
        return {
            "sessions": len(server.sessions),
            "accounts": len(server.accounts.registry.online()),
            "pending_tasks": stats.pending,
            "lateness_p50": stats.lateness_p50,
            "lateness_p99": stats.lateness_p99,
            "task_writer_queue": tasks.pending if tasks is not None else 0,
            "task_commit_p99": tasks.commit_times.p99 if tasks is not None else 0.0,
            "world_writer_queue": world.pending if world is not None else 0,
            "world_commit_p99": world.commit_times.p99 if world is not None else 0.0,
        }

    # -- the link ----------------------------------------------------------------------------

    def handle(self, request: Any, op: Any, args: Any) -> None:
        """Answer one request (``login`` asynchronously: it hashes a password)."""
        if not isinstance(args, dict):
            args = {}
        if op == "login":
            try:
                self.server.spawn(self._login(request, args), name="ember-admin-login")
            except RuntimeError:
                self._reply(request, error="The game is stopping; try again shortly.")
            return
        handler = self._ops.get(op) if isinstance(op, str) else None
        if handler is None:
            self._reply(request, error=f"Unknown admin request {op!r}.")
            return
        try:
            if op != "metrics":
                self._admin(args.get("account"))
            self._reply(request, result=handler(args))
        except AdminError as error:
            self._reply(request, error=str(error))
        except Exception:
            log.exception("admin request %r failed", op)
            self._reply(request, error=f"The {op} request failed; the game's log has why.")

    def _reply(self, request: Any, *, result: Any = None, error: str | None = None) -> None:
        fields = {"request": request, "error": error} if error else {"request": request}
        if not error:
            fields["result"] = result
        self.server.link.put(Message("admin_reply", (), fields))

    def _admin(self, name: Any) -> str:
        account = self.server.accounts.registry.by_name(name) if isinstance(name, str) else None
        if account is None or not ADMIN_PERMISSIONS & set(account.permissions):
            raise AdminError("This account may not use the admin page.")
        return account.name

    async def _login(self, request: Any, args: dict[str, Any]) -> None:
        name, password = str(args.get("name") or ""), str(args.get("password") or "")
        address = str(args.get("address") or "")
        try:
            # The same check, counted by the same throttles, as a telnet `connect`.
            account = await self.server.accounts.authenticate(name, password, address=address)
            if not ADMIN_PERMISSIONS & set(account.permissions):
                log.warning("admin page: %s (%s) is no Admin; refused", account.name, address)
                raise AdminError("This account may not use the admin page.")
        except (LoginError, AdminError) as error:
            self._reply(request, error=str(error))
            return
        except Exception:
            log.exception("admin login failed")
            self._reply(request, error="The login failed; the game's log has why.")
            return
        log.info("admin page: %s logged in from %s", account.name, address)
        self._reply(request, result={"account": account.name})

    # -- read-only ---------------------------------------------------------------------------

    def _overview(self, args: dict[str, Any]) -> dict[str, Any]:
        after = args.get("after")
        sampler = self.sampler
        return {
            "started": sampler.started,
            "commands_total": sampler.counters.commands,
            "samples": sampler.since(after if isinstance(after, int | float) else 0.0),
        }

    def _metrics(self, args: dict[str, Any]) -> dict[str, Any]:
        server, counters = self.server, self.sampler.counters
        stats = server.scheduler.statistics()
        writer, world = stats.writer, server.world_host.writer_statistics()
        durable_repeats = repeater_of(server.scheduler).durable
        repeats = durable_repeats.writer_statistics() if durable_repeats is not None else None
        offloader = server.offloader
        jobs: dict[str, int] = {}
        if offloader is not None:
            for job in offloader.running():
                jobs[job.executor] = jobs.get(job.executor, 0) + 1
        return {
            "sessions": len(server.sessions),
            "accounts_online": len(server.accounts.registry.online()),
            "commands_total": counters.commands,
            "lag": counters.lag.as_dict(),
            "lateness": counters.lateness.as_dict(),
            "tasks": {"scheduled": stats.pending - stats.paused, "paused": stats.paused},
            "tasks_fired_total": stats.fired,
            "tasks_failed_total": stats.failed,
            "tasks_orphaned_total": stats.orphaned,
            "tasks_cancelled_total": stats.cancelled,
            "writers": {
                name: _writer_metrics(stats)
                for name, stats in (("tasks", writer), ("repeats", repeats), ("world", world))
                if stats is not None
            },
            "jobs_running": jobs,
            "jobs_finished_total": offloader.finished if offloader is not None else 0,
            "jobs_failed_total": offloader.failed if offloader is not None else 0,
            "rss": rss_bytes(),
            "started": self.sampler.started,
        }

    # -- actions -----------------------------------------------------------------------------

    def _kick(self, args: dict[str, Any]) -> str:
        sid, by = args.get("sid"), args.get("account")
        session = self.server.sessions.get(sid) if isinstance(sid, int) else None
        if session is None:
            raise AdminError(f"No session {sid!r}: it has gone, or never was.")
        who = session.account.name if session.account is not None else "(not logged in)"
        log.info("admin page: %s kicked session %d (%s, %s)", by, sid, who, session.address)
        self.server.sessions.close(session, "You were disconnected by an administrator.")
        self.server.status_changed()
        return f"Session {sid} ({who}) disconnected."

    def _task_action(self, args: dict[str, Any]) -> str:
        task_id, action, by = args.get("id"), args.get("action"), args.get("account")
        if action not in TASK_ACTIONS:
            raise AdminError(f"Unknown task action {action!r}; one of {', '.join(TASK_ACTIONS)}.")
        task = self.server.scheduler.get(task_id) if isinstance(task_id, int) else None
        if task is None:
            raise AdminError(f"No task {task_id!r}: it fired, was removed, or never was.")
        if action == "retry":
            try:
                again = task.retry()
            except (ValueError, UnresolvableReferenceError) as error:
                raise AdminError(f"{str(error)[:1].upper()}{str(error)[1:]}.") from None
            log.info(
                "admin page: %s retried task %d as %d (%s)",
                by,
                task.id,
                again.id,
                again.callback_name,
            )
            return f"Task {task.id} ({task.callback_name}) retried as task {again.id}."
        if action != "remove" and not task.active():
            raise AdminError(f"Task {task.id} is {task.state.value}; nothing to {action}.")
        result = getattr(task, action)()
        if action != "do_task" and result is False:
            raise AdminError(f"Task {task.id}: nothing to {action} ({task.state.value}).")
        log.info("admin page: %s did %s on task %d (%s)", by, action, task.id, task.callback_name)
        return f"Task {task.id} ({task.callback_name}): {action} done; now {task.state.value}."

    def _job_cancel(self, args: dict[str, Any]) -> str:
        key, by = args.get("key"), args.get("account")
        offloader = self.server.offloader
        jobs = offloader.running() if offloader is not None else []
        job = next((job for job in jobs if job.key == key), None)
        if job is None:
            raise AdminError(f"No running background job {key!r}.")
        log.info("admin page: %s cancelled background job %s (%s)", by, job.key, job.name)
        if not job.cancel(f"{job.name} was cancelled by {by} (admin page)"):
            raise AdminError(f"Background job {key} has finished meanwhile.")
        return f"Background job {job.key} ({job.name}) cancelled."

    def _flow_cancel(self, args: dict[str, Any]) -> str:
        number, by = args.get("number"), args.get("account")
        flow = find_flow(number)
        if flow is None:
            raise AdminError(f"No running interactive function {number!r}: it has ended.")
        log.info("admin page: %s cancelled interactive function %s (%s)", by, number, flow.name)
        flow.cancel()
        if flow.caller is not None:
            try:
                flow.caller.msg(f"{flow.name} was stopped by an administrator.")
            except Exception:
                log.exception("telling %r that %s was stopped failed", flow.caller, flow.name)
        return f"Interactive function {number} ({flow.name}) cancelled."


def _writer_metrics(stats: WriterStatistics) -> dict[str, Any]:
    """One store's write-behind for /metrics: queue, totals, commit-time histogram."""
    times = stats.commit_times
    return {
        "pending": stats.pending,
        "batches_total": stats.batches,
        "rows_total": stats.rows_written,
        "failures_total": stats.failures,
        "last_commit": times.last,
        "commit": {
            "buckets": [list(pair) for pair in times.cumulative()],
            "sum": times.total,
            "count": times.count,
        },
    }
