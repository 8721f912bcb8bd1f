"""Reading an input line: its command word, switches and arguments, the one-character
shortcuts, the command prefix that escapes a pending question, and which lines are logins."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ember.interaction import COMMAND_PREFIX

__all__ = [
    "CONNECT_WORDS",
    "CREATE_WORDS",
    "LOGIN_WORDS",
    "is_login_line",
    "split_command",
    "split_escape",
]

EMPTY: Mapping[str, str] = MappingProxyType({})


def split_command(line: str, shortcuts: Mapping[str, str] = EMPTY) -> tuple[str, list[str], str]:
    """Split ``"tasks/cancel 12"`` into ``("tasks", ["cancel"], "12")`` (word lower-cased);
    a line starting with one of ``shortcuts`` (``{"'": "say"}``) gives that command and
    the rest: ``"'hi"`` is ``("say", [], "hi")``."""
    text = line.strip()
    if text[:1] in shortcuts:
        return shortcuts[text[0]], [], text[1:].strip()
    word, _, rest = text.partition(" ")
    key, *switches = word.split("/")
    return key.lower(), [s.lower() for s in switches if s], rest.strip()


def split_escape(line: str) -> tuple[str, bool]:
    """Return ``(line, True)`` without the prefix for ``"/look"``: a command even while a
    question waits; ``("/x", False)`` for ``"//x"`` (an answer starting with the prefix);
    else ``(line, False)``."""
    text = line.lstrip()
    if not text.startswith(COMMAND_PREFIX):
        return line, False
    rest = text[len(COMMAND_PREFIX) :]
    if rest.startswith(COMMAND_PREFIX):
        return rest, False
    return rest, True


#: The words of the login commands (``connect``, ``create`` and their aliases).
CONNECT_WORDS = ("connect", "conn", "con")
CREATE_WORDS = ("create", "cr")
LOGIN_WORDS = frozenset(CONNECT_WORDS + CREATE_WORDS)


def is_login_line(line: str) -> bool:
    """Return whether ``line`` is a login line: its command word (before any ``/switch``,
    any case) is ``connect``, ``create`` or one of their aliases, so it carries a password.

    The one place that decides it: the login commands take their names from these words,
    error reports keep such lines out of the log, and clients keep them out of their
    history (the web client mirrors this rule).
    """
    return split_command(line)[0] in LOGIN_WORDS
