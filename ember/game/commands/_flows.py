"""Durable flows as the ``tasks`` command lists and cancels them (``flow-<id>``)."""

from __future__ import annotations

from ember.game.accounts import Account
from ember.game.commands.general import format_duration
from ember.interaction import durable_flows
from ember.interaction._durable import DurableRun
from ember.scheduling import get_scheduler
from ember.world import Character

__all__ = ["FLOW_PREFIX", "describe_flow", "find_flow", "flow_listing", "visible_flows"]

#: How a durable flow is named in the listing and in ``tasks/cancel flow-1a2b3c4d5e``.
FLOW_PREFIX = "flow-"


def visible_flows(account: Account | None, character: Character | None) -> list[DurableRun]:
    """Return the durable flows ``account`` may see: its own and its character's, or every
    one for Developers."""
    if account is None:
        return []
    if account.is_developer:
        return durable_flows().all()
    owners = [account.key]
    if character is not None:
        owners.append(f"{character.entity_kind}:{character.id}")
    return durable_flows().owned_by(*owners)


def _age(run: DurableRun) -> str:
    return format_duration(max(0.0, get_scheduler().clock.wall() - run.header[6]))


def describe_flow(run: DurableRun) -> str:
    """Return ``"flow-1a2b3c4d5e (ritual, running 2m, step 3)"`` for questions and answers."""
    return f"{FLOW_PREFIX}{run.id} ({run.name}, running {_age(run)}, step {run.seq})"


def find_flow(runs: list[DurableRun], target: str) -> DurableRun | None:
    """Return the flow named ``target`` (``flow-<id>``) among ``runs``, or None."""
    wanted = target.strip().lower().removeprefix(FLOW_PREFIX)
    return next((run for run in runs if run.id == wanted), None)


def flow_listing(runs: list[DurableRun]) -> str:
    """Return the table of running durable flows ("" if there are none)."""
    if not runs:
        return ""
    width = max(len("Name"), *(len(run.name) for run in runs))
    lines = [f"{'Flow':<15}  {'Running':<8} {'Step':>4}  {'Name':<{width}}  Waiting on"]
    for run in runs:
        lines.append(
            f"{FLOW_PREFIX}{run.id:<10}  {_age(run):<8} {run.seq:>4}  {run.name:<{width}}  "
            f"{run.waiting}"
        )
    count = len(runs)
    lines.append(f"{count} durable flow{'s' if count != 1 else ''} (tasks/cancel flow-<id>).")
    return "\n".join(lines)
