"""Setting the world's limits from the game's settings: every module's binding at once."""

from __future__ import annotations

from ember.world import _limits, _object, _values

__all__ = ["set_limits"]


def set_limits(*, attribute_bytes: int, key_length: int) -> None:
    """Set ``MAX_ATTRIBUTE_BYTES`` and ``MAX_KEY_LENGTH`` for every world of the process (the
    game calls it at start with its settings ``WORLD_MAX_ATTRIBUTE_BYTES`` and
    ``WORLD_MAX_KEY_LENGTH``). Both must be at least 1."""
    if attribute_bytes < 1 or key_length < 1:
        raise ValueError(f"world limits must be at least 1: {attribute_bytes}, {key_length}")
    # Each module keeps its own binding of the numbers (read on every check, no lookup
    # through another module on the hot path of obj.db.x = v), so all are updated together.
    _limits.MAX_ATTRIBUTE_BYTES = attribute_bytes
    _limits.MAX_KEY_LENGTH = key_length
    setattr(_values, "MAX_ATTRIBUTE_BYTES", attribute_bytes)  # noqa: B010 - a private binding
    setattr(_values, "_SHORT_STR", attribute_bytes // 6)  # noqa: B010
    setattr(_object, "MAX_KEY_LENGTH", key_length)  # noqa: B010
