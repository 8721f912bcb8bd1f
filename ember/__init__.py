"""Ember: an asyncio server for text-based multiplayer games built on asynchronous processes.

Game code imports from here only::

    from ember import delay
"""

from ember.errors import (
    EmberError,
    NotPersistableError,
    PersistenceUnavailableError,
    StoreError,
    UnresolvableReferenceError,
    WrongThreadError,
)
from ember.game import CmdSet, Command
from ember.scheduling import (
    Entity,
    Scheduler,
    Task,
    TaskState,
    delay,
    entity_registry,
    get_scheduler,
    open_task_store,
)

__all__ = [
    "CmdSet",
    "Command",
    "EmberError",
    "Entity",
    "NotPersistableError",
    "PersistenceUnavailableError",
    "Scheduler",
    "StoreError",
    "Task",
    "TaskState",
    "UnresolvableReferenceError",
    "WrongThreadError",
    "delay",
    "entity_registry",
    "get_scheduler",
    "open_task_store",
]
