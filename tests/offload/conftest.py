"""Fixtures: an offloader per test, and one real Dask LocalCluster (worker processes) per run."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from ember.offload import Offloader, install_offloader


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[Any]:
    """A LocalCluster with two worker processes; skipped without ``distributed`` unless
    EMBER_REQUIRE_CLUSTER=1 (then its absence fails the tests)."""
    try:
        from distributed import LocalCluster
    except ImportError:
        if os.environ.get("EMBER_REQUIRE_CLUSTER") == "1":
            raise
        pytest.skip("distributed is not installed (pip install 'ember[cluster]')")
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
async def offloader() -> AsyncIterator[Offloader]:
    """The running loop's offloader (two worker processes), closed after the test."""
    off = install_offloader(Offloader(threads=2, processes=2))
    try:
        yield off
    finally:
        await off.close()


@pytest.fixture(params=["thread", "process", "cluster"])
async def executor(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """Every executor that runs plain functions (the cluster one on the LocalCluster), with
    the running loop's offloader set up for it and closed after the test."""
    name: str = request.param
    address = request.getfixturevalue("dask_cluster").scheduler_address if name == "cluster" else ""
    off = install_offloader(Offloader(threads=2, processes=2, cluster_address=address))
    try:
        yield name
    finally:
        await off.close()
