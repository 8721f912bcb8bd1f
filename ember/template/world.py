"""This game's world: a small demo area built on the first start, and the classes it uses.

Ember calls ``at_world_start(world, start)`` once at every start, after the world is loaded;
it builds what is missing, so it is safe to run again (and to delete from as you like). The
area: north of the starting room lies a garden; a door east of it leads to a shed, and it
swings shut by itself a while after it is opened (a persistent ``delay`` on the door, so a
reload does not forget it). South of the garden a dry meadow runs into an old barn: ``kindle``
a fire in the meadow and watch it spread from room to room. Try ``open door``, ``east``,
``close door``, ``kindle`` (commands.py has them).
"""

from collections.abc import Iterable

from ember import Exit, GameObject, Room, Thing, World, create_object, delay

#: Seconds a door stays open before it swings shut by itself (each door's db.closes_after).
DOOR_CLOSES_AFTER = 30.0
#: Seconds a fire takes to spread into each neighbouring flammable room, and to burn out.
FIRE_SPREADS_AFTER = 10.0
FIRE_BURNS_FOR = 25.0
#: The tag that marks the demo area (so it is built only once) and rooms that can burn.
DEMO_TAG, FLAMMABLE_TAG = "demo:area", "demo:flammable"


class Door(Exit):
    """An exit that is open or closed; its other side (``db.other``) opens and closes with it."""

    def at_object_creation(self) -> None:
        self.db.open = False
        self.db.closes_after = DOOR_CLOSES_AFTER

    def at_traverse(self, traveller: GameObject) -> bool:
        if not self.db.open:
            traveller.msg(f"The {self.key} is closed.")
            return False
        return super().at_traverse(traveller)

    def open(self, opener: GameObject | None = None) -> bool:
        """Open both sides and have the door swing shut by itself a while later."""
        if self.db.open:
            return False
        for side in self._sides():
            side.db.open = True
        who = opener.key if opener is not None else "Someone"
        self._tell(f"{who} opens the {self.key}.")
        # Persistent: stored by reference (this door's id and the method's name), so the
        # door still swings shut if the game reloads or restarts meanwhile.
        delay(self.db.closes_after or DOOR_CLOSES_AFTER, self.close, persistent=True)
        return True

    def close(self, closer: GameObject | None = None) -> bool:
        """Close both sides (what the pending delay calls, with nobody as the closer)."""
        if not self.db.open:
            return False
        for side in self._sides():
            side.db.open = False
        self._tell(f"{closer.key} closes the {self.key}." if closer else "The door swings shut.")
        return True

    def _sides(self) -> list[GameObject]:
        other = self.db.other
        return [self] if other is None else [self, other]

    def _tell(self, text: str) -> None:
        for side in self._sides():
            if side.location is not None:
                side.location.msg_contents(text)


class Fire(Thing):
    """A fire: it spreads into the neighbouring flammable rooms, then burns out."""

    def at_object_creation(self) -> None:
        if self.location is not None:
            self.location.msg_contents("Flames crackle up from the dry grass!")
        delay(FIRE_SPREADS_AFTER, self.spread, persistent=True)
        delay(FIRE_BURNS_FOR, self.burn_out, persistent=True)

    def spread(self) -> None:
        """Set fire to each neighbouring flammable room that is not burning yet."""
        here = self.location
        if not isinstance(here, Room):
            return
        for way in here.exits:
            there = way.destination
            if there is None or not there.has_tag(FLAMMABLE_TAG):
                continue
            if any(isinstance(obj, Fire) for obj in there.contents):
                continue
            here.msg_contents(f"The fire spreads {way.key}!")
            create_object(Fire, "fire", location=there, aliases=["flames"])

    def burn_out(self) -> None:
        """Die down and vanish (any spread still pending is cancelled with it)."""
        if self.location is not None:
            self.location.msg_contents("The fire dies down to ashes.")
        self.delete()


def _room(world: World, key: str, desc: str, *tags: str) -> Room:
    room = create_object(Room, key, world=world, tags=[DEMO_TAG, *tags])
    room.db.desc = desc
    return room


def _way(
    world: World,
    key: str,
    here: Room,
    there: Room,
    cls: type[Exit] = Exit,
    aliases: Iterable[str] = (),
) -> Exit:
    return create_object(cls, key, location=here, destination=there, aliases=aliases, world=world)


def at_world_start(world: World, start: Room) -> None:
    """Build the demo area beside ``start`` (the starting room) unless it exists already."""
    if any(room.has_tag(DEMO_TAG) for room in world.objects_of(Room)):
        return
    garden = _room(world, "Garden", "Rows of herbs grow by a whitewashed shed to the east.")
    shed = _room(world, "Shed", "Tools hang on the walls. It smells of oil and sawdust.")
    meadow = _room(
        world, "Dry Meadow", "Tall yellow grass, dry as straw. Type 'kindle'.", FLAMMABLE_TAG
    )
    barn = _room(world, "Old Barn", "Hay is piled to the rafters.", FLAMMABLE_TAG)
    _way(world, "north", start, garden, aliases=["n"])
    _way(world, "south", garden, start, aliases=["s"])
    outside = _way(world, "door", garden, shed, Door, aliases=["east", "e"])
    inside = _way(world, "door", shed, garden, Door, aliases=["west", "w"])
    outside.db.other, inside.db.other = inside, outside
    _way(world, "west", garden, meadow, aliases=["w"])
    _way(world, "east", meadow, garden, aliases=["e"])
    _way(world, "barn", meadow, barn)
    _way(world, "out", barn, meadow)
