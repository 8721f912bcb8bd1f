"""Cancelling the timed tasks (delays and repeats) that belong to an object being deleted."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ember.scheduling import Repeat, Scheduler, Task, repeater_of

if TYPE_CHECKING:
    from ember.world._object import GameObject

__all__ = ["cancel_owned_tasks"]

log = logging.getLogger("ember.world")


def cancel_owned_tasks(scheduler: Scheduler, obj: GameObject) -> None:
    """Cancel every active delay and repeat owned by ``obj``, each with a warning naming
    both, so a task never fires on an object that is gone."""
    owner = f"{obj.entity_kind}:{obj.id}"
    held: list[Task | Repeat] = [*scheduler.tasks(owner=owner)]
    held += repeater_of(scheduler).all(owner)
    for task in held:
        if task.active():
            log.warning(
                "deleting %r: cancelling timed task %d (%s) that belongs to it",
                obj,
                task.id,
                task.callback_name,
            )
            task.cancel()
