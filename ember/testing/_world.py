"""A small world in memory for tests of game code: rooms joined by exits, a character, and
a log of every message sent."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ember.world import Character, Exit, GameObject, Room, World, create_object, install_world

__all__ = ["Delivery", "MessageLog", "WorldKit", "build_world"]

T = TypeVar("T", bound=GameObject)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One ``obj.msg()``: to whom, what, with which keyword options."""

    target: GameObject
    text: str | None  # None: client data only (``msg(oob=...)``)
    options: Mapping[str, Any]


class MessageLog:
    """A message sink that keeps every message, for assertions on what players would see."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []

    def deliver(self, target: GameObject, text: str | None, options: Mapping[str, Any]) -> None:
        """Record the message (the :class:`ember.world.MessageSink` protocol)."""
        self.deliveries.append(Delivery(target, text, dict(options)))

    def to(self, target: GameObject) -> list[str]:
        """The texts ``target`` received, oldest first."""
        return [d.text for d in self.deliveries if d.target is target and d.text is not None]

    def clear(self) -> None:
        """Forget what was recorded so far."""
        self.deliveries.clear()


@dataclass
class WorldKit:
    """What :func:`build_world` made: the world, its rooms by key, a character standing in
    the first room (its home), and the message log."""

    world: World
    rooms: dict[str, Room]
    character: Character
    messages: MessageLog = field(default_factory=MessageLog)

    @property
    def room(self) -> Room:
        """The first room, where the character starts."""
        return next(iter(self.rooms.values()))

    def create(self, cls: type[T], key: str, **options: Any) -> T:
        """``create_object`` in this world; the location defaults to the first room."""
        options.setdefault("location", self.room)
        return create_object(cls, key, world=self.world, **options)


def build_world(
    rooms: Iterable[str] = ("Hall", "Garden"),
    *,
    character: str = "Tester",
    character_class: type[Character] = Character,
    journal: bool = True,
    install: bool = True,
) -> WorldKit:
    """Build a small world in memory and return it as a :class:`WorldKit`.

    Each room gets an exit to the next and one back, named after the room it leads to in
    lower case (``"garden"`` in the Hall leads to the Garden). The character (of
    ``character_class``, so a game's own class can be tested) stands in the first room,
    which is its home and the world's ``default_home``. Messages go to ``kit.messages``.
    With ``install`` the world becomes the one :func:`ember.create_object` uses. Example::

        kit = build_world()
        kit.character.move_to(kit.rooms["Garden"])
        assert kit.messages.to(kit.character) == []
    """
    log = MessageLog()
    world = World(journal=journal, message_sink=log)
    made: dict[str, Room] = {}
    for key in rooms:
        made[key] = create_object(Room, key, world=world)
    if not made:
        raise ValueError("build_world needs at least one room")
    chain = list(made.values())
    for here, there in itertools.pairwise(chain):
        create_object(Exit, there.key.lower(), location=here, destination=there, world=world)
        create_object(Exit, here.key.lower(), location=there, destination=here, world=world)
    world.default_home = chain[0]
    player = create_object(
        character_class, character, location=chain[0], home=chain[0], world=world
    )
    if install:
        install_world(world)
    return WorldKit(world, made, player, log)
