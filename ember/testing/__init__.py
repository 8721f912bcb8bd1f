"""Helpers for testing game code without sleeping: a virtual clock that drives timed tasks."""

from ember.testing._clock import VirtualClock, virtual_time

__all__ = ["VirtualClock", "virtual_time"]
