"""Background work: ``run_async`` on the loop, a thread pool, worker processes or a Dask cluster.

The names load lazily (PEP 562), like ``ember``'s own: settings validation needs only the
executor names (``EXECUTORS``), and the ``ember`` CLI should not import the pools, the scheduler
and Dask glue to check one setting (design notes, "Cold start").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ember._lazy import lazy_names

if TYPE_CHECKING:
    from ember.offload._executors import Executor, LoopExecutor, ThreadExecutor, call_on_loop
    from ember.offload._job import (
        Call,
        ExecutorUnavailableError,
        Job,
        NotSendableError,
        WorkerLostError,
        jobs_owned_by,
    )
    from ember.offload._kinds import EXECUTORS
    from ember.offload._offloader import (
        RUN_ASYNC_RESERVED_KEYWORDS,
        JobOptions,
        Offloader,
        get_offloader,
        install_offloader,
        run_async,
    )
    from ember.offload._process import ProcessExecutor, default_start_method
    from ember.offload._progress import (
        PROGRESS_INTERVAL,
        ProgressSink,
        progress_sink,
        report_progress,
    )
    from ember.offload._statistics import (
        ClusterStatistics,
        ExecutorStatistics,
        LoopStatistics,
        OffloadStatistics,
        ProcessStatistics,
        ThreadStatistics,
    )
    from ember.offload._worker import RemoteError, RemoteTraceback

# public name -> the module that defines it
_LAZY: dict[str, str] = {
    "Executor": "ember.offload._executors",
    "LoopExecutor": "ember.offload._executors",
    "ThreadExecutor": "ember.offload._executors",
    "call_on_loop": "ember.offload._executors",
    "Call": "ember.offload._job",
    "ExecutorUnavailableError": "ember.offload._job",
    "Job": "ember.offload._job",
    "NotSendableError": "ember.offload._job",
    "WorkerLostError": "ember.offload._job",
    "jobs_owned_by": "ember.offload._job",
    "EXECUTORS": "ember.offload._kinds",
    "JobOptions": "ember.offload._offloader",
    "Offloader": "ember.offload._offloader",
    "RUN_ASYNC_RESERVED_KEYWORDS": "ember.offload._offloader",
    "get_offloader": "ember.offload._offloader",
    "install_offloader": "ember.offload._offloader",
    "run_async": "ember.offload._offloader",
    "ProcessExecutor": "ember.offload._process",
    "default_start_method": "ember.offload._process",
    "PROGRESS_INTERVAL": "ember.offload._progress",
    "ProgressSink": "ember.offload._progress",
    "progress_sink": "ember.offload._progress",
    "report_progress": "ember.offload._progress",
    "ClusterStatistics": "ember.offload._statistics",
    "ExecutorStatistics": "ember.offload._statistics",
    "LoopStatistics": "ember.offload._statistics",
    "OffloadStatistics": "ember.offload._statistics",
    "ProcessStatistics": "ember.offload._statistics",
    "ThreadStatistics": "ember.offload._statistics",
    "RemoteError": "ember.offload._worker",
    "RemoteTraceback": "ember.offload._worker",
}

__all__ = [
    "EXECUTORS",
    "PROGRESS_INTERVAL",
    "RUN_ASYNC_RESERVED_KEYWORDS",
    "Call",
    "ClusterStatistics",
    "Executor",
    "ExecutorStatistics",
    "ExecutorUnavailableError",
    "Job",
    "JobOptions",
    "LoopExecutor",
    "LoopStatistics",
    "NotSendableError",
    "OffloadStatistics",
    "Offloader",
    "ProcessExecutor",
    "ProcessStatistics",
    "ProgressSink",
    "RemoteError",
    "RemoteTraceback",
    "ThreadExecutor",
    "ThreadStatistics",
    "WorkerLostError",
    "call_on_loop",
    "default_start_method",
    "get_offloader",
    "install_offloader",
    "jobs_owned_by",
    "progress_sink",
    "report_progress",
    "run_async",
]


__getattr__, __dir__ = lazy_names(globals(), _LAZY)
