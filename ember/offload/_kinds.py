"""The executor names, in a module of their own with no imports, so that settings validation
(the ``ember`` CLI, before it starts the portal) can check ``EXECUTOR_DEFAULT`` without
importing the pools."""

from __future__ import annotations

#: The executor names ``run_async(executor=...)`` and ``EXECUTOR_DEFAULT`` accept.
EXECUTORS = ("loop", "thread", "process", "cluster")
