"""Developer-only commands: run Python in the game (``py``) and reload the game process."""

from __future__ import annotations

import ast
import builtins
import inspect
import traceback
from collections.abc import Coroutine
from types import CodeType
from typing import Any

from ember.game.accounts import DEVELOPER
from ember.game.commands._command import Command
from ember.scheduling import delay

__all__ = ["CmdPy", "CmdReload", "run_python"]

_MAX_REPR = 4000
_FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT


def run_python(
    code: str, namespace: dict[str, Any], output: list[str]
) -> Coroutine[Any, Any, None] | None:
    """Run ``code`` in ``namespace`` as the Python prompt would, collecting text in ``output``.

    Statements run in order; if the last one is an expression its repr is shown (unless it is
    None). ``print`` output and tracebacks go to ``output``, never to the real stdout. Code
    with a top-level ``await`` returns a coroutine that finishes the job when awaited;
    otherwise everything has run on return and the result is None.
    """

    def _print(*values: object, sep: str | None = " ", end: str | None = "\n", **_: Any) -> None:
        output.append((sep if sep is not None else " ").join(map(str, values)) + (end or ""))

    namespace["print"] = _print
    try:
        steps = _compile(code)
    except SyntaxError as error:
        output.append(_format_error(error))
        return None
    if any(step.co_flags & inspect.CO_COROUTINE for step, _ in steps):
        return _run_async(steps, namespace, output)
    try:
        for step, show in steps:
            _show(eval(step, namespace), show, output)
    except Exception as error:
        output.append(_format_error(error))
    return None


def _compile(code: str) -> list[tuple[CodeType, bool]]:
    """Compile ``code`` into steps: the statements, then the final expression (shown)."""
    tree = compile(code, "<py>", "exec", ast.PyCF_ONLY_AST | _FLAGS)
    assert isinstance(tree, ast.Module)
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr):
        return [(compile(tree, "<py>", "exec", _FLAGS), False)]
    head = ast.Module(body=tree.body[:-1], type_ignores=[])
    tail = ast.Expression(body=last.value)
    steps = [(compile(head, "<py>", "exec", _FLAGS), False)] if head.body else []
    return [*steps, (compile(tail, "<py>", "eval", _FLAGS), True)]


async def _run_async(
    steps: list[tuple[CodeType, bool]], namespace: dict[str, Any], output: list[str]
) -> None:
    try:
        for step, show in steps:
            result = eval(step, namespace)
            if step.co_flags & inspect.CO_COROUTINE:
                result = await result
            _show(result, show, output)
    except Exception as error:
        output.append(_format_error(error))


def _show(result: Any, show: bool, output: list[str]) -> None:
    if show and result is not None:
        output.append(_shorten(repr(result)))


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR] + f"... ({len(text)} characters)"


def _format_error(error: BaseException) -> str:
    # Only the frames of the player's code ("<py>"), not this module's.
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename != __file__]
    text = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
    return text + "".join(traceback.format_exception_only(error))


class CmdPy(Command):
    """Run Python code inside the game (Developers only).

    Usage: py <code>

    An expression shows its value; statements run. ``self``/``me``/``caller`` is your
    character, ``account`` your account, ``here`` the room, ``server`` the game (its
    ``world`` too); ``delay`` is at hand (``from
    ember import delay`` works too), e.g. ``py delay(60, caller.msg, "hi", persistent=True)``.
    Top-level ``await`` works: ``py await asyncio.sleep(1)``.
    """

    key = "py"
    aliases = ("!",)
    interrupts_action = False  # runs alongside an action
    permission = DEVELOPER
    help_category = "Developer"

    def func(self) -> Coroutine[Any, Any, None] | None:
        """Run the code and send its output, result or traceback to the caller.

        Code using ``await`` at top level continues as a task, so the game keeps running.
        """
        if not self.args:
            self.session.msg("Usage: py <code>")
            return None
        namespace: dict[str, Any] = {
            "__builtins__": builtins,
            "__name__": "__ember_py__",
            "self": self.caller,
            "me": self.caller,
            "caller": self.caller,
            "here": getattr(self.caller, "location", None),
            "account": self.account,
            "server": self.server,
            "session": self.session,
            "delay": delay,
        }
        output: list[str] = []
        pending = run_python(self.args, namespace, output)
        if pending is None:
            self.show(output)
            return None
        return self._finish(pending, output)

    async def _finish(self, pending: Coroutine[Any, Any, None], output: list[str]) -> None:
        await pending
        self.show(output)

    def show(self, output: list[str]) -> None:
        """Send the echoed code and its output to the session that ran it."""
        text = "".join(line if line.endswith("\n") else line + "\n" for line in output)
        self.session.msg(
            f">>> {self.args}\n{text.rstrip()}" if text.strip() else f">>> {self.args}"
        )


class CmdReload(Command):
    """Reload the game's code; everyone stays connected (Developers only)."""

    key = "reload"
    interrupts_action = False  # runs alongside an action
    permission = DEVELOPER
    help_category = "Developer"

    def func(self) -> None:
        """Flush, hand over to the portal (which tells everyone) and exit the game process."""
        self.server.request_reload(by=self.session.name)
