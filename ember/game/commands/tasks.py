"""The ``tasks`` command: list timed tasks and pause, run, cancel or remove them (confirmed)."""

from __future__ import annotations

from ember.game.commands import _repeats
from ember.game.commands._command import Command
from ember.game.commands._flows import (
    FLOW_PREFIX,
    describe_flow,
    find_flow,
    flow_listing,
    visible_flows,
)
from ember.game.commands._jobs import (
    JOB_PREFIX,
    describe_job,
    find_job,
    job_listing,
    visible_jobs,
)
from ember.game.commands.general import format_duration
from ember.interaction._durable import DurableRun
from ember.offload import Job
from ember.scheduling import Repeat, Task, TaskState

__all__ = ["ACTIONS", "CmdTasks"]

#: switch -> the verb shown in the confirmation question (the switch is also the Task method run)
ACTIONS: dict[str, str] = {
    "pause": "Pause",
    "unpause": "Unpause",
    "do_task": "Run now and end",
    "call": "Call now",
    "remove": "Remove",
    "cancel": "Cancel",
}
_YES = ("y", "yes")
_ARGS_WIDTH = 30


def describe_args(task: Task) -> str:
    """Return the task's arguments, shortened for a listing."""
    text = task.describe_arguments()
    return text if len(text) <= _ARGS_WIDTH else text[: _ARGS_WIDTH - 3] + "..."


def due_text(task: Task) -> str:
    """Return ``"5s"`` for a scheduled task, ``"5s (paused)"`` or ``"-"`` otherwise."""
    if task.state is TaskState.SCHEDULED or task.state is TaskState.PAUSED:
        return format_duration(task.remaining)
    return "-"


