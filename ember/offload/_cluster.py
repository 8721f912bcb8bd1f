"""The cluster executor: jobs on a Dask ``distributed`` cluster (the ``ember[cluster]`` extra).

Dask is imported only when the first cluster job is sent, so servers that never use it do
not pay its import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

from ember.offload._job import Call, ExecutorUnavailableError, NotSendableError
from ember.offload._statistics import ClusterStatistics
from ember.offload._worker import cluster_job

__all__ = ["ClusterExecutor"]

log = logging.getLogger("ember.offload")


class ClusterExecutor:
    """Sends jobs to the Dask scheduler at ``address`` (``CLUSTER_ADDRESS`` in settings).

    On first use it connects and uploads the game directory's top-level ``*.py`` modules
    (not ``settings.py``) to the scheduler and every worker, so job functions defined there
    can be found. Packages and other dependencies must be installed on the workers (the same
    image). Cancelling releases the Dask task; a task already running on a worker stops at
    its next ``report_progress`` only if Dask supports it, otherwise it runs out unobserved.
    """

    name = "cluster"

    def __init__(self, address: str, *, game_dir: Path | None = None) -> None:
        self.address = address
        self.game_dir = game_dir
        self._client: Any = None
        self._connecting: asyncio.Lock | None = None
        self.started = self.running = 0

    def check(self, call: Call) -> None:
        """Fail at the call if no cluster is configured, Dask is missing, or the call does
        not serialise (Dask uses cloudpickle, so lambdas do travel)."""
        if not self.address:
            raise ExecutorUnavailableError(
                "executor='cluster' needs a Dask scheduler address: set CLUSTER_ADDRESS in "
                "the game's settings.py (for example 'tcp://127.0.0.1:8786')"
            )
        try:
            import cloudpickle  # type: ignore[import-untyped]
        except ImportError:
            raise ExecutorUnavailableError(
                "executor='cluster' needs Dask: pip install 'ember[cluster]'"
            ) from None
        try:
            cloudpickle.dumps((call.func, call.args, call.kwargs))
        except Exception as error:
            raise NotSendableError(
                f"{call.name} cannot be sent to the cluster: {error}. Pass plain data, not "
                "live game objects, open files or locks"
            ) from error

    async def _connect(self) -> Any:
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._client is None:
                from distributed import Client

                client = await Client(  # type: ignore[no-untyped-call]
                    self.address, asynchronous=True, timeout="10s"
                )
                try:
                    await self._upload(client)
                except BaseException:
                    await client.close()
                    raise
                self._client = client
                log.info("connected to the Dask cluster at %s", self.address)
        return self._client

    async def _upload(self, client: Any) -> None:
        if self.game_dir is None:
            return
        for path in sorted(self.game_dir.glob("*.py")):
            if path.name != "settings.py" and path.stem.isidentifier():
                await client.upload_file(str(path), load=True)

    async def run(self, call: Call) -> Any:
        """Submit the call and await its result; progress arrives as Dask events."""
        client = await self._connect()
        topic = f"ember-progress-{id(call)}-{self.started}"

        def on_event(event: tuple[float, dict[str, Any]]) -> None:
            message = event[1]
            call.report(float(message["fraction"]), message.get("label"))

        client.subscribe_topic(topic, on_event)
        self.started += 1
        self.running += 1
        future = client.submit(
            cluster_job, call.func, call.args, call.kwargs, topic, pure=False, key=topic
        )
        try:
            return await future
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(client.cancel([future], force=True))
            raise
        finally:
            self.running -= 1
            with contextlib.suppress(Exception):
                client.unsubscribe_topic(topic)

    async def shutdown(self) -> None:
        """Close the client (the cluster itself belongs to whoever started it)."""
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()

    def statistics(self) -> ClusterStatistics:
        """Return the address, whether connected, jobs started and running."""
        return ClusterStatistics(
            address=self.address,
            connected=self._client is not None,
            started=self.started,
            running=self.running,
        )
