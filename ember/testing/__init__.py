"""Helpers for testing game code: a virtual clock, a scripted caller, a plain telnet client,
a small world in memory."""

from ember.testing._caller import SILENT, ScriptedCaller
from ember.testing._clock import VirtualClock, settle, virtual_time
from ember.testing._telnet import TelnetClient
from ember.testing._world import Delivery, MessageLog, WorldKit, build_world

__all__ = [
    "SILENT",
    "Delivery",
    "MessageLog",
    "ScriptedCaller",
    "TelnetClient",
    "VirtualClock",
    "WorldKit",
    "build_world",
    "settle",
    "virtual_time",
]
