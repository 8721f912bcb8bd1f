"""The game's side of durable flows: journal in the task store, commands resumed, reloads.

``@interactive(durable=True)`` functions resume on their own (:mod:`ember.interaction`); a
command with ``durable = True`` needs the game to be made again: its class is found by
reference, given its caller, the words typed and a session of its player, and its ``func``
called from the start to replay (docs/durable-flows.md).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol, cast

from ember.errors import UnresolvableReferenceError
from ember.game.commands import Command
from ember.game.commands._durable import COMMAND_FIELDS
from ember.game.context import GameContext
from ember.interaction import durable_flows
from ember.interaction._durable import DurableRun
from ember.interaction._durable_flows import PlayerAwayError
from ember.scheduling import get_scheduler
from ember.scheduling._journal import JournalStore, StoredJournal
from ember.scheduling._refs import resolve_reference

if TYPE_CHECKING:
    from ember.game.commands import Dispatcher


class FlowHost(GameContext, Protocol):
    """What resuming commands needs of the game (the game server is one)."""

    @property
    def dispatcher(self) -> Dispatcher:
        """Runs commands."""


__all__ = ["close_flows", "open_flows", "resume_flows"]

log = logging.getLogger("ember.game")


async def open_flows(server: FlowHost, store: object) -> StoredJournal | None:
    """Attach the journal to the task store and read the stored flows (resumed by
    :func:`resume_flows` once the server serves); None for a store with no journal."""
    if not hasattr(store, "load_journal"):
        return None
    flows = durable_flows()
    flows.max_per_owner = server.settings.max_flows_running
    flows.command_resumer = lambda run, ref, args, kwargs: _resume_command(
        server, run, ref, args, kwargs
    )
    return await flows.attach(cast(JournalStore, store))


def resume_flows(stored: StoredJournal | None) -> None:
    """Start the stored flows again (nothing without a journal)."""
    if stored is not None:
        durable_flows().resume(stored)


async def close_flows(give_up_after: float | None) -> None:
    """Flush the journal (before the task store closes)."""
    try:
        await durable_flows().close(give_up_after)
    except Exception:
        log.exception("flushing the flow journal failed")


def _resume_command(
    server: FlowHost, run: DurableRun, ref: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    cls = resolve_reference(ref, get_scheduler().trusted_modules)
    if not (isinstance(cls, type) and issubclass(cls, Command)):
        raise UnresolvableReferenceError(f"{ref!r} is not a Command class")
    caller: Any = args[0] if args else None
    session = next(
        (s for s in server.sessions if s.character is caller or s.account is caller), None
    )
    if session is None:
        raise PlayerAwayError(f"nobody plays {caller!r} now")
    command = cls()
    command.caller, command.session, command.context = caller, session, server
    command.cmdset = server.dispatcher.cmdset_for(session)
    for name in COMMAND_FIELDS:
        setattr(command, name, kwargs.get(name, [] if name == "switches" else ""))
    server.dispatcher.resume(command, run)