class CmdTasks(Command):
    """List timed tasks, or act on one (or all tasks of one callback).

    Usage:
      tasks                        list your tasks (Developers see every task)
      tasks/cancel <id or name>    also /pause, /unpause, /do_task, /call, /remove
      tasks/cancel job-<n>         cancel a background job (run_async) as listed
      tasks/pause <repeat id>      also /unpause, /cancel, /remove a repeating task
      tasks/cancel flow-<id>       cancel a durable flow as listed (it ends for good)

    <name> is a callback name as listed (e.g. mygame.spells.heal), or its last part when no
    other callback ends the same way (spells.heal, heal): the action then applies to every
    task of that callback. You are asked to confirm before anything happens.
    """

    key = "tasks"
    aliases = ("task",)
    interrupts_action = False  # runs alongside an action

    def visible(self) -> list[Task]:
        """Return the tasks the caller may see: their own, or all for Developers."""
        scheduler = self.server.scheduler
        account = self.session.account
        if account is None:
            return []
        if account.is_developer:
            return scheduler.tasks()
        mine = scheduler.tasks(owner=account.key)
        character = self.session.character
        if character is not None:  # tasks bound to the character played are yours too
            mine += scheduler.tasks(owner=f"{character.entity_kind}:{character.id}")
        return mine

    async def func(self) -> None:
        """List, or confirm and apply one switch."""
        jobs = visible_jobs(self.context.offloader, self.session.account)
        flows = visible_flows(self.session.account, self.session.character)
        if not self.switches:
            text = self.store_warning() + self.listing(self.visible())
            repeats = self.visible_repeats()
            text += "\n" + _repeats.repeat_listing(repeats) if repeats else ""
            text += "\n" + job_listing(jobs) if jobs else ""
            self.session.msg(text + ("\n" + flow_listing(flows) if flows else ""))
            return
        action = self.switches[0]
        if action not in ACTIONS or not self.args:
            self.session.msg(f"Usage: tasks/<{'|'.join(ACTIONS)}> <task id or callback name>")
            return
        if self.args.lower().startswith(JOB_PREFIX):
            await self.cancel_job(action, self.args, jobs)
            return
        if self.args.lower().startswith(FLOW_PREFIX):
            await self.cancel_flow(action, self.args, flows)
            return
        if self.args.isdigit() and not self.find(self.args):
            rep = next((r for r in self.visible_repeats() if r.id == int(self.args)), None)
            if rep is not None:
                await self.act_on_repeat(action, rep)
                return
        targets = self.find(self.args)
        if not targets and (why := self.ambiguity(self.args)) is not None:
            self.session.msg(why)
            return
        if not targets:
            self.session.msg(f"No task of yours matches {self.args!r}. Type 'tasks' to list them.")
            return
        verb = ACTIONS[action]
        if len(targets) == 1:
            task = targets[0]
            question = f"{verb} task {task.id} ({task.callback_name}, due in {due_text(task)})?"
        else:
            question = f"{verb} {len(targets)} tasks of {targets[0].callback_name}?"
        reply = await self.caller.ask(f"{question} [yes/no]")
        if reply.strip().lower() not in _YES:
            self.session.msg("Nothing done.")
            return
        for task in targets:
            self.session.msg(self.apply(action, task))

    def visible_repeats(self) -> list[Repeat]:
        """The repeating tasks the caller may see (like :meth:`visible`)."""
        session = self.session
        return _repeats.visible(self.server.scheduler, session.account, session.character)

    async def act_on_repeat(self, action: str, rep: Repeat) -> None:
        """Confirm and apply ``action`` to the repeating task ``rep``."""
        reply = await self.caller.ask(
            f"{ACTIONS[action]} {_repeats.describe_repeat(rep)}? [yes/no]"
        )
        if reply.strip().lower() not in _YES:
            self.session.msg("Nothing done.")
            return
        self.session.msg(_repeats.apply_to_repeat(self.server.scheduler, action, rep))

    async def cancel_job(self, action: str, target: str, jobs: list[Job]) -> None:
        """Confirm and cancel the background job named ``target`` (the only action on jobs)."""
        if action != "cancel":
            self.session.msg(f"Background jobs can only be cancelled: tasks/cancel {target}.")
            return
        job = find_job(jobs, target)
        if job is None:
            self.session.msg(f"No background job of yours is {target!r}. Type 'tasks' to list.")
            return
        reply = await self.caller.ask(f"Cancel background job {describe_job(job)}? [yes/no]")
        if reply.strip().lower() not in _YES:
            self.session.msg("Nothing done.")
        elif job.cancel(f"{job.name} was cancelled by {self.caller.name} (tasks/cancel)"):
            self.session.msg(f"Background job {job.key} ({job.name}): cancelled.")
        else:
            self.session.msg(f"Background job {job.key} has finished meanwhile; nothing done.")

    async def cancel_flow(self, action: str, target: str, flows: list[DurableRun]) -> None:
        """Confirm and cancel the durable flow named ``target``: it ends for good."""
        run = find_flow(flows, target)
        if action != "cancel" or run is None:
            self.session.msg(
                f"No durable flow of yours is {target!r} (flows can only be cancelled: "
                "tasks/cancel flow-<id>). Type 'tasks' to list them."
            )
            return
        reply = await self.caller.ask(f"Cancel durable flow {describe_flow(run)}? [yes/no]")
        if reply.strip().lower() not in _YES:
            self.session.msg("Nothing done.")
        elif run.task is not None and not run.task.done() and run.task.cancel():
            self.session.msg(f"Durable flow {FLOW_PREFIX}{run.id} ({run.name}): cancelled.")
        else:
            self.session.msg(f"Durable flow {FLOW_PREFIX}{run.id} has ended meanwhile.")

    def find(self, target: str) -> list[Task]:
        """Return the visible tasks with id ``target`` or callback name ``target``.

        The name may be the full name as listed or its last dotted part(s) (``heal``,
        ``spells.heal``) when that names one callback; :meth:`ambiguity` explains when not.
        """
        tasks = self.visible()
        if target.isdigit():
            return [task for task in tasks if task.id == int(target)]
        exact = [task for task in tasks if task.callback_name == target]
        if exact:
            return exact
        names = _names_ending_with(tasks, target)
        if len(names) != 1:
            return []
        return [task for task in tasks if task.callback_name in names]

    def ambiguity(self, target: str) -> str | None:
        """Return why ``target`` names no single callback (several end with it), else None."""
        if target.isdigit():
            return None
        names = _names_ending_with(self.visible(), target)
        if len(names) < 2:
            return None
        listed = ", ".join(sorted(names))
        return f"{target!r} matches several callbacks: {listed}. Give more of the name."

    def apply(self, action: str, task: Task) -> str:
        """Apply ``action`` to ``task`` if it is still the same task; return what happened."""
        if self.server.scheduler.get(task.id) is not task:
            return f"Task {task.id} is gone (it fired or was removed meanwhile); nothing done."
        if action != "remove" and not task.active():
            return f"Task {task.id} is {task.state.value} now, no longer active; nothing done."
        try:
            result = getattr(task, action)()
        except Exception as error:
            return f"Task {task.id}: {action} failed: {type(error).__name__}: {error}"
        if action in ("pause", "unpause", "cancel", "remove") and result is False:
            return f"Task {task.id}: nothing to {action} ({task.state.value})."
        return f"Task {task.id} ({task.callback_name}): {ACTIONS[action].lower()} done."

    def store_warning(self) -> str:
        """A line saying the task store is failing and how many writes wait, or ""."""
        health = self.server.store_health()
        if not health["failing"]:
            return ""
        return (
            f"The task store is failing ({health['last_error']}); {health['waiting_writes']} "
            "writes wait and are retried in order.\n"
        )

    def listing(self, tasks: list[Task]) -> str:
        """Return the table of ``tasks``.

        Callback names are shown in full (the column grows to the longest), so a name can be
        copied from the listing into ``tasks/<switch> <name>``.
        """
        if not tasks:
            return "No timed tasks."
        width = max(len("Callback"), *(len(task.callback_name) for task in tasks))
        header = (
            f"{'Id':>6}  {'Due in':<8} {'Callback':<{width}} {'Args':<{_ARGS_WIDTH}} Pers.  State"
        )
        lines = [header]
        for task in tasks:
            lines.append(
                f"{task.id:>6}  {due_text(task):<8} {task.callback_name:<{width}} "
                f"{describe_args(task):<{_ARGS_WIDTH}} {'yes' if task.persistent else 'no':<6}"
                f"{task.state.value}"
            )
        lines.append(f"{len(tasks)} task{'s' if len(tasks) != 1 else ''}.")
        return "\n".join(lines)


def _names_ending_with(tasks: list[Task], target: str) -> set[str]:
    """Return the callback names among ``tasks`` whose last dotted part(s) are ``target``."""
    suffix = "." + target.lstrip(".")
    return {task.callback_name for task in tasks if task.callback_name.endswith(suffix)}
