"""Timed tasks: the scheduler, ``Task`` handles, the reference codec and the task stores."""

from ember.scheduling._api import (
    delay,
    get_scheduler,
    install_scheduler,
    open_task_store,
    store_from_url,
)
from ember.scheduling._clock import Clock, LoopClock
from ember.scheduling._durable import RestoreReport, Unwritten, attach_store
from ember.scheduling._entity import Entity, EntityRegistry, entity_registry
from ember.scheduling._handover import (
    UNWRITTEN_FILE,
    apply_unwritten,
    decode_unwritten,
    encode_unwritten,
    load_unwritten_file,
)
from ember.scheduling._refs import callback_name
from ember.scheduling._repeat import Repeat, RepeatState
from ember.scheduling._repeat_api import repeat, repeats
from ember.scheduling._scheduler import DELAY_RESERVED_KEYWORDS, Scheduler, SchedulerStatistics
from ember.scheduling._task import Task
from ember.scheduling._task_store import StoredTask, TaskRow, TaskState, TaskStore
from ember.scheduling._wheel import repeater_of

__all__ = [
    "DELAY_RESERVED_KEYWORDS",
    "UNWRITTEN_FILE",
    "Clock",
    "Entity",
    "EntityRegistry",
    "LoopClock",
    "Repeat",
    "RepeatState",
    "RestoreReport",
    "Scheduler",
    "SchedulerStatistics",
    "StoredTask",
    "Task",
    "TaskRow",
    "TaskState",
    "TaskStore",
    "Unwritten",
    "apply_unwritten",
    "attach_store",
    "callback_name",
    "decode_unwritten",
    "delay",
    "encode_unwritten",
    "entity_registry",
    "get_scheduler",
    "install_scheduler",
    "load_unwritten_file",
    "open_task_store",
    "repeat",
    "repeater_of",
    "repeats",
    "store_from_url",
]
