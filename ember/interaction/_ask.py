"""Questions as values: ``ask``, ``ask_yes_no`` and ``choose``, to ``await`` or to ``yield``."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from ember.interaction._errors import QuestionAbortedError
from ember.interaction._questions import Caller, ask_caller
from ember.scheduling._journal import step_hook

__all__ = [
    "COMMAND_PREFIX",
    "DEFAULT_ATTEMPTS",
    "Choice",
    "Question",
    "QuestionAbortedError",
    "YesNo",
    "ask",
    "ask_yes_no",
    "choose",
    "current_caller",
]

T = TypeVar("T")

#: How many answers ``ask_yes_no`` and ``choose`` accept before giving up.
DEFAULT_ATTEMPTS = 3

#: A line starting with this runs as a command even while a question waits (the server strips
#: it and leaves the question pending); ``//text`` answers ``/text``. See docs/interactive.md.
COMMAND_PREFIX = "/"
_YES = ("y", "yes")
_NO = ("n", "no")
_ABORT = ("a", "abort")

current_caller: ContextVar[Caller | None] = ContextVar("ember_current_caller", default=None)
"""The caller of the command or interactive function running now (questions go to them)."""


class Question(Generic[T]):
    """A question to put to a caller: ``await`` it (async code) or ``yield`` it (``@interactive``).

    Awaited, it goes to ``caller`` if given, else to the caller of the running command or
    interactive function. Yielded, it goes to the interactive function's caller.
    """

    __slots__ = ("caller", "text", "timeout")

    def __init__(
        self,
        text: str,
        *,
        timeout: float | None = None,
        caller: Caller | None = None,
    ) -> None:
        if not isinstance(text, str):
            raise TypeError(f"a question must be a str, got {type(text).__name__}: {text!r}")
        if timeout is not None and not timeout >= 0:
            raise ValueError(f"question timeout must be >= 0 seconds or None, got {timeout!r}")
        self.text, self.timeout, self.caller = text, timeout, caller

    async def put(self, caller: Caller) -> T:
        """Ask ``caller`` and return the answer (the raw line for a plain question)."""
        answer: Any = await ask_caller(caller, self.text, timeout=self.timeout)
        return answer  # type: ignore[no-any-return]

    def to(self, caller: Caller | None) -> Caller:
        """Return who this question goes to: its own caller, else ``caller``, else the current."""
        found = self.caller or caller or current_caller.get()
        if found is None:
            raise RuntimeError(
                f"no caller to ask {self.text!r}: pass caller=... or ask from a command or an "
                "@interactive function"
            )
        return found

    def __await__(self) -> Generator[Any, None, T]:
        hook = step_hook.get()
        if hook is not None:  # an async def durable flow: the question is one of its steps
            step = hook(self)
            if step is not None:
                return step.__await__()
        return self.put(self.to(None)).__await__()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.text!r}>"


class _Retried(Question[T]):
    """A question with a fixed set of valid answers, asked again until one comes."""

    __slots__ = ("allow_abort", "attempts")

    allow_abort: bool
    attempts: int

    def prompt(self) -> str:
        """Return the text put to the caller the first time."""
        raise NotImplementedError

    def answer(self, reply: str) -> T | None:
        """Return the answer ``reply`` gives, or None if it gives none."""
        raise NotImplementedError

    def again(self, reply: str, text: str, prompt: str) -> str:
        """Return what to say about the invalid ``reply`` to ``text`` (``prompt`` is the
        question as first asked) before the question is shown again."""
        raise NotImplementedError

    #: What goes between the notes on an invalid answer and the question asked again.
    separator = " "

    def retry_text(self, reply: str, prompt: str, tries_left: int) -> str:
        """Return the question asked again after the invalid ``reply``: why it is not an
        answer, how to run it as a command if that was meant, and whether this is the last
        try (the rule is in docs/interactive.md)."""
        notes = [self.again(reply, prompt, prompt)]
        typed = reply.strip()
        if typed and not typed.isdigit() and not typed.startswith(COMMAND_PREFIX):
            notes.append(f"For a command, type {COMMAND_PREFIX}{typed[:40]} instead.")
        if tries_left == 1:
            notes.append("Last try: another answer that is not valid gives the question up.")
        return " ".join(notes) + self.separator + prompt

    async def put(self, caller: Caller) -> T:
        """Ask until a valid answer comes, or the player aborts or runs out of attempts.

        Each invalid answer is told why (see :meth:`retry_text`); giving up says so, naming
        the question.
        """
        prompt = text = self.prompt()
        for attempt in range(self.attempts):
            reply = await ask_caller(caller, text, timeout=self.timeout, first=attempt > 0)
            answer = self.answer(reply)
            if answer is not None:
                return answer
            if self.allow_abort and reply.strip().lower() in _ABORT:
                caller.msg("Aborted.")
                raise QuestionAbortedError(f"{self.text!r} was aborted")
            text = self.retry_text(reply, prompt, self.attempts - attempt - 1)
        tries = f"{self.attempts} tr{'ies' if self.attempts > 1 else 'y'}"
        caller.msg(f"No valid answer in {tries}: giving up on {self.text!r}.")
        raise QuestionAbortedError(f"no valid answer to {self.text!r} in {self.attempts} attempts")


def _checked_attempts(attempts: int) -> int:
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts!r}")
    return attempts


class YesNo(_Retried[bool]):
    """A yes/no question: True for yes, False for no; see :func:`ask_yes_no`."""

    __slots__ = ("default",)

    def __init__(
        self,
        text: str,
        *,
        default: bool | None = None,
        allow_abort: bool = False,
        attempts: int = DEFAULT_ATTEMPTS,
        timeout: float | None = None,
        caller: Caller | None = None,
    ) -> None:
        super().__init__(text, timeout=timeout, caller=caller)
        self.allow_abort, self.attempts = allow_abort, _checked_attempts(attempts)
        self.default = default

    def hint(self) -> str:
        """Return ``[Y/n]``, ``[y/N]`` or ``[y/n]`` (with ``/a`` when aborting is allowed)."""
        yes = "Y" if self.default is True else "y"
        no = "N" if self.default is False else "n"
        return f"[{yes}/{no}{'/a' if self.allow_abort else ''}]"

    def prompt(self) -> str:
        """Return the question with its hint."""
        return f"{self.text} {self.hint()} "

    def answer(self, reply: str) -> bool | None:
        """Return True for yes, False for no, the default for an empty reply, else None."""
        reply = reply.strip().lower()
        if reply in _YES:
            return True
        if reply in _NO:
            return False
        return self.default if not reply else None

    def again(self, reply: str, text: str, prompt: str) -> str:
        """Return a reminder of the answers allowed."""
        abort = " (or abort)" if self.allow_abort else ""
        return f"Please answer yes or no{abort}: {reply.strip()[:40]!r} is neither."


class Choice(_Retried[str]):
    """A choice among options, answered by number or by (the start of) an option's text."""

    __slots__ = ("options",)

    def __init__(
        self,
        text: str,
        options: Sequence[str],
        *,
        allow_abort: bool = False,
        attempts: int = DEFAULT_ATTEMPTS,
        timeout: float | None = None,
        caller: Caller | None = None,
    ) -> None:
        super().__init__(text, timeout=timeout, caller=caller)
        if isinstance(options, str) or not options:
            raise ValueError(f"choose() needs a non-empty list of options, got {options!r}")
        if not all(isinstance(option, str) for option in options):
            raise TypeError(f"choose() options must be strings, got {options!r}")
        self.allow_abort, self.attempts = allow_abort, _checked_attempts(attempts)
        self.options = tuple(options)

    def pick(self, reply: str) -> str | None:
        """Return the option ``reply`` names (number, text, or unique start), or None."""
        reply = reply.strip().lower()
        if not reply:
            return None
        if reply.isdigit() and 1 <= int(reply) <= len(self.options):
            return self.options[int(reply) - 1]
        exact = [option for option in self.options if option.lower() == reply]
        if exact:
            return exact[0]
        starting = [option for option in self.options if option.lower().startswith(reply)]
        return starting[0] if len(starting) == 1 else None

    def prompt(self) -> str:
        """Return the question with its numbered options."""
        lines = [self.text, *(f"  {n}) {option}" for n, option in enumerate(self.options, 1)), ""]
        abort = " (or a to abort)" if self.allow_abort else ""
        return "\n".join(lines) + f"Choose 1-{len(self.options)}{abort}: "

    def answer(self, reply: str) -> str | None:
        """Return the option picked (see :meth:`pick`), or None."""
        return self.pick(reply)

    separator = "\n"

    def again(self, reply: str, text: str, prompt: str) -> str:
        """Return that ``reply`` is not one of the options (they are shown again after)."""
        return f"{reply.strip()[:40]!r} is not one of the options."


