"""Helpers for testing game code: a virtual clock, a scripted caller, a plain telnet client,
a small world in memory, and a real game in-process behind a scripted portal (``running_game``)."""

from ember.testing._caller import SILENT, ScriptedCaller
from ember.testing._clock import VirtualClock, settle, virtual_time
from ember.testing._game import (
    FAST_SETTINGS,
    WAIT,
    FakePortal,
    RunningGame,
    running_game,
    session_dict,
)
from ember.testing._scale import TIMEOUT_SCALE_VARIABLE, TimeoutScaleError, scaled, timeout_scale
from ember.testing._telnet import TelnetClient
from ember.testing._world import Delivery, MessageLog, WorldKit, build_world

__all__ = [
    "FAST_SETTINGS",
    "SILENT",
    "TIMEOUT_SCALE_VARIABLE",
    "WAIT",
    "Delivery",
    "FakePortal",
    "MessageLog",
    "RunningGame",
    "ScriptedCaller",
    "TelnetClient",
    "TimeoutScaleError",
    "VirtualClock",
    "WorldKit",
    "build_world",
    "running_game",
    "scaled",
    "session_dict",
    "settle",
    "timeout_scale",
    "virtual_time",
]
