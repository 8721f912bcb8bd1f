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
from ember.world import (
    AttributeTooLargeError,
    Character,
    Exit,
    GameObject,
    InvalidNameError,
    MoveError,
    ObjectDeletedError,
    Room,
    SearchResult,
    Thing,
    UnstorableValueError,
    World,
    create_object,
    get_world,
)

__all__ = [
    "RUN_ASYNC_RESERVED_KEYWORDS",
    "AttributeTooLargeError",
    "Character",
    "CmdSet",
    "Command",
    "EmberError",
    "Entity",
    "ExecutorUnavailableError",
    "Exit",
    "Flow",
    "GameObject",
    "InvalidNameError",
    "Job",
    "MoveError",
    "NotPersistableError",
    "NotSendableError",
    "ObjectDeletedError",
    "PersistenceUnavailableError",
    "QuestionAbortedError",
    "Room",
    "Scheduler",
    "SearchResult",
    "StoreError",
    "Task",
    "TaskState",
    "Thing",
    "UnresolvableReferenceError",
    "UnstorableValueError",
    "World",
    "WrongThreadError",
    "ask",
    "ask_yes_no",
    "call_on_loop",
    "choose",
    "create_object",
    "delay",
    "entity_registry",
    "get_scheduler",
    "get_world",
    "interactive",
    "open_task_store",
    "report_progress",
    "returnValue",
    "run_async",
    "sleep",
]
