"""Importing the game directory's own modules (``commands.py``, ``world.py``) afresh."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["import_game_module"]


def import_game_module(game_dir: Path, name: str) -> ModuleType:
    """Import the game directory's module ``name`` afresh (the directory first on
    ``sys.path``): another game directory's module of that name, or the old one before a
    change, may be cached. Errors of the import propagate to the caller."""
    path = str(game_dir)
    if path in sys.path:
        sys.path.remove(path)
    sys.path.insert(0, path)
    sys.modules.pop(name, None)
    importlib.invalidate_caches()
    return importlib.import_module(name)
