"""Ember: an asyncio server for text-based multiplayer games built on asynchronous processes.

Game code imports from here only::

    from ember import delay

The names below load lazily (PEP 562): ``import ember.portal`` or the ``ember`` command line
runs this file, and neither needs the game, the world or the offload pools, so importing all of
them up front cost every process a good part of a second at start (design notes, "Cold start").
A name's module is imported the first time the name is looked up; the imports under
``TYPE_CHECKING`` tell mypy and editors what each name is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ember._lazy import lazy_names

if TYPE_CHECKING:
    from ember.errors import (
        EmberError,
        NotPersistableError,
        PersistenceUnavailableError,
        StoreError,
        UnresolvableReferenceError,
        WrongThreadError,
    )
    from ember.game import CmdSet, Command
    from ember.game import commands as default_commands
    from ember.game.channels import Channel, ChannelError, create_channel, find_channel
    from ember.interaction import (
        Action,
        ActionInterrupted,
        Flow,
        QuestionAbortedError,
        ask,
        ask_yes_no,
        choose,
        flow_now,
        flow_random,
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
        Repeat,
        Scheduler,
        Task,
        TaskState,
        delay,
        entity_registry,
        get_scheduler,
        open_task_store,
        repeat,
    )
    from ember.text import escape_markup, strip_markup
    from ember.world import (
        PERMISSIONS,
        AttributeTooLargeError,
        Character,
        Exit,
        GameObject,
        InvalidNameError,
        LockError,
        MoveError,
        ObjectDeletedError,
        Room,
        SearchResult,
        Thing,
        UnknownPermissionError,
        UnstorableValueError,
        World,
        create_object,
        get_world,
        has_permission,
        lock_functions,
    )

# public name -> (module holding it, attribute in that module; None for the module itself)
_LAZY: dict[str, tuple[str, str | None]] = {
    "EmberError": ("ember.errors", "EmberError"),
    "NotPersistableError": ("ember.errors", "NotPersistableError"),
    "PersistenceUnavailableError": ("ember.errors", "PersistenceUnavailableError"),
    "StoreError": ("ember.errors", "StoreError"),
    "UnresolvableReferenceError": ("ember.errors", "UnresolvableReferenceError"),
    "WrongThreadError": ("ember.errors", "WrongThreadError"),
    "CmdSet": ("ember.game", "CmdSet"),
    "Command": ("ember.game", "Command"),
    "Channel": ("ember.game.channels", "Channel"),
    "ChannelError": ("ember.game.channels", "ChannelError"),
    "create_channel": ("ember.game.channels", "create_channel"),
    "find_channel": ("ember.game.channels", "find_channel"),
    "default_commands": ("ember.game.commands", None),
    "Action": ("ember.interaction", "Action"),
    "ActionInterrupted": ("ember.interaction", "ActionInterrupted"),
    "Flow": ("ember.interaction", "Flow"),
    "QuestionAbortedError": ("ember.interaction", "QuestionAbortedError"),
    "ask": ("ember.interaction", "ask"),
    "ask_yes_no": ("ember.interaction", "ask_yes_no"),
    "choose": ("ember.interaction", "choose"),
    "flow_now": ("ember.interaction", "flow_now"),
    "flow_random": ("ember.interaction", "flow_random"),
    "interactive": ("ember.interaction", "interactive"),
    "returnValue": ("ember.interaction", "returnValue"),
    "sleep": ("ember.interaction", "sleep"),
    "ExecutorUnavailableError": ("ember.offload", "ExecutorUnavailableError"),
    "Job": ("ember.offload", "Job"),
    "NotSendableError": ("ember.offload", "NotSendableError"),
    "RUN_ASYNC_RESERVED_KEYWORDS": ("ember.offload", "RUN_ASYNC_RESERVED_KEYWORDS"),
    "call_on_loop": ("ember.offload", "call_on_loop"),
    "report_progress": ("ember.offload", "report_progress"),
    "run_async": ("ember.offload", "run_async"),
    "Entity": ("ember.scheduling", "Entity"),
    "Repeat": ("ember.scheduling", "Repeat"),
    "Scheduler": ("ember.scheduling", "Scheduler"),
    "Task": ("ember.scheduling", "Task"),
    "TaskState": ("ember.scheduling", "TaskState"),
    "delay": ("ember.scheduling", "delay"),
    "entity_registry": ("ember.scheduling", "entity_registry"),
    "get_scheduler": ("ember.scheduling", "get_scheduler"),
    "open_task_store": ("ember.scheduling", "open_task_store"),
    "repeat": ("ember.scheduling", "repeat"),
    "escape_markup": ("ember.text", "escape_markup"),
    "strip_markup": ("ember.text", "strip_markup"),
    "AttributeTooLargeError": ("ember.world", "AttributeTooLargeError"),
    "Character": ("ember.world", "Character"),
    "Exit": ("ember.world", "Exit"),
    "GameObject": ("ember.world", "GameObject"),
    "InvalidNameError": ("ember.world", "InvalidNameError"),
    "LockError": ("ember.world", "LockError"),
    "MoveError": ("ember.world", "MoveError"),
    "ObjectDeletedError": ("ember.world", "ObjectDeletedError"),
    "PERMISSIONS": ("ember.world", "PERMISSIONS"),
    "Room": ("ember.world", "Room"),
    "SearchResult": ("ember.world", "SearchResult"),
    "Thing": ("ember.world", "Thing"),
    "UnknownPermissionError": ("ember.world", "UnknownPermissionError"),
    "UnstorableValueError": ("ember.world", "UnstorableValueError"),
    "World": ("ember.world", "World"),
    "create_object": ("ember.world", "create_object"),
    "get_world": ("ember.world", "get_world"),
    "has_permission": ("ember.world", "has_permission"),
    "lock_functions": ("ember.world", "lock_functions"),
}

__all__ = [
    "PERMISSIONS",
    "RUN_ASYNC_RESERVED_KEYWORDS",
    "Action",
    "ActionInterrupted",
    "AttributeTooLargeError",
    "Channel",
    "ChannelError",
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
    "LockError",
    "MoveError",
    "NotPersistableError",
    "NotSendableError",
    "ObjectDeletedError",
    "PersistenceUnavailableError",
    "QuestionAbortedError",
    "Repeat",
    "Room",
    "Scheduler",
    "SearchResult",
    "StoreError",
    "Task",
    "TaskState",
    "Thing",
    "UnknownPermissionError",
    "UnresolvableReferenceError",
    "UnstorableValueError",
    "World",
    "WrongThreadError",
    "ask",
    "ask_yes_no",
    "call_on_loop",
    "choose",
    "create_channel",
    "create_object",
    "default_commands",
    "delay",
    "entity_registry",
    "escape_markup",
    "find_channel",
    "flow_now",
    "flow_random",
    "get_scheduler",
    "get_world",
    "has_permission",
    "interactive",
    "lock_functions",
    "open_task_store",
    "repeat",
    "report_progress",
    "returnValue",
    "run_async",
    "sleep",
    "strip_markup",
]


__getattr__, __dir__ = lazy_names(globals(), _LAZY)
