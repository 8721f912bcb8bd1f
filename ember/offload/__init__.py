"""Background work: ``run_async`` on the loop, a thread pool, worker processes or a Dask cluster."""

from ember.offload._executors import Executor, LoopExecutor, ThreadExecutor, call_on_loop
from ember.offload._job import (
    Call,
    ExecutorUnavailableError,
    Job,
    NotSendableError,
    WorkerLostError,
    jobs_owned_by,
)
from ember.offload._offloader import (
    EXECUTORS,
    RUN_ASYNC_RESERVED_KEYWORDS,
    JobOptions,
    Offloader,
    get_offloader,
    install_offloader,
    run_async,
)
from ember.offload._process import ProcessExecutor, default_start_method
from ember.offload._progress import PROGRESS_INTERVAL, ProgressSink, progress_sink, report_progress
from ember.offload._statistics import (
    ClusterStatistics,
    ExecutorStatistics,
    LoopStatistics,
    OffloadStatistics,
    ProcessStatistics,
    ThreadStatistics,
)
from ember.offload._worker import RemoteError, RemoteTraceback

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
