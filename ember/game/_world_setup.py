"""The game's world: made (or restored) at start, installed for the process, closed at the end.

:class:`WorldHost` is the one seam between the game process and wherever the world is kept.
The world is kept in the game's database (``DATABASE``, beside the tasks and accounts): open
loads its rows into a new world and starts writing its journal behind (group commit, one
transaction per prefix of the journal; ember/world/_store.py), close flushes within the stop's
deadline.

After the world is open the game makes sure of the starting room, runs the game directory's
``world.py`` (``at_world_start(world, starting_room)``, which builds the game's fixed areas
if they are absent) and then resolves ``START_LOCATION``.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from ember.errors import EmberError, UnresolvableReferenceError
from ember.game._game_modules import import_game_module
from ember.game.settings import Settings
from ember.scheduling import Scheduler, entity_registry
from ember.storage import WriterStatistics
from ember.world import (
    Character,
    GameObject,
    IdAllocator,
    MessageSink,
    Room,
    StoredWorld,
    World,
    _limits,
    create_object,
    install_world,
    open_world,
    resolve_class,
)
from ember.world._set_limits import set_limits

__all__ = [
    "STARTING_ROOM_DESC",
    "STARTING_ROOM_KEY",
    "STARTING_ROOM_TAG",
    "StartLocationError",
    "WorldHost",
    "WorldStartError",
    "character_class",
    "run_world_module",
    "start_location",
    "starting_room",
]

log = logging.getLogger("ember.game")

#: The room the game makes on its first start (``START_LOCATION`` defaults to it).
STARTING_ROOM_KEY = "The Hearth"
STARTING_ROOM_DESC = "A warm room around a crackling fire. Everyone who plays starts here."
#: The tag that marks it, so later starts find it again whatever it was renamed to.
STARTING_ROOM_TAG = "ember:starting-room"
#: The game directory's module that builds its areas, and the function called in it.
WORLD_MODULE, WORLD_HOOK = "world", "at_world_start"


class WorldStartError(EmberError, LookupError):
    """A world setting names nothing usable: the game cannot start (the message says which)."""


class StartLocationError(WorldStartError):
    """``START_LOCATION`` names no object of the world (or several)."""


class WorldHost:
    """Opens the game's world, installs it for the process, and closes it.

    ``durable`` says whether a store keeps the world (``True`` once :meth:`open` loaded it).
    """

    def __init__(self) -> None:
        self._world: World | None = None
        self._stored: StoredWorld | None = None
        self.durable = False
        self._saved_limits: tuple[int, int] | None = None
        #: Called once the stored attributes have all streamed in (the status file).
        self.on_loaded: Callable[[], None] | None = None

    @property
    def world(self) -> World:
        """The open world (``RuntimeError`` before :meth:`open`)."""
        if self._world is None:
            raise RuntimeError("the game's world is not open yet")
        return self._world

    async def open(
        self,
        settings: Settings,
        game_dir: Path,
        *,
        scheduler: Scheduler,
        trusted_modules: Iterable[str],
        message_sink: MessageSink | None = None,
    ) -> World:
        """Make the world, install it, and let persistent timed tasks find its objects.

        The world limits come from ``settings`` first, so objects restored by a store are
        checked against the game's own numbers. Deleting an object cancels the timed tasks
        it owns, each with a log line naming the object and the task (the scheduler is
        registered with the world for that).
        """
        self._saved_limits = (_limits.MAX_ATTRIBUTE_BYTES, _limits.MAX_KEY_LENGTH)
        set_limits(
            attribute_bytes=settings.world_max_attribute_bytes,
            key_length=settings.world_max_key_length,
        )
        world = World(
            journal=True,
            ids=IdAllocator(),
            trusted_modules=trusted_modules,
            message_sink=message_sink,
        )
        # On SQLite the objects load before the game serves and their stored attributes
        # stream in after (ember/world/_stream.py): start-up no longer waits for a million
        # attribute rows, and any object touched earlier reads its own at once.
        stored = await open_world(settings.database_url(game_dir), world, stream=True)
        if stored.stream is not None:
            # Every login looks for its characters by db.account_id: read all characters'
            # attributes now, in a few queries, rather than one by one at the first login.
            stored.stream.load_many(world.objects_of(Character))
            stored.stream.on_done = self._attributes_loaded
            stored.stream.on_chunk = gc.freeze  # as below, for each chunk as it arrives
        # The loaded world lives as long as this process: move it out of the collector's
        # reach, or every full collection walks a million objects again (which cost a busy
        # world more CPU than its attribute writes). Cycles among objects loaded now are
        # then never collected; deleted objects break their links, so little is kept.
        gc.freeze()
        install_world(world)
        world.register_entities(entity_registry, scheduler=scheduler)
        self._world, self._stored, self.durable = world, stored, True
        report = stored.report
        log.info(
            "world loaded: %d objects (%d with a missing class, %d rows kept aside)",
            len(world),
            len(report.missing_classes),
            len(report.corrupt),
        )
        return world

    def writer_statistics(self) -> WriterStatistics | None:
        """The world store's write-behind (queue, batches, commit times); None without one."""
        return self._stored.statistics() if self._stored is not None else None

    def _attributes_loaded(self) -> None:
        # The attributes streamed in since start live as long as the world: out of the
        # collector's reach too, as the objects were at open.
        gc.freeze()
        if self.on_loaded is not None:
            self.on_loaded()

    def loading(self) -> tuple[int, int] | None:
        """``(objects with their stored attributes in memory, objects loaded at start)``
        while they still stream in after start, else ``None``."""
        stream = self._stored.stream if self._stored is not None else None
        if stream is None or stream.done:
            return None
        return stream.progress()

    async def flush(self) -> None:
        """Return once every change made so far is durable."""
        if self._stored is not None:
            await self._stored.flush()

    async def close(self, give_up_after: float | None = None) -> None:
        """Flush (within ``give_up_after`` s) and close the store, uninstall the world and
        stop tasks finding its objects."""
        if self._world is None:
            return
        stored, self._stored = self._stored, None
        if stored is not None:
            await stored.close(give_up_after)
        entity_registry.unregister(GameObject.entity_kind)
        install_world(None)
        self._world = None
        gc.unfreeze()  # the world is gone: let the collector see what is left of it again
        if self._saved_limits is not None:  # the process's other worlds (tests) keep theirs
            attribute_bytes, key_length = self._saved_limits
            set_limits(attribute_bytes=attribute_bytes, key_length=key_length)