def ask(
    question: str,
    *,
    timeout: float | None = None,
    caller: Caller | None = None,
) -> Question[str]:
    """Return a question whose answer is the caller's next line of input (as typed).

    ``answer = await ask("Your name?")`` in a command or ``async`` code,
    ``answer = yield ask("Your name?", timeout=30)`` in an ``@interactive`` function. With
    ``timeout`` (seconds), ``TimeoutError`` is raised where it is awaited or yielded.
    """
    return Question(question, timeout=timeout, caller=caller)


def ask_yes_no(
    question: str,
    default: bool | None = None,
    allow_abort: bool = False,
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    timeout: float | None = None,
    caller: Caller | None = None,
) -> YesNo:
    """Return a yes/no question: its answer is True (y, yes) or False (n, no).

    An empty answer gives ``default`` when there is one; any other answer asks again, up to
    ``attempts`` times in all. With ``allow_abort``, ``a`` or ``abort`` ends it. Giving up
    and aborting tell the player and raise :class:`QuestionAbortedError`, which ends a command
    or interactive function quietly.

    Example::

        if await ask_yes_no("Drop the sword?", default=False):
            ...
        if (yield ask_yes_no("Drop the sword?", default=False)):   # @interactive
            ...
    """
    return YesNo(
        question,
        default=default,
        allow_abort=allow_abort,
        attempts=attempts,
        timeout=timeout,
        caller=caller,
    )


def choose(
    question: str,
    options: Sequence[str],
    *,
    allow_abort: bool = False,
    attempts: int = DEFAULT_ATTEMPTS,
    timeout: float | None = None,
    caller: Caller | None = None,
) -> Choice:
    """Return a question listing ``options``; its answer is the option picked.

    The player answers with a number, an option's text or its unique start (case does not
    matter); anything else asks again, up to ``attempts`` times (then, as for aborting with
    ``allow_abort``, :class:`QuestionAbortedError`).

    Example::

        colour = await choose("Paint it which colour?", ["red", "green", "blue"])
    """
    return Choice(
        question,
        options,
        allow_abort=allow_abort,
        attempts=attempts,
        timeout=timeout,
        caller=caller,
    )
