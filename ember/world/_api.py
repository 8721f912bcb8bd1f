"""The game maker's entry points: ``create_object`` and the world the game runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from ember.world._broadcast import deliver_many
from ember.world._object import GameObject
from ember.world._world import World

__all__ = ["create_object", "get_world", "install_world", "msg_many"]

T = TypeVar("T", bound=GameObject)
_installed: World | None = None


def install_world(world: World | None) -> None:
    """Make ``world`` the one :func:`create_object` uses by default (``None`` forgets it).
    The game process installs its world at start; tests use :func:`ember.testing.build_world`."""
    global _installed
    _installed = world


def get_world() -> World:
    """Return the installed world, or raise ``RuntimeError`` if none is."""
    if _installed is None:
        raise RuntimeError(
            "no world is installed: the game installs one at start; "
            "tests use ember.testing.build_world() or pass world=..."
        )
    return _installed


def create_object(
    cls: type[T],
    key: str,
    *,
    location: GameObject | None = None,
    home: GameObject | None = None,
    destination: GameObject | None = None,
    aliases: Iterable[str] = (),
    tags: Iterable[str] = (),
    attributes: Mapping[str, Any] | None = None,
    world: World | None = None,
) -> T:
    """Create a game object of class ``cls`` named ``key`` and return it.

    It is made in ``world``, else the world of ``location``, else the installed world.
    ``attributes`` become ``obj.db`` values (checked like assignments); ``destination`` is
    for exits; ``home`` defaults to the world's ``default_home``. No move hooks run.
    ``at_object_creation()`` runs last; if it raises, the object is removed again and the
    error propagates. Example::

        sword = create_object(Thing, "rusty sword", location=room, aliases=["sword"],
                              attributes={"damage": 3})

    Raises :class:`InvalidNameError` for a bad key, alias or tag,
    :class:`UnstorableValueError`/:class:`AttributeTooLargeError` for a bad attribute,
    :class:`NotPersistableError` for a class that could not be found again by name.
    """
    if world is None:
        holder = location._world if location is not None else None
        world = holder if isinstance(holder, World) else get_world()
    return world.create(
        cls,
        key,
        location=location,
        home=home,
        destination=destination,
        aliases=aliases,
        tags=tags,
        attributes=attributes,
    )


def msg_many(targets: Iterable[GameObject], text: str, **kwargs: Any) -> None:
    """Send ``text`` to each of ``targets`` as ``msg_contents`` sends to a room's contents:
    one message to the portal for all their sessions (a channel's members, a list of
    onlookers), while an object whose class overrides ``msg`` still gets it through that."""
    objects = list(targets)
    if objects:
        deliver_many(objects[0].world, objects, text, kwargs, GameObject.msg)
