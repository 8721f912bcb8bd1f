"""Helpers for testing game code: a virtual clock, a scripted caller, a plain telnet client."""

from ember.testing._caller import SILENT, ScriptedCaller
from ember.testing._clock import VirtualClock, settle, virtual_time
from ember.testing._telnet import TelnetClient

__all__ = ["SILENT", "ScriptedCaller", "TelnetClient", "VirtualClock", "settle", "virtual_time"]
