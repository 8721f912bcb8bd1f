"""The rows of the admin page's tables, as JSON-safe dicts: sessions, tasks, jobs, the world.

Every list is bounded: tasks come a page at a time (at most ``PAGE_LIMIT`` rows, filtered
here so the portal never holds thousands), searches return at most ``SEARCH_LIMIT`` objects,
an object shows at most ``ATTRIBUTE_LIMIT`` attributes, each value's ``repr`` cut to
``VALUE_CHARS``.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from ember.game.context import GameContext
from ember.interaction import Flow, Wait, flow_number, flow_wait, get_flows, watch_waits
from ember.offload import Job, get_offloader
from ember.scheduling import Scheduler, Task, TaskState
from ember.world import GameObject, World

__all__ = [
    "PAGE_LIMIT",
    "TASK_ACTIONS",
    "describe_wait",
    "find_flow",
    "job_rows",
    "object_detail",
    "search_objects",
    "session_rows",
    "task_page",
    "world_counts",
]

PAGE_LIMIT = 200
SEARCH_LIMIT = 50
ATTRIBUTE_LIMIT = 200
VALUE_CHARS = 500
_ERROR_CHARS = 500
TASK_ACTIONS = ("pause", "unpause", "do_task", "cancel", "remove", "retry")
"""What the page may do to a task: ``Task`` methods (``remove`` clears a failed one) and
``retry`` (a failed or orphaned task scheduled again: :meth:`Task.retry`)."""


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def session_rows(server: GameContext) -> list[dict[str, Any]]:
    """Every session: account, character, protocol, address, idle seconds and client."""
    rows = []
    for session in server.sessions:
        client = session.info.get("client")
        rows.append(
            {
                "sid": session.sid,
                "account": session.account.name if session.account is not None else None,
                "character": session.character.key if session.character is not None else None,
                "protocol": session.protocol,
                "address": session.address,
                "idle": round(server.sessions.idle(session), 1),
                "client": str(client) if client else session.ttype,
                "connected_at": session.connected_at,
            }
        )
    return sorted(rows, key=lambda row: row["sid"])


def _task_row(task: Task) -> dict[str, Any]:
    state = task.state
    waiting = state in (TaskState.SCHEDULED, TaskState.PAUSED)
    error = task.error if state in (TaskState.FAILED, TaskState.ORPHANED) else None
    return {
        "id": task.id,
        "callback": task.callback_name,
        "owner": task.owner,
        "state": state.value,
        "due": round(task.remaining, 3) if waiting else None,
        "persistent": task.persistent,
        "args": _cut(task.describe_arguments(), 80),
        "error": _cut(f"{type(error).__name__}: {error}", _ERROR_CHARS) if error else None,
    }


def task_page(scheduler: Scheduler, args: dict[str, Any]) -> dict[str, Any]:
    """One page of tasks matching the filters (``state`` exact; ``owner`` and ``callback``
    substrings), with the number matching and the count of every state."""
    state, owner, callback = (str(args.get(name) or "") for name in ("state", "owner", "callback"))
    offset = args.get("offset")
    limit = args.get("limit")
    offset = offset if isinstance(offset, int) and offset >= 0 else 0
    limit = min(limit, PAGE_LIMIT) if isinstance(limit, int) and limit > 0 else 50
    states: Counter[str] = Counter()
    matching: list[Task] = []
    for task in scheduler.tasks():
        value = task.state.value
        states[value] += 1
        if state and value != state:
            continue
        if owner and owner not in (task.owner or ""):
            continue
        if callback and callback not in task.callback_name:
            continue
        matching.append(task)
    return {
        "total": len(matching),
        "offset": offset,
        "limit": limit,
        "states": dict(states),
        "rows": [_task_row(task) for task in matching[offset : offset + limit]],
    }


def job_rows() -> dict[str, Any]:
    """Running background jobs (``run_async``) and interactive functions (``@interactive``)."""
    try:
        jobs = get_offloader().running()
    except RuntimeError:
        jobs = []
    watch_waits()  # from now on pauses are timed, so they show their time left
    flows = get_flows().running()
    return {
        "jobs": [
            {
                "key": job.key,
                "name": job.name,
                "executor": job.executor,
                "owner": job.owner,
                "elapsed": round(job.elapsed, 1),
                "progress": job.progress,
                "label": job.label,
            }
            for job in jobs
        ],
        "flows": [_flow_row(flow) for flow in flows[:PAGE_LIMIT]],
        "flows_total": len(flows),
        "time": time.time(),
    }


def _flow_row(flow: Flow[Any]) -> dict[str, Any]:
    wait = flow_wait(flow)
    return {
        "number": flow_number(flow),
        "name": flow.name,
        "caller": getattr(flow.caller, "key", None) or str(flow.caller),
        "waits": describe_wait(wait),
        "remaining": round(wait.remaining, 1) if wait and wait.remaining is not None else None,
    }


def describe_wait(wait: Wait | None) -> str:
    """One line for what a flow waits on: a pause, a question, a job, a task, or running."""
    if wait is None:
        return "running (an async function: not at a yield)"
    target = wait.target
    if wait.kind == "pause":
        return f"a pause of {target:g} s"
    if wait.kind == "question":
        return _cut(f"an answer to {target!r}", 200)
    if isinstance(target, Job):
        return f"background job {target.key} ({target.name}, {target.executor})"
    if isinstance(target, Task):
        return f"timed task {target.id} ({target.callback_name})"
    if isinstance(target, Flow):
        return f"interactive function {target.name}"
    return _cut(f"{type(target).__name__}: {target!r}", 200)


def find_flow(number: Any) -> Flow[Any] | None:
    """The running flow the page calls ``number`` (see :func:`flow_number`), or None."""
    if not isinstance(number, int):
        return None
    return next((flow for flow in get_flows().running() if flow_number(flow) == number), None)


def world_counts(world: World) -> dict[str, Any]:
    """How many objects of each class (``module.Class``), most first."""
    counts = Counter(f"{type(obj).__module__}.{type(obj).__qualname__}" for obj in world)
    classes = [[name, count] for name, count in counts.most_common(PAGE_LIMIT)]
    return {"objects": len(world), "classes": classes}


def _object_row(obj: GameObject) -> dict[str, Any]:
    location = obj.location
    return {
        "id": obj.id,
        "key": obj.key,
        "class": f"{type(obj).__module__}.{type(obj).__qualname__}",
        "location": f"{location.key} (#{location.id})" if location is not None else None,
    }


def search_objects(world: World, query: Any) -> list[dict[str, Any]]:
    """Objects named ``query`` (key or alias) or with the id ``#N`` / ``N``."""
    text = str(query or "").strip()[:200]
    if not text:
        return []
    number = text[1:] if text.startswith("#") else text
    if number.isdigit():
        obj = world.get(int(number))
        return [_object_row(obj)] if obj is not None else []
    return [_object_row(obj) for obj in world.find(text)[:SEARCH_LIMIT]]


def object_detail(world: World, object_id: Any) -> dict[str, Any] | None:
    """One object and its stored attributes (``repr`` of each, read-only), or None."""
    obj = world.get(object_id) if isinstance(object_id, int) else None
    if obj is None:
        return None
    names = sorted(obj.db)
    shown = names[:ATTRIBUTE_LIMIT]
    row = _object_row(obj)
    row["attributes"] = {name: _cut(repr(getattr(obj.db, name)), VALUE_CHARS) for name in shown}
    row["attributes_total"] = len(names)
    row["contents"] = [_object_row(item) for item in obj.contents[:SEARCH_LIMIT]]
    return row
