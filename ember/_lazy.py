"""Public names of a package imported on first use (PEP 562), so ``import ember`` and the
CLI do not pay for the game, the pools and their libraries before they are needed."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    namespace: dict[str, Any], names: Mapping[str, str | tuple[str, str | None]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a package's ``__getattr__`` and ``__dir__`` for ``names``: each public name
    maps to the module defining it (the same name there), or to ``(module, attribute)``
    (``None``: the module itself). ``namespace`` is the package's ``globals()``; a name is
    imported on first use and cached there, so later look-ups never come back here."""
    package = namespace["__name__"]

    def lookup(name: str) -> Any:
        try:
            found = names[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        module_name, attribute = (found, name) if isinstance(found, str) else found
        module = importlib.import_module(module_name)
        value = module if attribute is None else getattr(module, attribute)
        namespace[name] = value
        return value

    def listing() -> list[str]:
        return sorted(set(namespace) | set(namespace.get("__all__", ())))

    return lookup, listing