def starting_room(world: World) -> Room:
    """Return the starting room, making it (``The Hearth``) if the world has none yet."""
    for room in world.objects_of(Room):
        if room.has_tag(STARTING_ROOM_TAG):
            return room
    room = create_object(Room, STARTING_ROOM_KEY, world=world, tags=[STARTING_ROOM_TAG])
    room.db.desc = STARTING_ROOM_DESC
    log.info("made the starting room %s", room.dbref)
    return room


def start_location(world: World, setting: str, default: GameObject) -> GameObject:
    """Return where new characters start: the object ``setting`` names (``"#2"`` or a key),
    or ``default`` when it is empty. Raises :class:`StartLocationError` naming the setting."""
    wanted = setting.strip()
    if not wanted:
        return default
    if wanted.startswith("#") and wanted[1:].isdigit():
        found = world.get(int(wanted[1:]))
        if found is None:
            raise StartLocationError(
                f"START_LOCATION {wanted!r} names no object: the world has no {wanted}"
            )
        return found
    matches = world.find(wanted)
    if not matches:
        raise StartLocationError(
            f"START_LOCATION {wanted!r} names no object: no object has that key or alias"
        )
    if len(matches) > 1:
        ids = ", ".join(obj.dbref for obj in matches)
        raise StartLocationError(
            f"START_LOCATION {wanted!r} names {len(matches)} objects ({ids}); give one id"
        )
    return matches[0]


def character_class(setting: str, trusted: Iterable[str]) -> type[Character]:
    """Return the class ``CHARACTER_CLASS`` names (``module:Class``; empty: ``Character``)."""
    if not setting.strip():
        return Character
    try:
        cls = resolve_class(setting.strip(), tuple(trusted))
    except UnresolvableReferenceError as error:
        raise WorldStartError(f"CHARACTER_CLASS {setting!r} cannot be used: {error}") from None
    if not issubclass(cls, Character):
        raise WorldStartError(f"CHARACTER_CLASS {setting!r} is not a Character subclass")
    return cls


def run_world_module(game_dir: Path, world: World, start: GameObject) -> str | None:
    """Run ``at_world_start(world, start)`` of the game directory's ``world.py``, if any
    (``start`` is the starting room).

    It builds the game's fixed areas when they are absent, so it must be idempotent. An
    error is logged with its traceback and returned as one line (the game still starts,
    and Developers are told at login).
    """
    if not (game_dir / f"{WORLD_MODULE}.py").is_file():
        return None
    try:
        module = import_game_module(game_dir, WORLD_MODULE)
        hook = getattr(module, WORLD_HOOK, None)
        if hook is None:
            return None
        hook(world, start)
    except Exception as error:
        log.exception("%s.%s failed", WORLD_MODULE, WORLD_HOOK)
        return f"{WORLD_MODULE}.py: {type(error).__name__}: {error}"
    return None
