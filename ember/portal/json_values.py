"""The one rule for data a client sends that the portal passes on to the game as JSON.

Telnet GMCP payloads and web client messages are both decoded with ``json.loads`` (or kept as a
raw string when they are not JSON), then pass through :func:`json_safe` before they become link
message arguments. The link itself refuses values nested deeper than ``ember.link.MAX_NESTING``
or of other types; this rule makes sure a client can never make the portal build such a message.
"""

from __future__ import annotations

from ember.link import JSON

__all__ = ["MAX_DATA_DEPTH", "json_safe"]

MAX_DATA_DEPTH = 16
"""How deeply a client's data may nest when passed on to the game; deeper parts become None.

Well inside the link's ``MAX_NESTING`` (the data sits a few levels down in a message), and
deeper than any GMCP package in use (they nest two or three levels)."""


def json_safe(value: object, depth: int = 0) -> JSON:
    """Return ``value`` as a JSON value the link accepts.

    None, bool, int, float and str are kept; lists (and tuples) and dicts are copied with their
    keys made strings; anything else travels as its ``repr`` (decoded JSON never holds it, so
    this is a guard, not a path); parts nested deeper than :data:`MAX_DATA_DEPTH` become None.
    """
    if depth > MAX_DATA_DEPTH:
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [json_safe(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {str(key): json_safe(item, depth + 1) for key, item in value.items()}
    return repr(value)
