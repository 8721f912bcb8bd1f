"""Background jobs (``run_async``) as the ``tasks`` command shows and cancels them."""

from __future__ import annotations

from ember.game.accounts import Account
from ember.game.commands.general import format_duration
from ember.offload import Job, Offloader

__all__ = ["JOB_PREFIX", "describe_job", "find_job", "job_listing", "visible_jobs"]

#: How a job is named in the listing and in ``tasks/cancel job-3`` (its progress key too).
JOB_PREFIX = "job-"


def visible_jobs(offloader: Offloader | None, account: Account | None) -> list[Job]:
    """Return the running jobs ``account`` may see: its own, or all for Developers."""
    if offloader is None or account is None:
        return []
    return offloader.running(None if account.is_developer else account.key)


def progress_text(job: Job) -> str:
    """Return ``"40% boiling"``, ``"40%"`` or ``"-"`` (nothing reported yet)."""
    if job.progress is None:
        return "-"
    percent = f"{job.progress * 100:.0f}%"
    return f"{percent} {job.label}" if job.label else percent


def describe_job(job: Job) -> str:
    """Return ``"job-3 (mygame.brew, running 12s, 40%)"`` for questions and answers."""
    return (
        f"{job.key} ({job.name}, on {job.executor}, running {format_duration(job.elapsed)}, "
        f"progress {progress_text(job)})"
    )


def find_job(jobs: list[Job], target: str) -> Job | None:
    """Return the job named ``target`` (``job-3``) among ``jobs``, or None."""
    return next((job for job in jobs if job.key == target.strip().lower()), None)


def job_listing(jobs: list[Job]) -> str:
    """Return the table of running background jobs (function names in full)."""
    if not jobs:
        return "No background jobs."
    width = max(len("Function"), *(len(job.name) for job in jobs))
    lines = [f"{'Job':>8}  {'Running':<8} {'On':<8} {'Function':<{width}} Progress"]
    for job in jobs:
        lines.append(
            f"{job.key:>8}  {format_duration(job.elapsed):<8} {job.executor:<8} "
            f"{job.name:<{width}} {progress_text(job)}"
        )
    count = len(jobs)
    lines.append(f"{count} background job{'s' if count != 1 else ''} (tasks/cancel job-<n>).")
    return "\n".join(lines)
