"""Repeating timers (``repeat()``) as the ``tasks`` command lists them and acts on them."""

from __future__ import annotations

from ember.game.accounts import Account
from ember.game.commands.general import format_duration
from ember.scheduling import Repeat, RepeatState, Scheduler, repeater_of

__all__ = ["REPEAT_ACTIONS", "apply_to_repeat", "describe_repeat", "repeat_listing", "visible"]

#: What ``tasks/<switch> <id>`` can do to a repeat (the switch is the Repeat method run).
REPEAT_ACTIONS = ("pause", "unpause", "cancel", "remove")


def visible(scheduler: Scheduler, account: Account | None, character: object) -> list[Repeat]:
    """The repeats ``account`` may see: its own and its character's, or all for Developers."""
    if account is None:
        return []
    repeater = repeater_of(scheduler)
    if account.is_developer:
        return repeater.all()
    mine = repeater.all(account.key)
    kind, ident = getattr(character, "entity_kind", None), getattr(character, "id", None)
    if kind is not None:
        mine += repeater.all(f"{kind}:{ident}")
    return mine


def describe_repeat(rep: Repeat) -> str:
    """``"repeat 12 (mygame.regen, every 10s, next in 4s)"`` for questions and answers."""
    return f"repeat {rep.id} ({rep.callback_name}, every {format_duration(rep.interval)}, " + (
        f"next in {format_duration(rep.remaining)})" if rep.active() else f"{rep.state.value})"
    )


def repeat_listing(repeats: list[Repeat]) -> str:
    """The table of repeats: id, interval, next tick, ticks left, callback, persistent, state."""
    width = max(len("Callback"), *(len(rep.callback_name) for rep in repeats))
    lines = [
        f"{'Id':>6}  {'Every':<7} {'Next in':<8} {'Left':<5} {'Callback':<{width}} Pers.  State"
    ]
    for rep in repeats:
        left = "-" if rep.count_left is None else str(rep.count_left)
        next_in = format_duration(rep.remaining) if rep.active() else "-"
        lines.append(
            f"{rep.id:>6}  {format_duration(rep.interval):<7} {next_in:<8} {left:<5} "
            f"{rep.callback_name:<{width}} {'yes' if rep.persistent else 'no':<6}"
            f"{rep.state.value}"
        )
    lines.append(f"{len(repeats)} repeating task{'s' if len(repeats) != 1 else ''}.")
    return "\n".join(lines)


def apply_to_repeat(scheduler: Scheduler, action: str, rep: Repeat) -> str:
    """Apply ``action`` to ``rep`` if it is still held; return what happened."""
    if action not in REPEAT_ACTIONS:
        return f"A repeating task can be paused, unpaused, cancelled or removed, not {action}."
    if repeater_of(scheduler).get(rep.id) is not rep:
        return f"Repeat {rep.id} is gone (cancelled or finished meanwhile); nothing done."
    if action != "remove" and rep.state not in (RepeatState.SCHEDULED, RepeatState.PAUSED):
        return f"Repeat {rep.id} is {rep.state.value}; nothing done."
    if not getattr(rep, action)():
        return f"Repeat {rep.id}: nothing to {action} ({rep.state.value})."
    return f"Repeat {rep.id} ({rep.callback_name}): {action} done."
