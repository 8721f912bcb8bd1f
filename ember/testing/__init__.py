"""Helpers for testing game code: a virtual clock for timed tasks, a plain telnet client."""

from ember.testing._clock import VirtualClock, virtual_time
from ember.testing._telnet import TelnetClient

__all__ = ["TelnetClient", "VirtualClock", "virtual_time"]
