"""Permissions: the hierarchy Player < Builder < Admin < Developer, each including those below.

A permission is one of these names, compared without regard to case. Whoever holds a
permission holds every one below it, so ``perm(Builder)`` in a lock lets Admins and
Developers through too. Names outside the hierarchy are refused where they are *given*
(setting a character's permissions, writing a lock) with :class:`UnknownPermissionError`;
an unknown name already held (an account's old data) simply grants nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from ember.world._errors import UnknownPermissionError

__all__ = ["PERMISSIONS", "has_permission", "normalize_permission", "permission_rank"]

#: The permission hierarchy, lowest first.
PERMISSIONS: tuple[str, ...] = ("Player", "Builder", "Admin", "Developer")
_RANK = {name.lower(): rank for rank, name in enumerate(PERMISSIONS)}


def normalize_permission(name: object) -> str:
    """Return the hierarchy's spelling of ``name`` (``"builder"`` -> ``"Builder"``).

    Raises :class:`UnknownPermissionError` (a ``ValueError``) for a name not in
    :data:`PERMISSIONS`, listing the names there are.
    """
    rank = _RANK.get(name.strip().lower()) if isinstance(name, str) else None
    if rank is None:
        raise UnknownPermissionError(
            f"unknown permission {name!r}; the permissions are {', '.join(PERMISSIONS)}"
        )
    return PERMISSIONS[rank]


def permission_rank(name: str) -> int:
    """The place of ``name`` in the hierarchy (Player 0 ... Developer 3); raises
    :class:`UnknownPermissionError` for an unknown name."""
    return _RANK[normalize_permission(name).lower()]


def has_permission(held: Iterable[str], required: str) -> bool:
    """Whether permissions ``held`` include ``required`` or one above it.

    ``required`` must be a known name (:class:`UnknownPermissionError` otherwise); names in
    ``held`` outside the hierarchy grant nothing.
    """
    needed = permission_rank(required)
    for name in held:
        rank = _RANK.get(name.lower()) if isinstance(name, str) else None
        if rank is not None and rank >= needed:
            return True
    return False
