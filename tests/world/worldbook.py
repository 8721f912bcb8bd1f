"""Game object classes the world tests create and load by name (``worldbook:Door``)."""

from __future__ import annotations

import os  # noqa: F401  (reachable as worldbook:os.system: the whole-path check must refuse it)
from typing import Any

from ember.world import Character, Exit, GameObject, Room, Thing

EVENTS: list[tuple[Any, ...]] = []


class Door(Thing):
    """A door that can be opened and closes itself (a persistent task calls ``close``)."""

    def open(self) -> None:
        self.db.open = True
        EVENTS.append(("open", self.id))

    def close(self, slam: bool = False) -> None:
        self.db.open = False
        EVENTS.append(("close", self.id, slam))


class Watcher(Room):
    """A room that records every hook called on it and on objects moving through it."""

    def at_object_receive(self, obj: GameObject, source: GameObject | None) -> None:
        EVENTS.append(("receive", self.key, obj.key, source.key if source else None))

    def at_object_leave(self, obj: GameObject, destination: GameObject | None) -> None:
        EVENTS.append(("leave", self.key, obj.key, destination.key if destination else None))


class Walker(Character):
    """A character that records its move hooks and refuses to enter rooms tagged ``closed``."""

    def at_pre_move(self, destination: GameObject | None) -> bool | None:
        EVENTS.append(("pre", self.key, destination.key if destination else None))
        return not (destination is not None and destination.has_tag("closed"))

    def at_post_move(self, source: GameObject | None) -> None:
        EVENTS.append(("post", self.key, source.key if source else None))


class Statue(Thing):
    """Refuses to be deleted while ``db.fixed`` is true; counts its creation."""

    def at_object_creation(self) -> None:
        self.db.created = True
        EVENTS.append(("created", self.id))

    def at_object_delete(self) -> bool | None:
        return not self.db.fixed


class StuckExit(Exit):
    """An exit that refuses deletion."""

    def at_object_delete(self) -> bool:
        return False


class Fragile(Thing):
    """Its creation hook fails."""

    def at_object_creation(self) -> None:
        raise RuntimeError("cracked on creation")


class Grumpy(Room):
    """Its receive hook raises (game-code errors are logged; the move stands)."""

    def at_object_receive(self, obj: GameObject, source: GameObject | None) -> None:
        raise RuntimeError("go away")


class Coin(Thing):
    """Coins compare equal to each other (which makes them unhashable)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Coin)


class Nest(Thing):
    """Makes an egg inside itself, then fails."""

    def at_object_creation(self) -> None:
        self.world.create(Thing, "egg", location=self)  # type: ignore[union-attr]
        raise RuntimeError("the nest fell")
