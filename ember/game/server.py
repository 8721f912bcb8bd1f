"""The game process's server: database, scheduler, sessions and commands behind the portal link."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import time
from collections.abc import Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import Any

from ember.game._account_store import AccountStore, account_store_from_url
from ember.game._codecheck import reload_if_it_loads, trusted_modules
from ember.game._durable_flows import close_flows, open_flows, resume_flows
from ember.game._handover import hand_over, take_over
from ember.game._health import game_status, store_health, watch_store
from ember.game._link_messages import LinkMessages
from ember.game._players import Players
from ember.game._playing import Playing
from ember.game._portal_link import PortalLink
from ember.game._status import StatusFile
from ember.game._stopping import StopRequest, close_quietly
from ember.game._world_setup import WorldHost
from ember.game.accounts import Account, Accounts
from ember.game.admin import AdminService
from ember.game.commands import (
    CmdSet,
    Dispatcher,
    GameCommands,
    default_cmdset,
    load_game_commands,
    login_cmdset,
)
from ember.game.context import StopKind
from ember.game.sessions import SessionRegistry
from ember.game.settings import Settings
from ember.interaction import cancel_actions, durable_flows, get_flows, questions
from ember.layout import GameLayout
from ember.link import LinkStream, Message
from ember.offload import Offloader, install_offloader
from ember.scheduling import (
    Clock,
    Scheduler,
    TaskStore,
    attach_store,
    entity_registry,
    install_scheduler,
    store_from_url,
)
from ember.scheduling._journal import StoredJournal

__all__ = ["GameServer", "StopKind"]

log = logging.getLogger("ember.game")

_SYNC_WAIT = 30.0  # seconds to wait for the portal's first message (sync)
_DRAIN_WAIT = 5.0  # seconds to let queued output reach the portal before exiting
# Seconds to wait for the portal's `held` (it then sends no more lines) after `stopping`.
_HELD_WAIT = 5.0


class GameServer(LinkMessages, Playing):
    """The game process: owns the database, the scheduler, the sessions and the commands.

    Commands see it through :class:`~ember.game.context.GameContext` (which it implements);
    the portal's messages are handled by :class:`~ember.game._link_messages.LinkMessages`.

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
        limits = (settings.max_session_output_queued, settings.max_output_queued)
        self.link = PortalLink(max_session_output=limits[0], max_output=limits[1])
        self.sessions = SessionRegistry(self.link.put, clock=self.monotonic)
        # Each of these is None until start() opens it (and the properties below say so).
        self._accounts: Accounts | None = None
        self._scheduler: Scheduler | None = None
        self._offloader: Offloader | None = None
        # The question limits start() replaced, to put back at close.
        self._saved_limits: tuple[int | None, int | None] | None = None
        #: Where the world comes from and goes to (the seam a world store plugs into).
        self.world_host = WorldHost()
        self.world_host.on_loaded = self.status_changed  # "world loading" leaves the status
        self._players: Players | None = None
        #: Why the game directory's world.py failed at start (told to Developers), or None.
        self.world_error: str | None = None
        self.dispatcher = Dispatcher(self)
        self.cmdset: CmdSet = default_cmdset()
        self.login_cmdset: CmdSet = login_cmdset()
        self.game_commands = GameCommands()
        self._account_store: AccountStore | None = None
        self._task_store: TaskStore | None = None
        self._flows: StoredJournal | None = None  # durable flows read at start
        self._group: asyncio.TaskGroup | None = None
        self._command_tasks: set[asyncio.Task[Any]] = set()
        self._stop = StopRequest(self.link.put)
        self.admin = AdminService(self)  # samples statistics; answers /admin and /metrics
        self._reload_check: asyncio.Task[None] | None = None
        #: Task writes a previous process could not make durable, from the portal's `sync`.
        self.handed_over: Any = None
        self._closed = False
        #: Set once :meth:`start` has finished (accounts loaded, sessions synced, tasks restored).
        self.ready = asyncio.Event()

    @property
    def accounts(self) -> Accounts:
        """The accounts (loaded at start)."""
        if self._accounts is None:
            raise RuntimeError("the game server has not started: no accounts yet")
        return self._accounts

    @property
    def scheduler(self) -> Scheduler:
        """The scheduler of timed tasks (installed at start)."""
        if self._scheduler is None:
            raise RuntimeError("the game server has not started: no scheduler yet")
        return self._scheduler

    @property
    def offloader(self) -> Offloader | None:
        """The pools ``run_async`` uses, or ``None`` before start."""
        return self._offloader

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
        await self.link.open(self.game_dir, link)
        self._account_store = account_store_from_url(url)
        await self._account_store.open()
        self._accounts = Accounts.from_settings(
            self._account_store, self.settings, clock=self.monotonic
        )
        count = await self._accounts.load()
        self._scheduler = install_scheduler(
            Scheduler(self.clock, trusted_modules=trusted_modules(self.game_dir))
        )
        # Per-player limits of the process-wide question queues and interactive functions.
        self._saved_limits = (questions.max_per_caller, get_flows().max_per_caller)
        questions.max_per_caller = self.settings.max_questions_pending
        get_flows().max_per_caller = self.settings.max_flows_running
        self._offloader = install_offloader(  # run_async's pools; they start on first use
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
        entity_registry.register("account", self._accounts.registry.get)
        await self._open_world()
        self.game_commands = load_game_commands(self.game_dir)
        self.cmdset = self.game_commands.apply(default_cmdset())
        await self._await_sync()
        self._task_store = store_from_url(url)
        await self._task_store.open()
        # What a previous process could not write goes in before the tasks are loaded.
        handed = await take_over(self._task_store, self.game_dir, self.handed_over)
        if handed:
            self.link.put(Message("handover_applied", (), {"writes": handed}))
        self._flows = await open_flows(self, self._task_store)  # resumed once serving
        # Before the tasks: overdue ones fire at the next await, which must follow `ready`.
        report = await attach_store(self._scheduler, self._task_store)
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
        self.link.put(Message("ready", (), {"commands_error": error}))
        self.ready.set()

    async def report_start_failure(self, error: BaseException) -> None:
        """Tell the portal in one line why this process cannot start (before it exits)."""
        await self.link.report_start_failure(error, _DRAIN_WAIT)

    async def _await_sync(self) -> None:
        first = await self.link.first_message(_SYNC_WAIT)
        if first is None:
            log.warning(
                "no sync from the portal within %s s; starting without sessions", _SYNC_WAIT
            )
            return
        if first.name != "sync":
            log.warning("the portal's first message was %r, not sync", first.name)
        self.handle(first)

    async def serve(self) -> StopKind:
        """Handle link messages until :meth:`stop` is called or the link closes."""
        async with asyncio.TaskGroup() as group:
            self._group = group
            resume_flows(self._flows)  # before any input is read: questions are asked first
            writer = group.create_task(self.link.write_loop(), name="ember-game-writer")
            reader = group.create_task(
                self.link.read_loop(self.handle, partial(self.stop, "link-lost")),
                name="ember-game-reader",
            )
            status = group.create_task(self.status_file.run(), name="ember-game-status")
            watch = group.create_task(
                watch_store(self.store_health, self.status_changed), name="ember-store-watch"
            )
            sampler = group.create_task(self.admin.run(), name="ember-admin-sampler")
            await self._stop.event.wait()
            for loop_task in (status, watch, sampler):
                loop_task.cancel()
            durable_flows().suspend_all()  # these go on after the restart
            interrupted = list(self._command_tasks)
            for task in interrupted:
                task.cancel()
            for flow in await get_flows().cancel_all():  # @interactive functions
                if not flow.durable:
                    self.dispatcher.interrupted(flow.caller, flow.name)
            for action in await cancel_actions():  # caller.start_action (docs/actions.md)
                self.dispatcher.interrupted(action.caller, action.name)
            # Let them finish cancelling (and tell their players) before output is drained.
            await asyncio.gather(*interrupted, return_exceptions=True)
            questions.cancel_all()  # questions asked from anywhere else
            # Background jobs: cancelled, their at_err run (and can tell players), pools stopped.
            await self._close_offloader()
            # Lines the portal sent before it heard `stopping` are handed back (`unread`); after
            # `held` it sends none, so none is lost (docs/link-protocol.md).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_HELD_WAIT):
                    await self.link.held.wait()
            reader.cancel()
            await self.link.drain(_DRAIN_WAIT)
            writer.cancel()
        self._group = None
        return self._stop.kind

    @property
    def stop_kind(self) -> StopKind:
        """Why the server stops (or would): ``"reload"``, ``"shutdown"`` or ``"link-lost"``."""
        return self._stop.kind

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called (no new command tasks start from then on)."""
        return self._stop.requested

    def stop(self, kind: StopKind = "shutdown", *, by: str = "") -> None:
        """Ask the server to stop: ``"reload"`` or ``"shutdown"`` is reported to the portal."""
        self._stop.request(kind, by)

    def request_reload(self, *, by: str = "") -> None:
        """Reload once the new code is known to load; otherwise refuse and say why.

        The check runs in a child process (:mod:`ember.game._codecheck`), so the working code
        keeps answering meanwhile and after a refusal.
        """
        if self.stopping or (self._reload_check is not None and not self._reload_check.done()):
            return
        check = reload_if_it_loads(
            self.game_dir,
            self.settings.reload_check_timeout,
            by,
            sessions=self.sessions,
            reload=partial(self.stop, "reload", by=by),
            tell_portal=self.link.put,
        )
        try:
            self._reload_check = self.spawn(check, name="ember-reload-check")
        except RuntimeError:  # not serving yet (spawn closed the check): nothing to keep alive
            self.stop("reload", by=by)

    async def close(self) -> None:
        """Flush and close the scheduler and the database, tell the portal, close the link."""
        if self._closed:
            return
        self._closed = True
        questions.cancel_all()
        if self._saved_limits is not None:
            questions.max_per_caller, get_flows().max_per_caller = self._saved_limits
        await self._close_offloader()
        unwritten: Any = None
        link = self.link.stream
        # A reload hands what the store did not take to the portal (for the next game); a stop,
        # or a reload whose portal is gone, keeps it in a file.
        via_portal = self._stop.kind == "reload" and link is not None and not link.closed
        left: dict[int, Any] = {}
        if self._scheduler is not None:
            try:
                self.dispatcher.keep_notices()  # no await before close(): none fires here
                left = await self._scheduler.close(
                    give_up_after=self._stop.flush_timeout(self.settings)
                )
                unwritten = hand_over(self.game_dir, left, via_portal=via_portal)
            except Exception:
                log.exception("flushing the timed tasks failed")
        await close_flows(self._stop.flush_timeout(self.settings))
        for store in (self._task_store, self._account_store):
            if store is not None:
                try:
                    await store.close()
                except Exception:
                    log.exception("closing %s failed", store)
        world_closed = self.world_host.close(give_up_after=self._stop.flush_timeout(self.settings))
        await close_quietly(world_closed, "closing the world")
        entity_registry.unregister("account")
        if self._stop.kind in ("reload", "shutdown"):
            fields: dict[str, Any] = {"by": self._stop.by}
            if unwritten:
                fields["unwritten"] = unwritten
            told = await self.link.send_now(Message(self._stop.kind, (), fields))
            if not told and unwritten:  # the portal never got them: keep them here instead
                hand_over(self.game_dir, left, via_portal=False)
        await self.link.close()
        self.status_file.remove()
        log.info("game process stopped (%s)", self._stop.kind)

    async def _close_offloader(self) -> None:
        if self._offloader is not None:
            why = "the game is reloading" if self._stop.kind == "reload" else "the game stopped"
            await close_quietly(self._offloader.close(why), "stopping the background work pools")

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

    def _online(self) -> list[Account]:
        return self._accounts.registry.online() if self._accounts is not None else []

    # -- status ----------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Return what ``ember status`` shows: pid, sessions, accounts online, pending tasks."""
        online = [account.name for account in self._online()]
        loading = self.world_host.loading()  # (n, N) while stored attributes stream in
        return game_status(len(self.sessions), online, self._scheduler, self._task_store, loading)

    def store_health(self) -> dict[str, Any]:
        """Whether the task store takes writes, how many wait, and the last error (if failing)."""
        return store_health(self._scheduler, self._task_store)

    def status_changed(self) -> None:
        """Note that the status file should be rewritten (at most once per interval)."""
        self.status_file.changed()
