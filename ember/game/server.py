"""The game process's server: database, scheduler, sessions and commands behind the portal link."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import sys
import time
from collections.abc import Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import Any, Literal

from ember.errors import StoreError
from ember.game._account_store import AccountStore, account_store_from_url
from ember.game._codecheck import check_game_code
from ember.game._handover import hand_over, take_over
from ember.game._health import store_health, watch_store
from ember.game._status import StatusFile
from ember.game.accounts import Account, Accounts
from ember.game.commands import (
    LOGIN_SCREEN,
    CmdSet,
    Dispatcher,
    GameCommands,
    default_cmdset,
    load_game_commands,
    login_cmdset,
)
from ember.game.room import Room
from ember.game.sessions import Session, SessionRegistry
from ember.game.settings import Settings
from ember.interaction import get_flows, questions
from ember.layout import GameLayout
from ember.link import LinkClosedError, LinkStream, Message, connect_link, link_from_environment
from ember.offload import Offloader, install_offloader, jobs_owned_by, progress_sink
from ember.scheduling import (
    Clock,
    Scheduler,
    TaskStore,
    attach_store,
    entity_registry,
    install_scheduler,
    store_from_url,
)

__all__ = ["GameServer", "StopKind"]

log = logging.getLogger("ember.game")

StopKind = Literal["reload", "shutdown", "link-lost"]
_SYNC_WAIT = 30.0  # seconds to wait for the portal's first message (sync)
_DRAIN_WAIT = 5.0  # seconds to let queued output reach the portal before exiting
_WRITE_BATCH = 1000  # messages written to the portal in one piece, at most
# Seconds of a reload/stop deadline kept for what follows the final flush (telling the portal,
# draining output, closing the link), so the process exits before the portal's own limit.
_CLOSE_MARGIN = 3.0
# Seconds to wait for the portal's `held` (it then sends no more lines) after `stopping`.
_HELD_WAIT = 5.0


class GameServer:
    """The game process: owns the database, the scheduler, the sessions and the commands.

    ``await server.run()`` opens everything, connects to the portal and serves until a
    ``reload`` or ``shutdown`` (or the link is lost); it returns which of those ended it,
    after flushing the scheduler and telling the portal. Tests pass their own ``link`` (from
    ``ember.link.memory_link_pair``) and a virtual ``clock``.
    """

    def __init__(
        self,
        game_dir: str | Path,
        settings: Settings,
        *,
        clock: Clock | None = None,
        status_interval: float = 1.0,
    ) -> None:
        self.game_dir = Path(game_dir).resolve()
        self.settings = settings
        self.clock = clock
        self.monotonic: Callable[[], float] = clock.monotonic if clock else time.monotonic
        self.status_file = StatusFile(
            GameLayout(self.game_dir).game_status, self.status, interval=status_interval
        )
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.sessions = SessionRegistry(self._outbox.put_nowait, clock=self.monotonic)
        self.accounts: Accounts
        self.scheduler: Scheduler
        self.room = Room(
            "The Hearth",
            "A warm room around a crackling fire. Everyone who plays starts here.",
            self._online,
        )
        self.dispatcher = Dispatcher(self)
        self.cmdset: CmdSet = default_cmdset()
        self.login_cmdset: CmdSet = login_cmdset()
        self.game_commands = GameCommands()
        self._link: LinkStream | None = None
        self._account_store: AccountStore | None = None
        self._task_store: TaskStore | None = None
        self._group: asyncio.TaskGroup | None = None
        self._command_tasks: set[asyncio.Task[Any]] = set()
        self._stop = asyncio.Event()
        self._stop_kind: StopKind = "link-lost"
        self._stop_by = ""
        self._stop_asked = 0.0  # time.monotonic() when the stop was asked for
        self._held = asyncio.Event()  # the portal holds input from now on
        self._reload_check: asyncio.Task[None] | None = None
        #: Task writes a previous process could not make durable, from the portal's `sync`.
        self.handed_over: Any = None
        self._send_failed = False
        self._closed = False
        #: Set once :meth:`start` has finished (accounts loaded, sessions synced, tasks restored).
        self.ready = asyncio.Event()

    # -- life cycle ----------------------------------------------------------------------------

    async def run(self, link: LinkStream | None = None) -> StopKind:
        """Start, serve until stopped, then close everything; return why it stopped."""
        try:
            try:
                await self.start(link)
            except Exception as error:
                await self.report_start_failure(error)
                raise
            return await self.serve()
        finally:
            await self.close()

    async def start(self, link: LinkStream | None = None) -> None:
        """Open the database, load accounts, connect the link, apply ``sync``, restore tasks.

        Accounts are loaded and the portal's sessions restored before stored tasks are, so a
        persistent task bound to an account finds it, and an overdue one reaches its sessions.
        """
        (self.game_dir / "server").mkdir(parents=True, exist_ok=True)
        if str(self.game_dir) not in sys.path:
            sys.path.insert(0, str(self.game_dir))
        url = self.settings.database_url(self.game_dir)
        # The link first, so that a failure below can be reported to the portal in one line.
        self._link = link if link is not None else await self._connect()
        self._account_store = account_store_from_url(url)
        await self._account_store.open()
        self.accounts = Accounts.from_settings(
            self._account_store, self.settings, clock=self.monotonic
        )
        count = await self.accounts.load()
        self.scheduler = install_scheduler(
            Scheduler(self.clock, trusted_modules=self._trusted_modules())
        )
        # Per-player limits of the process-wide question queues and interactive functions.
        self._saved_limits = (questions.max_per_caller, get_flows().max_per_caller)
        questions.max_per_caller = self.settings.max_questions_pending
        get_flows().max_per_caller = self.settings.max_flows_running
        self.offloader = install_offloader(  # run_async's pools; they start on first use
            Offloader(
                default=self.settings.executor_default,
                threads=self.settings.executor_threads,
                processes=self.settings.executor_processes,
                cluster_address=self.settings.cluster_address,
                game_dir=self.game_dir,
                thread_switch_interval=self.settings.executor_thread_switch_interval,
                thread_lag_warning=self.settings.executor_thread_lag_warning,
            )
        )
        entity_registry.register("account", self.accounts.registry.get)
        self.game_commands = load_game_commands(self.game_dir)
        self.cmdset = self.game_commands.apply(default_cmdset())
        await self._await_sync()
        self._task_store = store_from_url(url)
        await self._task_store.open()
        # What a previous process could not write goes in before the tasks are loaded.
        handed = await take_over(self._task_store, self.game_dir, self.handed_over)
        if handed:
            self._outbox.put_nowait(Message("handover_applied", (), {"writes": handed}))
        report = await attach_store(self.scheduler, self._task_store)
        # What start-up loaded (accounts, restored tasks, code) lives as long as the process:
        # keep it out of the cyclic collector's full passes, which would otherwise walk it all.
        gc.freeze()
        log.info(
            "game started in %s: %d accounts, %d sessions, tasks %s",
            self.game_dir,
            count,
            len(self.sessions),
            report,
        )
        # Written here once, synchronously, so `ember status` is right as soon as we serve.
        self.status_file.write_now()
        # Only now may the portal say "back" and deliver the input it held (docs/link-protocol).
        error = self.game_commands.error
        self._outbox.put_nowait(Message("ready", (), {"commands_error": error}))
        self.ready.set()

    async def report_start_failure(self, error: BaseException) -> None:
        """Tell the portal in one line why this process cannot start (before it exits)."""
        link = self._link
        if link is None or link.closed:
            return
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        if not isinstance(error, StoreError):
            text = f"{type(error).__name__}: {text}"
        with contextlib.suppress(LinkClosedError, TimeoutError):
            async with asyncio.timeout(_DRAIN_WAIT):
                await link.send(Message("start_failed", (), {"error": text}))
                # Closing now could make the portal's next write fail and drop the message
                # unread: the portal closes the link once it has read it.
                while True:
                    await link.receive()

    async def _connect(self) -> LinkStream:
        path, secret = link_from_environment(self.game_dir)
        return await connect_link(path, role="game", secret=secret)

    async def _await_sync(self) -> None:
        assert self._link is not None
        try:
            async with asyncio.timeout(_SYNC_WAIT):
                first = await self._link.receive()
        except TimeoutError:
            log.warning(
                "no sync from the portal within %s s; starting without sessions", _SYNC_WAIT
            )
            return
        if first.name != "sync":
            log.warning("the portal's first message was %r, not sync", first.name)
        self._handle(first)

    async def serve(self) -> StopKind:
        """Handle link messages until :meth:`stop` is called or the link closes."""
        async with asyncio.TaskGroup() as group:
            self._group = group
            writer = group.create_task(self._write_loop(), name="ember-game-writer")
            reader = group.create_task(self._read_loop(), name="ember-game-reader")
            status = group.create_task(self.status_file.run(), name="ember-game-status")
            watch = group.create_task(
                watch_store(self.store_health, self.status_changed), name="ember-store-watch"
            )
            await self._stop.wait()
            status.cancel()
            watch.cancel()
            interrupted = list(self._command_tasks)
            for task in interrupted:
                task.cancel()
            for flow in await get_flows().cancel_all():  # @interactive functions
                self.dispatcher.interrupted(flow.caller, flow.name)
            # Let them finish cancelling (and tell their players) before output is drained.
            await asyncio.gather(*interrupted, return_exceptions=True)
            questions.cancel_all()  # questions asked from anywhere else
            # Background jobs: cancelled, their at_err run (and can tell players), pools stopped.
            await self._close_offloader()
            # Lines the portal sent before it heard `stopping` are handed back (`unread`); after
            # `held` it sends none, so none is lost (docs/link-protocol.md).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_HELD_WAIT):
                    await self._held.wait()
            reader.cancel()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_DRAIN_WAIT):
                    await self._outbox.join()
            writer.cancel()
        self._group = None
        return self._stop_kind

    @property
    def stop_kind(self) -> StopKind:
        """Why the server stops (or would): ``"reload"``, ``"shutdown"`` or ``"link-lost"``."""
        return self._stop_kind

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called (no new command tasks start from then on)."""
        return self._stop.is_set()

    def stop(self, kind: StopKind = "shutdown", *, by: str = "") -> None:
        """Ask the server to stop: ``"reload"`` or ``"shutdown"`` is reported to the portal."""
        if not self._stop.is_set():
            self._stop_kind, self._stop_by = kind, by
            self._stop_asked = time.monotonic()
            log.info("game %s requested by %s", kind, by or "?")
            self._stop.set()
            if kind != "link-lost":
                # At once, before any flush: the portal holds input from here on.
                self._outbox.put_nowait(Message("stopping", (), {"kind": kind, "by": by}))

    def request_reload(self, *, by: str = "") -> None:
        """Reload once the new code is known to load; otherwise refuse and say why.

        The check runs in a child process (:mod:`ember.game._codecheck`), so the working code
        keeps answering meanwhile and after a refusal.
        """
        if self.stopping or (self._reload_check is not None and not self._reload_check.done()):
            return
        try:
            self._reload_check = self.spawn(self._checked_reload(by), name="ember-reload-check")
        except RuntimeError:  # not serving yet: nothing to keep alive
            self.stop("reload", by=by)

    async def _checked_reload(self, by: str) -> None:
        timeout = self.settings.reload_check_timeout
        error = await check_game_code(self.game_dir, limit=timeout)
        if error is None:
            self.stop("reload", by=by)
            return
        log.error("reload (by %s) refused: the new code does not load:\n%s", by or "?", error)
        for session in self.sessions:
            if session.account is not None and session.account.is_developer:
                session.msg(
                    "Developer notice: the reload was refused because the new code does not "
                    f"load; the running code stays.\n{error.rstrip()}"
                )
        self._outbox.put_nowait(Message("reload_refused", (), {"by": by, "error": error}))

    def _flush_timeout(self) -> float:
        """Seconds left for the final flush: the deadline counts from when the stop was asked."""
        deadline = (
            self.settings.reload_deadline
            if self._stop_kind == "reload"
            else self.settings.stop_deadline
        )
        asked = self._stop_asked or time.monotonic()
        left = deadline - (time.monotonic() - asked) - _CLOSE_MARGIN
        return max(left, 0.5)

    async def close(self) -> None:
        """Flush and close the scheduler and the database, tell the portal, close the link."""
        if self._closed:
            return
        self._closed = True
        questions.cancel_all()
        if hasattr(self, "_saved_limits"):
            questions.max_per_caller, get_flows().max_per_caller = self._saved_limits
        await self._close_offloader()
        unwritten: Any = None
        link = self._link
        # A reload hands what the store did not take to the portal (for the next game); a stop,
        # or a reload whose portal is gone, keeps it in a file.
        via_portal = self._stop_kind == "reload" and link is not None and not link.closed
        left: dict[int, Any] = {}
        if hasattr(self, "scheduler"):
            try:
                self.dispatcher.keep_notices()  # no await before close(): none fires here
                left = await self.scheduler.close(give_up_after=self._flush_timeout())
                unwritten = hand_over(self.game_dir, left, via_portal=via_portal)
            except Exception:
                log.exception("flushing the timed tasks failed")
        for store in (self._task_store, self._account_store):
            if store is not None:
                try:
                    await store.close()
                except Exception:
                    log.exception("closing %s failed", store)
        entity_registry.unregister("account")
        if link is not None:
            if self._stop_kind in ("reload", "shutdown") and not link.closed:
                fields: dict[str, Any] = {"by": self._stop_by}
                if unwritten:
                    fields["unwritten"] = unwritten
                try:
                    await link.send(Message(self._stop_kind, (), fields))
                except (LinkClosedError, ValueError) as error:  # gone, or a frame too large
                    log.warning("cannot tell the portal of the %s: %s", self._stop_kind, error)
                    if unwritten:  # the portal never got them: keep them here instead
                        hand_over(self.game_dir, left, via_portal=False)
            link.close()
            await link.wait_closed()
        self.status_file.remove()
        log.info("game process stopped (%s)", self._stop_kind)

    async def _close_offloader(self) -> None:
        if hasattr(self, "offloader"):
            reason = "the game is reloading" if self._stop_kind == "reload" else "the game stopped"
            try:
                await self.offloader.close(reason)
            except Exception:
                log.exception("stopping the background work pools failed")

    def spawn(self, coroutine: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run ``coroutine`` as a task owned by the server (cancelled when it stops)."""
        if self._group is None or self.stopping:
            coroutine.close()
            raise RuntimeError("the game server is not serving; cannot start a task")
        task = self._group.create_task(coroutine, name=name)
        self._command_tasks.add(task)
        task.add_done_callback(self._command_tasks.discard)
        return task

    # -- players -------------------------------------------------------------------------------

    def login(self, session: Session, account: Account) -> None:
        """Log ``account`` in on ``session``: tell the portal, greet, show the room."""
        self.sessions.login(session, account)
        session.msg(f"Welcome, {account.name}!")
        session.msg(self.room.describe(account))
        self._warn_developer(session)
        questions.repeat(account, via=session)  # a question asked while it was away
        self.status_changed()

    def _warn_developer(self, session: Session) -> None:
        error = self.game_commands.error
        if error and session.account is not None and session.account.is_developer:
            session.msg(
                "Developer notice: the game's commands module failed to load, so only the "
                f"default commands are available. See server/logs/game.log.\n{error.rstrip()}"
            )

    def _online(self) -> list[Account]:
        return self.accounts.registry.online() if hasattr(self, "accounts") else []

    def _trusted_modules(self) -> list[str]:
        """Ember plus the game directory's top-level modules and packages (also namespace
        packages: folders holding Python files), whose functions persistent tasks may name."""
        names = {"ember"}
        for entry in self.game_dir.iterdir():
            if entry.suffix == ".py" and entry.stem.isidentifier():
                names.add(entry.stem)
            elif entry.is_dir() and entry.name.isidentifier() and any(entry.glob("*.py")):
                names.add(entry.name)
        return sorted(names)

    # -- the link ------------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        assert self._link is not None
        async for message in self._link:
            try:
                self._handle(message)
            except Exception:
                log.exception("handling link message %r failed", message.name)
        log.warning("the portal closed the link")
        self.stop("link-lost")
        self._held.set()  # nothing more can come

    async def _write_loop(self) -> None:
        assert self._link is not None
        while True:
            # Everything queued since the last write goes in one system call: a `say` to 50
            # players is one write, not 50 (each of which waits for the GIL while a thread
            # job runs; docs/design-notes.md, issue 11 item 10).
            batch = [await self._outbox.get()]
            while len(batch) < _WRITE_BATCH and not self._outbox.empty():
                batch.append(self._outbox.get_nowait())
            try:
                for message, error in await self._link.send_many(batch):
                    log.error("dropped a %r message that cannot be sent: %s", message.name, error)
            except LinkClosedError as error:
                if not self._send_failed:
                    log.warning("cannot send to the portal: %s", error)
                self._send_failed = True
            finally:
                for _ in batch:
                    self._outbox.task_done()

    def _handle(self, message: Message) -> None:
        handler = getattr(self, f"_on_{message.name}", None)
        if handler is None:
            log.warning("ignored unknown link message %r", message.name)
            return
        handler(*message.args, **message.kwargs)

    def _on_sync(
        self, *, sessions: Any = (), reason: str = "start", unwritten: Any = None, **_: Any
    ) -> None:
        self.handed_over = unwritten
        restored = self.sessions.sync(list(sessions or ()), self.accounts.registry.by_name)
        log.info("sync (%s): %d sessions", reason, len(restored))
        for session in restored:
            if session.account is not None:
                self._warn_developer(session)
        self.status_changed()

    def _on_connect(self, *args: Any, **fields: Any) -> None:
        # The sid comes first in args; the session dict fields may repeat it.
        sid = fields.pop("sid", None) if not args else args[0]
        fields.pop("sid", None)
        if not isinstance(sid, int):
            log.warning("connect without a session id ignored")
            return
        session = self.sessions.connect(sid, **fields)
        session.msg(LOGIN_SCREEN)
        self.status_changed()

    def _on_disconnect(self, sid: int, *_: Any, **__: Any) -> None:
        self.sessions.disconnect(sid)
        self.status_changed()

    def _on_line(self, sid: int, text: str) -> None:
        if self.stopping:
            # Not read: handed back, so the portal gives it to the next game (no line lost).
            self._outbox.put_nowait(Message("unread", (sid, text)))
            return
        session = self.sessions.get(sid)
        if session is None:
            log.debug("line for unknown session %s dropped", sid)
            return
        self.sessions.touch(session)
        # A background job started by this line reports its progress to this session and is
        # listed by `tasks` as the account's own.
        owner = session.account.key if session.account is not None else None
        with progress_sink(partial(_send_progress, session)), jobs_owned_by(owner):
            self.dispatcher.handle_line(session, text)

    def _on_info(self, sid: int, **fields: Any) -> None:
        session = self.sessions.get(sid)
        if session is None:
            return
        for name in ("cols", "rows"):
            if isinstance(fields.get(name), int) and fields[name] > 0:
                setattr(session, name, fields[name])
        if isinstance(fields.get("ttype"), str):
            session.ttype = fields["ttype"]
        session.info.update(fields)

    def _on_reload(self, *, by: Any = "", **_: Any) -> None:
        # The portal asks (`ember reload`): check the new code, flush, answer `reload`, exit.
        self.request_reload(by=str(by or "portal"))

    def _on_held(self, *_: Any, **__: Any) -> None:
        self._held.set()

    def _on_shutdown(self, *, by: Any = "", **_: Any) -> None:
        # The portal asks (`ember stop`): flush, answer `shutdown`, exit.
        self.stop("shutdown", by=str(by or "portal"))

    def _on_gmcp(self, sid: int, package: str, data: Any = None) -> None:
        log.debug("gmcp %s from session %s ignored", package, sid)

    def _on_status(self, *, request: Any = None, **_: Any) -> None:
        status = self.status()
        self._outbox.put_nowait(
            Message(
                "status_reply",
                (),
                {
                    "request": request,
                    "sessions": status["sessions"],
                    "accounts": status["accounts"],
                    "pending_tasks": status["pending_tasks"],
                    "pid": status["pid"],
                },
            )
        )

    # -- status ----------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Return what ``ember status`` shows: pid, sessions, accounts online, pending tasks."""
        pending = self.scheduler.statistics().pending if hasattr(self, "scheduler") else 0
        return {
            "pid": os.getpid(),
            "sessions": len(self.sessions),
            "accounts": [account.name for account in self._online()],
            "pending_tasks": pending,
            "store": self.store_health(),
            "updated": time.time(),
        }

    def store_health(self) -> dict[str, Any]:
        """Whether the task store takes writes, how many wait, and the last error (if failing)."""
        scheduler = self.scheduler if hasattr(self, "scheduler") else None
        return store_health(scheduler, self._task_store)

    def status_changed(self) -> None:
        """Note that the status file should be rewritten (at most once per interval)."""
        self.status_file.changed()


def _send_progress(session: Session, job: str, fraction: float, label: str | None) -> None:
    session.send("progress", job, fraction, label=label)
