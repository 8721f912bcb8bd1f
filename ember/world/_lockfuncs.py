"""Lock functions: the fixed built-in set and the registry a game adds its own to.

A lock function is ``func(accessor, obj, *args) -> bool``: ``accessor`` is who asks (a
character, or anything with ``permissions`` and optionally ``id``, ``contents``,
``get_attribute``, ``has_tag``), ``obj`` the locked object, ``args`` the literal strings
written in the lock. How many arguments it takes is read from its signature when it is
registered, so ``perm()`` or ``perm(a, b)`` fail when the lock is *set*.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ember.world._errors import LockError, UnknownPermissionError
from ember.world._perms import has_permission, normalize_permission

__all__ = ["BUILTIN_LOCK_FUNCTIONS", "LockFunction", "LockFunctions", "lock_functions"]

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,31}")


@dataclass(frozen=True, slots=True)
class LockFunction:
    """A registered lock function: its name, the callable, how many literal arguments it
    takes (``max_args`` ``None``: any number) and an optional check of those arguments run
    when a lock is set (raising ``ValueError`` with the reason)."""

    name: str
    func: Callable[..., Any]
    min_args: int
    max_args: int | None
    check: Callable[[Sequence[str]], None] | None = None

    def check_args(self, args: Sequence[str]) -> None:
        """Raise :class:`LockError` if ``args`` do not fit this function."""
        count = len(args)
        if count < self.min_args or (self.max_args is not None and count > self.max_args):
            if self.max_args is None:
                wanted = f"at least {self.min_args}"
            elif self.min_args == self.max_args:
                wanted = str(self.min_args)
            else:
                wanted = f"{self.min_args} to {self.max_args}"
            raise LockError(f"{self.name}() takes {wanted} argument(s), {count} given")
        if self.check is not None:
            try:
                self.check(args)
            except ValueError as error:
                raise LockError(f"{self.name}({', '.join(args)}): {error}") from None


def _arity(name: str, func: Callable[..., Any]) -> tuple[int, int | None]:
    """How many literal arguments ``func(accessor, obj, ...)`` accepts."""
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError) as error:
        raise TypeError(f"lock function {name!r}: cannot read its signature ({error})") from None
    positional = [
        p
        for p in parameters
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    variadic = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters)
    required_keywords = [
        p.name
        for p in parameters
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is inspect.Parameter.empty
    ]
    if len(positional) < 2 and not variadic:
        raise TypeError(
            f"lock function {name!r} must accept (accessor, obj, *args); its signature is "
            f"{inspect.signature(func)}"
        )
    if required_keywords:
        raise TypeError(f"lock function {name!r} has required keyword-only {required_keywords}")
    required = sum(1 for p in positional if p.default is inspect.Parameter.empty)
    return max(0, required - 2), None if variadic else max(0, len(positional) - 2)


class LockFunctions:
    """The functions locks may call, by name: the built-ins plus those a game registers.

    ``lock_functions.register("level", at_least_level)`` makes ``level(5)`` usable in
    locks set afterwards. Names are lower-case identifiers of up to 32 characters, not
    ``and``/``or``/``not`` and not a built-in's (a lock always means what the docs say).
    """

    def __init__(self) -> None:
        self._functions: dict[str, LockFunction] = dict(BUILTIN_LOCK_FUNCTIONS)

    def register(
        self,
        name: str,
        func: Callable[..., Any],
        *,
        check: Callable[[Sequence[str]], None] | None = None,
        replace: bool = False,
    ) -> LockFunction:
        """Add ``func`` under ``name``; return its record.

        ``check(args)``, if given, vets the literal arguments when a lock is set and raises
        ``ValueError`` to refuse them. Raises ``ValueError`` for a bad or taken name
        (``replace=True`` replaces a game's own earlier function, never a built-in) and
        ``TypeError`` for a callable that cannot take ``(accessor, obj, *args)``.
        """
        if type(name) is not str or not _NAME.fullmatch(name) or name in ("and", "or", "not"):
            raise ValueError(
                f"lock function name {name!r} must be a lower-case identifier of at most 32 "
                "characters, not and/or/not"
            )
        if name in BUILTIN_LOCK_FUNCTIONS:
            raise ValueError(f"{name!r} is a built-in lock function and cannot be replaced")
        if name in self._functions and not replace:
            raise ValueError(f"lock function {name!r} is registered already (replace=True)")
        if not callable(func):
            raise TypeError(f"lock function {name!r} must be callable, got {func!r}")
        low, high = _arity(name, func)
        record = LockFunction(name, func, low, high, check)
        self._functions[name] = record
        return record

    def unregister(self, name: str) -> bool:
        """Remove a game's function; return whether it was there. Locks already set keep
        the function they were compiled with."""
        if name in BUILTIN_LOCK_FUNCTIONS:
            raise ValueError(f"{name!r} is a built-in lock function and cannot be removed")
        return self._functions.pop(name, None) is not None

    def get(self, name: str) -> LockFunction | None:
        """The function called ``name``, or ``None``."""
        return self._functions.get(name)

    def names(self) -> list[str]:
        """Every name, sorted."""
        return sorted(self._functions)


# -- the built-ins -----------------------------------------------------------------------------


def _lock_all(accessor: Any, obj: Any) -> bool:
    return True


def _lock_none(accessor: Any, obj: Any) -> bool:
    return False


def _lock_perm(accessor: Any, obj: Any, name: str) -> bool:
    return has_permission(getattr(accessor, "permissions", ()) or (), name)


def _check_perm(args: Sequence[str]) -> None:
    try:
        normalize_permission(args[0])
    except UnknownPermissionError as error:
        raise ValueError(str(error)) from None


def _object_id(text: str) -> int:
    digits = text[1:] if text.startswith("#") else text
    if not digits.isdigit() or int(digits) <= 0:
        raise ValueError(f"{text!r} is not an object id such as #12")
    return int(digits)


def _check_id(args: Sequence[str]) -> None:
    _object_id(args[0])


def _lock_id(accessor: Any, obj: Any, ref: str) -> bool:
    return getattr(accessor, "id", None) == _object_id(ref)


def _answers_to(thing: Any, name: str) -> bool:
    """Whether ``thing``'s key or an alias is ``name`` (already lower case)."""
    key = getattr(thing, "key", None)
    if isinstance(key, str) and key.lower() == name:
        return True
    return any(alias.lower() == name for alias in getattr(thing, "aliases", ()) or ())


def _lock_holds(accessor: Any, obj: Any, what: str) -> bool:
    contents = getattr(accessor, "contents", ()) or ()
    if what.startswith("#") and what[1:].isdigit():
        wanted = int(what[1:])
        return any(getattr(thing, "id", None) == wanted for thing in contents)
    name = what.lower()
    return any(_answers_to(thing, name) for thing in contents)


def _matches(stored: Any, literal: str) -> bool:
    """Compare a stored value with a literal from a lock: text as text, numbers as numbers,
    ``true``/``false`` as booleans."""
    if isinstance(stored, bool):
        return literal.lower() == ("true" if stored else "false")
    if isinstance(stored, int | float):
        try:
            return float(literal) == stored
        except ValueError:
            return False
    return isinstance(stored, str) and stored == literal


def _attr_of(thing: Any, name: str, *value: str) -> bool:
    getter = getattr(thing, "get_attribute", None)
    stored = getter(name) if callable(getter) else None
    return bool(stored) if not value else _matches(stored, value[0])


def _lock_attr(accessor: Any, obj: Any, name: str, *value: str) -> bool:
    return _attr_of(accessor, name, *value)


def _lock_objattr(accessor: Any, obj: Any, name: str, *value: str) -> bool:
    return _attr_of(obj, name, *value)


def _has_tag(thing: Any, tag: str) -> bool:
    checker = getattr(thing, "has_tag", None)
    return bool(checker(tag)) if callable(checker) else False


def _lock_tag(accessor: Any, obj: Any, tag: str) -> bool:
    return _has_tag(accessor, tag)


def _lock_objtag(accessor: Any, obj: Any, tag: str) -> bool:
    return _has_tag(obj, tag)


def _lock_self(accessor: Any, obj: Any) -> bool:
    return accessor is obj


def _lock_inside(accessor: Any, obj: Any) -> bool:
    return getattr(accessor, "location", None) is obj


BUILTIN_LOCK_FUNCTIONS: dict[str, LockFunction] = {
    record.name: record
    for record in (
        LockFunction("all", _lock_all, 0, 0),
        LockFunction("none", _lock_none, 0, 0),
        LockFunction("perm", _lock_perm, 1, 1, _check_perm),
        LockFunction("id", _lock_id, 1, 1, _check_id),
        LockFunction("holds", _lock_holds, 1, 1),
        LockFunction("attr", _lock_attr, 1, 2),
        LockFunction("objattr", _lock_objattr, 1, 2),
        LockFunction("tag", _lock_tag, 1, 1),
        LockFunction("objtag", _lock_objtag, 1, 1),
        LockFunction("self", _lock_self, 0, 0),
        LockFunction("inside", _lock_inside, 0, 0),
    )
}

#: The registry worlds use unless given their own: register a game's lock functions here.
lock_functions = LockFunctions()
