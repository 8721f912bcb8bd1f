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
from ember.interaction import (
    Flow,
    QuestionAbortedError,
    ask,
    ask_yes_no,
    choose,
    interactive,
    returnValue,
    sleep,
)
from ember.offload import (
    RUN_ASYNC_RESERVED_KEYWORDS,
    ExecutorUnavailableError,
    Job,
    NotSendableError,
    call_on_loop,
    report_progress,
    run_async,
)
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
    "RUN_ASYNC_RESERVED_KEYWORDS",
    "CmdSet",
    "Command",
    "EmberError",
    "Entity",
    "ExecutorUnavailableError",
    "Flow",
    "Job",
    "NotPersistableError",
    "NotSendableError",
    "PersistenceUnavailableError",
    "QuestionAbortedError",
    "Scheduler",
    "StoreError",
    "Task",
    "TaskState",
    "UnresolvableReferenceError",
    "WrongThreadError",
    "ask",
    "ask_yes_no",
    "call_on_loop",
    "choose",
    "delay",
    "entity_registry",
    "get_scheduler",
    "interactive",
    "open_task_store",
    "report_progress",
    "returnValue",
    "run_async",
    "sleep",
]
