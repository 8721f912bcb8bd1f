"""Fixtures for the world tests: a fresh world kit and an empty event book per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import worldbook

from ember.testing import WorldKit, build_world
from ember.world import install_world


@pytest.fixture(autouse=True)
def _fresh_book() -> Iterator[None]:
    worldbook.EVENTS.clear()
    yield
    install_world(None)


@pytest.fixture
def kit() -> WorldKit:
    """A journaled world: Hall and Garden joined by exits, Tester standing in the Hall."""
    return build_world()
