"""A game class the world store tests create, store and load by name."""

from __future__ import annotations

from ember.world import Thing


class Lamp(Thing):
    """A thing of a game module: stored as ``worldstore_kinds:Lamp``."""
