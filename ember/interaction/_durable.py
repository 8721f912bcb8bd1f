"""One durable flow's journal at run time: replaying recorded steps, then recording live ones.

Each step a durable flow waits on (a pause, a question, a ``run_async`` job, ``flow_random()``
or ``flow_now()``) gets the next sequence number. While the flow replays after a restart, a
step with a recorded outcome is answered from the journal at once, and the flow's messages
are suppressed (see :func:`replaying`); the first step without one makes the flow live
again. A recorded step of another kind or key than the code now asks for stops the flow
(:class:`FlowStopped`): never a wrong continuation. The rule is in docs/durable-flows.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import math
import numbers
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from ember.errors import NotPersistableError
from ember.interaction._ask import Choice, Question
from ember.interaction._errors import QuestionAbortedError, TooManyWaitingError
from ember.interaction._flow_values import FlowValue, _Pause, close_on, flow_now, flow_random
from ember.interaction._questions import AskedLine, Caller, questions
from ember.scheduling import get_scheduler
from ember.scheduling._journal import FlowRow, JournalWriter, StepRow, step_hook
from ember.scheduling._refs import decode_value, encode_arguments

__all__ = [
    "MAX_STEP_BYTES",
    "DurableRun",
    "FlowStopped",
    "FlowValue",
    "Step",
    "close_on",
    "current_run",
    "describe",
    "flow_now",
    "flow_random",
    "replaying",
]

_PLAIN = frozenset((str, int, float, bool, type(None)))  # recorded as they are
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode

#: The largest recorded outcome (JSON text) of one step; a bigger one is refused at the yield.
MAX_STEP_BYTES = 16_384

current_run: ContextVar[DurableRun | None] = ContextVar("ember_durable_run", default=None)
"""The durable flow whose task runs now (None outside durable flows)."""


def replaying() -> bool:
    """Return whether the code running now is a durable flow replaying its journal (its
    messages are then dropped: the player saw them before the restart)."""
    run = current_run.get()
    return run is not None and run.quiet


class FlowStopped(BaseException):
    """A durable flow cannot go on: its code asks for another step than the one recorded, or
    its journal is damaged. A ``BaseException``, so ``except Exception`` in the flow does not
    swallow it; the flow ends, the player is told ``player_text`` and the log names the step."""

    def __init__(self, log_text: str, player_text: str) -> None:
        super().__init__(log_text)
        self.player_text = player_text


def _is_job(value: object) -> bool:
    # ember.offload sits beside this package: its Job is recognised by shape, not imported.
    return type(value).__name__ == "Job" and hasattr(value, "outcome") and hasattr(value, "call")


Step = tuple[str, str, Callable[[], Awaitable[Any]] | None]


def describe(yielded: Any, caller: Caller | None, what: str) -> Step:
    """Return ``(kind, key, live)`` for what a durable flow waits on; ``TypeError`` if it is
    nothing a journal can record (said at the yield)."""
    kind = type(yielded)
    if kind is FlowValue:  # the cheap checks first: a replay runs through many steps
        return yielded.kind, "", yielded._live
    if kind is int or kind is float:
        return _pause_step(float(yielded), yielded, what)
    if kind is AskedLine:
        line = yielded
        return "ask", line.text, lambda: questions.ask(line.caller, line.text, timeout=line.timeout)
    if isinstance(yielded, str):
        if caller is None:
            raise TypeError(f"{what} asked {yielded!r} but has no caller to ask")
        return "ask", yielded, lambda: questions.ask(caller, yielded)
    if isinstance(yielded, Question):
        question = yielded
        key = f"{type(question).__name__}:{question.text}"
        if isinstance(question, Choice):
            key += " [" + "|".join(question.options) + "]"
        target = question.to(caller)
        return "ask", key, lambda: question.put(target)
    if isinstance(yielded, _Pause):
        return "pause", repr(yielded.seconds), None
    if isinstance(yielded, numbers.Real) and not isinstance(yielded, bool):
        return _pause_step(float(yielded), yielded, what)
    if isinstance(yielded, FlowValue):
        return yielded.kind, "", yielded._live
    if _is_job(yielded):
        job = yielded
        return "job", str(job.name), lambda: job
    raise TypeError(
        f"durable flow {what} waited on {yielded!r:.80} ({type(yielded).__name__}), which its "
        "journal cannot record; a durable flow may wait on a number of seconds, a question "
        "(a str, ask(), ask_yes_no(), choose()), a run_async() job, flow_random() or flow_now()"
    )


def _pause_step(seconds: float, yielded: object, what: str) -> Step:
    if not 0 <= seconds < math.inf:
        raise ValueError(f"{what}: yield needs a finite number of seconds >= 0, got {yielded!r}")
    return "pause", repr(seconds), None


class DurableRun:
    """The journal of one durable flow while it runs (see the module docstring)."""

    __slots__ = (
        "_outcomes",
        "caller",
        "header",
        "id",
        "journal",
        "max_steps",
        "name",
        "on_live",
        "quiet",
        "recorded",
        "seq",
        "stored",
        "suspended",
        "task",
        "waiting",
    )

    def __init__(
        self,
        flow_id: str,
        header: FlowRow,
        caller: Caller | None,
        journal: JournalWriter | None,
        recorded: list[StepRow],
        *,
        max_steps: int,
        outcomes: list[Any] | None = None,
    ) -> None:
        self.id, self.header, self.caller, self.journal = flow_id, header, caller, journal
        self.name = header[5]
        self.recorded = recorded
        self.max_steps = max_steps
        self.seq = 0
        self.quiet = False  # replaying: messages dropped (set for a resumed flow)
        self.stored = False  # the flow row is in the journal
        self.suspended = False  # stopped by a reload or shutdown: the journal stays
        self.task: asyncio.Task[Any] | None = None
        self.waiting = "starting"
        # The complete steps' outcomes, parsed (None: parsed at first use; resume() parses
        # those of all flows at once).
        self._outcomes = outcomes
        #: Called once when a resumed flow goes live (the registry counts replays).
        self.on_live: Callable[[], None] | None = None

    def hook(self, awaited: Any) -> Awaitable[Any] | None:
        """The step hook of an ``async def`` flow: journal ``awaited`` if it is awaited by
        the flow's own task (work it started elsewhere is not the flow's step)."""
        if asyncio.current_task() is not self.task:
            return None
        return self.step(awaited, self.caller, self.name)

    async def step(self, yielded: Any, caller: Caller | None, what: str) -> Any:
        """Wait on one step: from the journal while replaying, else live, then recorded."""
        return await self.wait(describe(yielded, caller, what), yielded, what)

    def replayed(self, step: Step, yielded: Any) -> tuple[bool, Any]:
        """``(True, outcome)`` if the next step is recorded complete (it is then taken), else
        ``(False, None)``: :meth:`wait` must wait on it. :class:`FlowStopped` if the
        recorded step is another one. No coroutine: a replay runs through many of these."""
        seq = self.seq
        if seq >= len(self.recorded):
            return False, None
        recorded = self.recorded[seq]
        if recorded[2] != step[0] or recorded[3] != step[1]:
            self._discard(yielded)
            raise self._changed(seq, recorded, step[0], step[1])
        if recorded[4] is None:
            return False, None
        self.seq += 1
        self._discard(yielded)
        return True, self._outcome(seq, recorded)

    async def wait(self, step: Step, yielded: Any, what: str) -> Any:
        """Wait on the step :func:`describe` made of ``yielded`` (see :meth:`step`)."""
        done, outcome = self.replayed(step, yielded)
        if done:
            return outcome
        kind, key, live = step
        seq = self.seq
        self.seq += 1
        recorded = self.recorded[seq] if seq < len(self.recorded) else None
        if self.quiet:
            self.quiet = False
            if self.on_live is not None:
                self.on_live()
        if seq >= self.max_steps:
            self._discard(yielded)
            raise FlowStopped(
                f"durable flow {self.name} ({self.id}) reached {self.max_steps} steps",
                f"{self.name} took more than {self.max_steps} steps and was stopped there.",
            )
        self.waiting = f"{kind} {key}".strip()[:60]
        token = step_hook.set(None)  # the live wait itself is not a step
        try:
            if kind == "pause":
                await self._pause(seq, key, recorded)
                return None
            assert live is not None
            try:
                value = await live()
            except TooManyWaitingError:
                raise
            except (TimeoutError, QuestionAbortedError) as error:
                failure = {"error": type(error).__name__, "text": str(error)}
                self._put((self.id, seq, kind, key, json.dumps(failure), None))
                await self._flush()
                raise
        finally:
            step_hook.reset(token)
        self._put((self.id, seq, kind, key, self._encode(seq, value, kind, key, what), None))
        await self._flush()
        return value

    async def _pause(self, seq: int, key: str, recorded: StepRow | None) -> None:
        clock = get_scheduler().clock
        now = clock.wall()
        until = recorded[5] if recorded is not None and recorded[5] is not None else None
        if until is None:
            until = now + float(key)
            self._put((self.id, seq, "pause", key, None, until))
        left = max(0.0, until - now)
        if left:
            woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            timer = clock.call_at(clock.monotonic() + left, functools.partial(_wake, woken))
            try:
                await woken
            finally:
                timer.cancel()
        self._put((self.id, seq, "pause", key, "[null]", until))
        await self._flush()

    def _encode(self, seq: int, value: Any, kind: str, key: str, what: str) -> str:
        try:
            if type(value) in _PLAIN and (type(value) is not float or math.isfinite(value)):
                text = _dumps([value])  # the common case: a plain answer or number
            else:
                text, _ = encode_arguments((value,), {}, get_scheduler().entities)
        except NotPersistableError as error:
            raise TypeError(
                f"durable flow {what}: the outcome of step {seq} ({kind} {key[:40]}) cannot be "
                f"recorded: {str(error).replace('argument args[0]', 'the outcome')}"
            ) from None
        if len(text) > MAX_STEP_BYTES:
            raise TypeError(
                f"durable flow {what}: the outcome of step {seq} ({kind} {key[:40]}) is "
                f"{len(text):,} bytes as JSON; a step may record at most {MAX_STEP_BYTES:,}"
            )
        return text

    def _parsed(self, seq: int, text: str) -> Any:
        """The parsed outcome of step ``seq``: all complete steps are parsed in one go on first
        use (one parse per flow, not per step); a damaged one makes that fall back to each."""
        if self._outcomes is None:
            texts = [row[4] for row in self.recorded]
            self._outcomes = []
            done = [t for t in texts if t is not None]
            if None not in texts[:-1]:
                with contextlib.suppress(ValueError):
                    parsed = json.loads(f"[{','.join(done)}]")
                    # One value per step, or a damaged text spanned two: then parse each.
                    if len(parsed) == len(done):
                        self._outcomes = parsed
        if seq < len(self._outcomes):
            return self._outcomes[seq]
        return json.loads(text)

    def _outcome(self, seq: int, recorded: StepRow) -> Any:
        text = recorded[4]
        assert text is not None
        try:
            value = self._parsed(seq, text)
            if isinstance(value, dict) and value.get("error") in (
                "TimeoutError",
                "QuestionAbortedError",
            ):
                error = TimeoutError if value["error"] == "TimeoutError" else QuestionAbortedError
                raise error(str(value.get("text", "")))
            if not (isinstance(value, list) and len(value) == 1):
                raise ValueError(f"not a recorded outcome: {text[:60]!r}")
            found = value[0]
            if type(found) in _PLAIN:
                return found
            return decode_value(found, get_scheduler().entities)
        except (TimeoutError, QuestionAbortedError):
            raise
        except Exception as error:
            raise FlowStopped(
                f"durable flow {self.name} ({self.id}): step {seq} ({recorded[2]} "
                f"{recorded[3][:40]!r}) has a damaged record: {error}",
                f"{self.name} cannot continue: its record is damaged. It has been stopped.",
            ) from None

    def _changed(self, seq: int, recorded: StepRow, kind: str, key: str) -> FlowStopped:
        return FlowStopped(
            f"durable flow {self.name} ({self.id}) changed: step {seq} was recorded as "
            f"{recorded[2]} {recorded[3][:60]!r}, the code now asks for {kind} {key[:60]!r}",
            f"{self.name} cannot continue: the game's code changed since it started "
            f"(step {seq + 1} is different now). It has been stopped.",
        )

    @staticmethod
    def _discard(yielded: Any) -> None:
        """A job started by code being replayed must not run again: cancel it before it does."""
        if type(yielded) is not FlowValue and _is_job(yielded):
            yielded.cancel("replayed from the flow journal")

    async def begin(self) -> None:
        """Store the flow before its code runs, so that a crash before its first step finds
        it (it then replays quietly up to that step: what it said is not said twice)."""
        if self.journal is not None and not self.stored:
            self.journal.put_flow(self.header)
            self.stored = True
            await self.journal.flush()

    def _put(self, row: StepRow) -> None:
        if self.journal is not None:
            self.journal.put_step(row)

    async def _flush(self) -> None:
        # What follows a step (its messages) happens only once the step is durable.
        if self.journal is not None:
            await self.journal.flush()

    def forget(self) -> None:
        """The flow has ended for good: remove it from the journal."""
        if self.journal is not None and self.stored:
            self.journal.delete_flow(self.id)
            self.stored = False


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
