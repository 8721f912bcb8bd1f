"""The ``stop`` command: end the action your character is busy with (docs/actions.md)."""

from __future__ import annotations

from ember.game.commands._command import Command
from ember.interaction import current_action

__all__ = ["CmdStop"]


class CmdStop(Command):
    """Stop what you are busy doing (digging, resting, brewing ...).

    Usage:
      stop

    The action hears why it stopped and may tidy up first. Works on actions other
    commands cannot interrupt, too: you chose to stop.
    """

    key = "stop"
    interrupts_action = False  # it deals with the action itself

    def func(self) -> None:
        """Interrupt the caller's current action, or say there is none."""
        action = current_action(self.caller)
        if action is None:
            self.session.msg("You are not busy with anything.")
        elif not action.interrupt("you stopped", by="stop"):
            self.session.msg(f"You are finishing {action.name} already.")
