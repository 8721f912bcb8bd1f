"""What a command does while its caller is busy with an action (docs/actions.md).

Each command class says it with ``interrupts_action``: ``None`` (the default) refuses the
command with the action's busy message, ``False`` runs it alongside (look, say, help),
``True`` interrupts the action first (movement). A line naming an exit counts as ``True``.
An interrupting command runs once the action's flow has taken the interruption in (its
"You climb out of the hole." comes before the new room); input typed meanwhile waits in
order behind it, as during a login.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

from ember.interaction import Action, current_action
from ember.world import Character, Exit

if TYPE_CHECKING:
    from ember.game.commands._command import Command
    from ember.game.sessions import Session

__all__ = ["SETTLE_WAIT", "admit"]

#: Longest wait (seconds) for a flow to take an interruption in before the command runs anyway.
SETTLE_WAIT = 5.0


class Dispatcher(Protocol):
    """What this module asks of the dispatcher (``_dispatch.Dispatcher``)."""

    @property
    def server(self) -> Any: ...
    def handle_line(self, session: Session, line: str) -> None: ...
    def _release(self, session: Session) -> None: ...


def _names_exit(character: Character, line: str) -> bool:
    place, wanted = character.location, line.strip().lower()
    if place is None or not wanted:
        return False
    return any(
        isinstance(obj, Exit) and wanted in (obj.key.lower(), *map(str.lower, obj.aliases))
        for obj in place.contents
    )


def admit(
    dispatcher: Dispatcher,
    session: Session,
    caller: Character,
    line: str,
    command_class: type[Command] | None,
) -> bool:
    """Return whether ``line`` runs now; otherwise it was refused (and the player told) or
    it interrupted the action and runs once the flow has reacted."""
    action = current_action(caller)
    if action is None:
        return True
    mode: bool | None = _names_exit(caller, line)
    if command_class is not None:
        mode = command_class.interrupts_action
    if mode is False:
        return True
    if action.reason is not None:  # interrupted already, still tidying up
        if mode is True:
            return True
        session.msg(f"You are still finishing {action.name}.")
        return False
    if mode is None or not action.interruptible:
        session.msg(action.message)
        return False
    word = line.strip().split(" ", 1)[0]
    action.interrupt(f"you did '{word}'", by=word)
    session.held = deque()  # what the player types meanwhile waits behind this line
    dispatcher.server.spawn(_after(dispatcher, session, action, line), name=f"after {word}")
    return False


async def _after(dispatcher: Dispatcher, session: Session, action: Action, line: str) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(SETTLE_WAIT):
            await action.settled()
    held, session.held = session.held, None
    if dispatcher.server.stopping or dispatcher.server.sessions.get(session.sid) is not session:
        return
    dispatcher.handle_line(session, line)
    if held:
        if session.held is not None:
            session.held.extend(held)  # that line started an input-holding command
        else:
            session.held = held
            dispatcher._release(session)  # the queued lines, one per loop turn
