"""Commands with ``durable = True``: their journal, made when one starts (see
ember/game/_durable_flows.py for how they are made again after a restart)."""

from __future__ import annotations

import json
from collections.abc import Callable

from ember.game.commands._command import Command
from ember.interaction import QuestionAbortedError, durable_flows
from ember.interaction._durable import DurableRun
from ember.scheduling._refs import resolve_reference

__all__ = ["COMMAND_FIELDS", "command_journal"]

#: What a stored command keeps of what was typed (with its caller).
COMMAND_FIELDS = ("args", "switches", "raw", "cmdstring")


def command_journal(
    command: Command, report: Callable[[Command, BaseException], None]
) -> DurableRun | None:
    """Make the journal of a command with ``durable = True`` about to run (by reference:
    its class, its caller, what was typed). None if it cannot be stored (``report`` is
    given the error, naming what) or its player has too many (they were told)."""
    cls = type(command)
    ref = f"{cls.__module__}:{cls.__qualname__}"
    fields = {name: getattr(command, name) for name in COMMAND_FIELDS}
    try:
        resolve_reference(ref)  # a class made in a function cannot be found again: say so now
        return durable_flows().new_run(
            json.dumps({"command": ref}), (command.caller,), fields, command.caller, command.key
        )
    except QuestionAbortedError:
        return None
    except Exception as error:
        report(command, error)
        return None
