"""The world: persistent game objects (rooms, exits, characters, things) held in memory.

Game code imports these from ``ember``. The store that writes the world behind to the
database comes with the storage layer; here are the objects, the registry and the ordered
journal of changes the store will commit.
"""

from ember.world._api import create_object, get_world, install_world, msg_many
from ember.world._changes import (
    AliasesChanged,
    AttributeDeleted,
    AttributeSet,
    Change,
    DestinationChanged,
    HomeChanged,
    KeyChanged,
    LocksChanged,
    ObjectCreated,
    ObjectDeleted,
    ObjectMoved,
    Snapshot,
    TagsChanged,
    apply_changes,
)
from ember.world._classes import class_ref, resolve_class
from ember.world._errors import (
    AttributeTooLargeError,
    InvalidNameError,
    LockError,
    MoveError,
    ObjectDeletedError,
    UnknownPermissionError,
    UnstorableValueError,
)
from ember.world._ids import IdAllocator
from ember.world._kinds import Character, Exit, Room, Thing
from ember.world._limits import (
    MAX_ALIASES,
    MAX_ATTRIBUTE_BYTES,
    MAX_KEY_LENGTH,
    MAX_LOCK_DEPTH,
    MAX_LOCK_LENGTH,
    MAX_TAGS,
)
from ember.world._load import CorruptRow, LoadReport, load_world
from ember.world._lockfuncs import LockFunction, LockFunctions, lock_functions
from ember.world._locks import DEFAULT_LOCKS, OTHER_DEFAULT_LOCK, Locks
from ember.world._object import GameObject
from ember.world._perms import PERMISSIONS, has_permission, normalize_permission
from ember.world._search import SearchResult
from ember.world._sink import MessageSink
from ember.world._store import StoredWorld, WorldStore, open_world, world_store_from_url
from ember.world._store_postgres import PostgresWorldStore
from ember.world._store_sqlite import SqliteWorldStore
from ember.world._world import World, WorldStatistics

__all__ = [
    "DEFAULT_LOCKS",
    "MAX_ALIASES",
    "MAX_ATTRIBUTE_BYTES",
    "MAX_KEY_LENGTH",
    "MAX_LOCK_DEPTH",
    "MAX_LOCK_LENGTH",
    "MAX_TAGS",
    "OTHER_DEFAULT_LOCK",
    "PERMISSIONS",
    "AliasesChanged",
    "AttributeDeleted",
    "AttributeSet",
    "AttributeTooLargeError",
    "Change",
    "Character",
    "CorruptRow",
    "DestinationChanged",
    "Exit",
    "GameObject",
    "HomeChanged",
    "IdAllocator",
    "InvalidNameError",
    "KeyChanged",
    "LoadReport",
    "LockError",
    "LockFunction",
    "LockFunctions",
    "Locks",
    "LocksChanged",
    "MessageSink",
    "MoveError",
    "ObjectCreated",
    "ObjectDeleted",
    "ObjectDeletedError",
    "ObjectMoved",
    "PostgresWorldStore",
    "Room",
    "SearchResult",
    "Snapshot",
    "SqliteWorldStore",
    "StoredWorld",
    "TagsChanged",
    "Thing",
    "UnknownPermissionError",
    "UnstorableValueError",
    "World",
    "WorldStatistics",
    "WorldStore",
    "apply_changes",
    "class_ref",
    "create_object",
    "get_world",
    "has_permission",
    "install_world",
    "load_world",
    "lock_functions",
    "msg_many",
    "normalize_permission",
    "open_world",
    "resolve_class",
    "world_store_from_url",
]

# Stored class references name these classes; give them their public address, so moving the
# code between private modules never breaks a stored world ("ember.world:Room").
for _cls in (GameObject, Room, Exit, Character, Thing):
    _cls.__module__ = __name__
del _cls
