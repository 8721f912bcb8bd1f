"""Class references: an object's class is stored as ``module:Class`` and found again by name."""

from __future__ import annotations

from collections.abc import Iterable

from ember.errors import NotPersistableError, UnresolvableReferenceError
from ember.scheduling._refs import resolve_reference
from ember.world._object import GameObject

__all__ = ["class_ref", "resolve_class"]


def class_ref(cls: type[GameObject], trusted_modules: Iterable[str] | None = None) -> str:
    """Return ``module:Qualname`` for ``cls``, checked to find ``cls`` again.

    Raises :class:`NotPersistableError` for a class defined inside a function, one that is
    not reachable by its name, or one outside ``trusted_modules`` (when given): such an
    object could not come back after a restart, so it is refused at creation.
    """
    ref = f"{cls.__module__}:{cls.__qualname__}"
    if "<locals>" in cls.__qualname__:
        raise NotPersistableError(
            f"class {cls.__qualname__} is defined inside a function, so objects of it "
            "could not be loaded again; define game object classes at module level"
        )
    try:
        found = resolve_reference(ref, trusted_modules)
    except UnresolvableReferenceError as error:
        raise NotPersistableError(f"class {ref} cannot be stored by reference: {error}") from None
    if found is not cls:
        raise NotPersistableError(f"class {ref} is not the class found at that name")
    return ref


def resolve_class(ref: str, trusted_modules: Iterable[str] | None = None) -> type[GameObject]:
    """Return the game object class ``ref`` names, or raise
    :class:`UnresolvableReferenceError` (missing, untrusted, or not a game object class)."""
    found = resolve_reference(ref, trusted_modules)
    if not isinstance(found, type) or not issubclass(found, GameObject):
        raise UnresolvableReferenceError(f"{ref!r} is not a game object class")
    return found
