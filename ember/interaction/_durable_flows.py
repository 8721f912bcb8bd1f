"""Durable flows of one process: starting them, driving them, resuming them after a restart.

A durable flow's code is stored by reference (``{"function": "module:name"}`` for an
``@interactive(durable=True)`` function, ``{"command": "module:Class"}`` for a command with
``durable = True``) and its arguments as JSON with entity references, exactly like a
persistent ``delay``; nothing is pickled. At start the game attaches the task store
(:meth:`DurableFlows.attach`): each stored flow is found again, called from its start and
replayed through its journal (:mod:`ember.interaction._durable`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import inspect
import json
import logging
import secrets
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass
from typing import Any

from ember.errors import EmberError, UnresolvableReferenceError
from ember.interaction._durable import DurableRun, FlowStopped, close_on, current_run, describe
from ember.interaction._durable_load import Parsed, check_steps, parse_all
from ember.interaction._errors import ReturnValue, TooManyWaitingError
from ember.interaction._flows import Flow, get_flows
from ember.interaction._questions import Caller
from ember.scheduling import get_scheduler
from ember.scheduling._journal import (
    FlowRow,
    JournalStore,
    JournalWriter,
    StepRow,
    StoredJournal,
    step_hook,
)
from ember.scheduling._refs import (
    decode_arguments,
    decode_callback,
    decode_parsed_arguments,
    encode_arguments,
)

__all__ = [
    "DurableFlows",
    "PlayerAwayError",
    "ResumeReport",
    "call_durable",
    "drive_durable",
    "durable_flows",
]

log = logging.getLogger("ember.interaction")

# Seconds after resume() at which the cyclic collector is on again even if some resumed flow
# never reached a journaled step (an async flow awaiting something else first).
_GC_AT_LATEST = 10.0
#: Starts a resumed command flow: (run, command reference, decoded args, decoded kwargs).
CommandResumer = Callable[[DurableRun, str, tuple[Any, ...], dict[str, Any]], None]


class PlayerAwayError(EmberError):
    """Raised by a command resumer when no session of the flow's player is connected: the
    flow stays stored and is tried again at the next start."""


@dataclass(frozen=True, slots=True)
class ResumeReport:
    """What :meth:`DurableFlows.attach` found: flows resumed, stopped (damaged or gone) and
    kept for later (a command whose player is offline)."""

    resumed: int
    stopped: int
    kept: int


def owner_key(caller: object) -> str | None:
    """``"object:5"`` / ``"account:7"`` for an entity, else None."""
    kind, ident = getattr(caller, "entity_kind", None), getattr(caller, "entity_id", None)
    return f"{kind}:{ident}" if isinstance(kind, str) and ident is not None else None


class DurableFlows:
    """The durable flows of the process and their journal (None until a store is attached:
    durable flows then run as ordinary ones, recorded nowhere)."""

    def __init__(self) -> None:
        self.journal: JournalWriter | None = None
        self.runs: dict[str, DurableRun] = {}
        self._owned: dict[str, int] = {}  # running flows per owner
        self._replaying = 0  # resumed flows not live yet
        self._collecting = False  # the collector was on before resume() turned it off
        #: Steps one flow may record; the step after is refused and the flow stopped.
        self.max_steps = 1000
        #: Durable flows one owner may have at once (None: no bound); the server sets it.
        self.max_per_owner: int | None = None
        #: How a stored command flow is started again (the game sets it).
        self.command_resumer: CommandResumer | None = None

    def new_run(
        self,
        ref: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        caller: Caller | None,
        name: str,
    ) -> DurableRun:
        """Make the journal of a new flow (stored at its first step). ``NotPersistableError``
        names an argument that cannot be stored; :class:`TooManyWaitingError` (the caller
        told) past ``max_per_owner``."""
        entities = get_scheduler().entities
        args_json, kwargs_json = encode_arguments(args, kwargs, entities)
        owner = owner_key(caller)
        limit = self.max_per_owner
        if owner is not None and limit is not None and self._owned.get(owner, 0) >= limit:
            if caller is not None:
                caller.msg(f"You have {limit} lasting activities under way (the most "
                           f"allowed); {name} was not started.")  # fmt: skip
            raise TooManyWaitingError(f"{owner} has {limit} durable flows; {name} refused")
        flow_id = secrets.token_hex(5)
        while flow_id in self.runs:
            flow_id = secrets.token_hex(5)
        header: FlowRow = (flow_id, ref, args_json, kwargs_json, owner, name,
                           get_scheduler().clock.wall())  # fmt: skip
        run = DurableRun(flow_id, header, caller, self.journal, [], max_steps=self.max_steps)
        self._add(run)
        return run

    def _add(self, run: DurableRun) -> None:
        self.runs[run.id] = run
        owner = run.header[4]
        if owner is not None:
            self._owned[owner] = self._owned.get(owner, 0) + 1

    def remove(self, run: DurableRun) -> None:
        """Forget ``run`` as running (it ended, or was never started)."""
        if self.runs.pop(run.id, None) is not None and (owner := run.header[4]) is not None:
            left = self._owned.get(owner, 1) - 1
            if left > 0:
                self._owned[owner] = left
            else:
                self._owned.pop(owner, None)

    def owned_by(self, *owners: str) -> list[DurableRun]:
        """The running flows of these owners (entity keys), oldest first."""
        return sorted((r for r in self.runs.values() if r.header[4] in owners), key=_started)

    def all(self) -> list[DurableRun]:
        """Every running durable flow, oldest first."""
        return sorted(self.runs.values(), key=_started)

    def suspend_all(self) -> int:
        """Mark every flow as stopped by the game (a reload or shutdown), so cancelling them
        keeps their journal and their ``finally`` blocks talk to nobody; return how many."""
        for run in self.runs.values():
            run.suspended = run.quiet = True
        return len(self.runs)

    async def attach(self, store: JournalStore) -> StoredJournal:
        """Write the journal to ``store`` from now on; return what it holds, for
        :meth:`resume` (the game resumes once it serves, before it reads input)."""
        self.journal = JournalWriter(store)
        self.journal.start()
        # Tens of thousands of rows arrive at once: with the collector on, their tuples set
        # off a full pass over the whole heap (most of resuming, measured); it is back after.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return await store.load_journal()
        finally:
            if collecting:
                gc.enable()

    def resume(self, stored: StoredJournal) -> ResumeReport:
        """Start every stored flow again (see the module docstring); damaged ones are
        stopped, with a message to their player and a log line, and the others go on."""
        assert self.journal is not None, "attach() first"
        # Thousands of long-lived flows made at once: the cyclic collector walking them again
        # and again would only cost time (as in attach_store); it is back once they replayed.
        self._collecting = self._collecting or gc.isenabled()
        gc.disable()
        counts = {"resumed": 0, "stopped": 0, "kept": 0}
        starts: dict[str, Any] = {}  # flows share a handful of functions: resolve each once
        steps: dict[str, list[StepRow]] = {}
        try:
            for step in stored.steps:
                steps.setdefault(step[0], []).append(step)
            parsed = parse_all(stored.flows, steps) or {}  # {}: damaged, decode flow by flow
            for row in stored.flows:
                pre = parsed.get(row[0])
                counts[self._resume(row, steps.pop(row[0], []), starts, pre)] += 1
        finally:
            self._replayed()
            asyncio.get_running_loop().call_later(_GC_AT_LATEST, self._collect_again)
        for orphan in steps:  # steps of no flow: a hand edit, or a damaged database
            log.error("flow journal: steps of unknown flow %r removed", orphan)
            self.journal.delete_flow(orphan)
        report = ResumeReport(**counts)
        log.info("durable flows from %s: %s", self.journal.store.url, report)
        return report

    def _resume(
        self, row: FlowRow, steps: list[StepRow], starts: dict[str, Any], pre: Parsed | None
    ) -> str:
        flow_id, ref_json, name = row[0], row[1], row[5]
        caller: Any = None
        scheduler = get_scheduler()
        try:
            ref = starts.get("json:" + ref_json) or json.loads(ref_json)
            starts["json:" + ref_json] = ref
            if pre is None:
                args, kwargs = decode_arguments(row[2], row[3], scheduler.entities)
            else:
                args, kwargs = decode_parsed_arguments(pre[0], pre[1], scheduler.entities)
            outcomes = pre[2] if pre is not None else None
            if isinstance(ref, dict) and isinstance(ref.get("command"), str):
                caller = args[0] if args else None
                check_steps(steps)
                if self.command_resumer is None:
                    raise UnresolvableReferenceError("no command resumer is installed")
                run = self._run(row, caller, steps, outcomes)
                try:
                    self.command_resumer(run, ref["command"], args, kwargs)
                except PlayerAwayError:  # nobody to run it for: try at the next start
                    self.remove(run)
                    return "kept"
                return "resumed"
            start = starts.get(ref_json)
            if start is None:
                start = decode_callback(ref_json, scheduler.entities, scheduler.trusted_modules)
                starts[ref_json] = start
            func = getattr(start, "__ember_durable__", None)
            if func is None:
                raise UnresolvableReferenceError(f"{ref_json} is not an @interactive(durable=True)")
            caller = getattr(start, "__ember_caller__")(args, kwargs)  # noqa: B009
            check_steps(steps)
            run = self._run(row, caller, steps, outcomes)
            self.start(call_durable(func, args, kwargs, caller, run), run, bounded=False)
            return "resumed"
        except Exception as error:  # one flow's damage or bug must not stop the others
            if (started := self.runs.get(flow_id)) is not None:
                self.remove(started)
            if caller is None and row[4] is not None:  # its owner, to tell
                kind, _, ident = row[4].partition(":")
                with contextlib.suppress(EmberError, LookupError):
                    caller = scheduler.entities.find(kind, int(ident) if ident.isdigit() else ident)
            log.error("durable flow %s (%s) cannot be resumed and is stopped: %s: %s",
                      name, flow_id, type(error).__name__, error, exc_info=error)  # fmt: skip
            if caller is not None and callable(getattr(caller, "msg", None)):
                caller.msg(f"{name} could not continue after the restart (its record is "
                           "damaged or its code is gone); it has been stopped.")  # fmt: skip
            if self.journal is not None:
                self.journal.delete_flow(flow_id)
            return "stopped"

    def start(
        self, work: Coroutine[Any, Any, Any], run: DurableRun, *, bounded: bool = True
    ) -> Flow[Any]:
        """Run ``work`` (:func:`call_durable`) as the flow of ``run``; return its handle."""
        flow = get_flows().start(work, run.caller, run.name, bounded=bounded, durable=True)
        flow._task.add_done_callback(functools.partial(self._ended, run, work))
        return flow

    def _ended(self, run: DurableRun, work: Coroutine[Any, Any, Any], _: object) -> None:
        if run.task is None:  # cancelled before it began: drive_durable never ran
            work.close()
            if run.on_live is not None:
                run.on_live()
            self.remove(run)
            if not run.suspended:
                run.forget()

    def _replayed(self, run: DurableRun | None = None) -> None:
        """One more resumed flow is live (or ended); once all are, collect garbage again."""
        if run is not None:
            run.on_live = None
            self._replaying -= 1
        if self._replaying <= 0:
            self._collect_again(frozen=run is not None)

    def _collect_again(self, *, frozen: bool = False) -> None:
        if self._collecting:
            self._collecting = False
            # The resumed flows wait minutes or hours: out of the collector's reach, as the
            # world is at start, or the first pass after this walks all of them (a third of
            # resuming 10,000 flows). Only once they all went live, within a loop turn or two
            # of resume(); the 10 s fallback re-enables without freezing.
            if frozen:
                gc.freeze()
            gc.enable()

    def _run(
        self, row: FlowRow, caller: Any, steps: list[StepRow], outcomes: list[Any] | None
    ) -> DurableRun:
        run = DurableRun(
            row[0], row, caller, self.journal, steps, max_steps=self.max_steps, outcomes=outcomes
        )
        run.on_live = functools.partial(self._replayed, run)
        self._replaying += 1
        run.stored = run.quiet = True  # quiet up to its first step without an outcome
        self._add(run)
        return run

    async def close(self, give_up_after: float | None = None) -> None:
        """Flush the journal and stop writing (the store is closed after)."""
        journal, self.journal = self.journal, None
        self.runs.clear()
        self._owned.clear()
        self.command_resumer = None
        if journal is not None:
            await journal.close(give_up_after)


def _started(run: DurableRun) -> float:
    return run.header[6]


async def drive_durable(work: Any, caller: Caller | None, run: DurableRun) -> Any:
    """Run ``work`` (what the flow's function returned) journaled by ``run``; end the
    journal when it ends, unless the game stopped it (then the next start resumes it)."""
    current_run.set(run)
    run.task = asyncio.current_task()
    try:
        if not run.stored:
            await run.begin()
        if inspect.isgenerator(work):
            return await _drive_journaled(work, caller, run)
        if inspect.isawaitable(work):
            step_hook.set(run.hook)
            return await work
        return work
    except ReturnValue as done:
        return done.value
    except FlowStopped as stopped:
        log.warning("%s", stopped)
        run.quiet = False
        if caller is not None:
            caller.msg(stopped.player_text)
        return None
    finally:
        if run.on_live is not None:  # it ended while replaying
            run.on_live()
        durable_flows().remove(run)
        if not run.suspended:
            run.forget()


async def call_durable(
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    caller: Any,
    run: DurableRun,
) -> Any:
    """Call ``func`` and drive what it returns as the durable flow ``run``."""
    try:
        return await drive_durable(func(*args, **kwargs), caller, run)
    except ReturnValue as done:
        return done.value


async def _drive_journaled(
    gen: Generator[Any, Any, Any], caller: Caller | None, run: DurableRun
) -> Any:
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            yielded = gen.send(value) if error is None else gen.throw(error)
        except StopIteration as stop:
            return stop.value
        value, error = None, None
        try:
            step = describe(yielded, caller, run.name)
        except (TypeError, ValueError, RuntimeError) as bad:
            close_on(gen, bad)  # raised at the yield, so the traceback shows the line
        try:
            done, value = run.replayed(step, yielded)
            if not done:
                value = await run.wait(step, yielded, run.name)
        except FlowStopped:
            gen.close()  # its finally blocks run quietly while it replays
            raise
        except asyncio.CancelledError as cancel:
            close_on(gen, cancel)
        except Exception as failed:  # TimeoutError, QuestionAbortedError, ...: at the yield
            error = failed


_durable = DurableFlows()


def durable_flows() -> DurableFlows:
    """Return the process's durable flows (one game loop per process, as for questions)."""
    return _durable
