"""Client data (GMCP) in the game: checking what game code sends, and what clients send.

Outgoing: ``session.msg(oob=("Char.Vitals", {...}))`` is checked here (package name, JSON
data) so a bad call fails at the call, for every client. Incoming: each ``gmcp`` link message
first updates the session's ``info`` for the Core packages every client sends
(``Core.Hello``, ``Core.Supports.*``), then goes to the game's ``at_gmcp(session, package,
data)`` hook when its commands module defines one (docs/talking-to-clients.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from ember.link import JSON

__all__ = ["MAX_GMCP_SUPPORTS", "MAX_PACKAGE_CHARS", "GmcpHook", "check_oob", "receive_gmcp"]

log = logging.getLogger("ember.game")

MAX_PACKAGE_CHARS = 100
"""The longest GMCP package name accepted, either way; real ones (``Char.Items.Inv``) are
under 30 characters."""
MAX_GMCP_SUPPORTS = 100
"""Packages kept per session from ``Core.Supports.*``; a client lists a dozen or so."""

GmcpHook = Callable[[Any, str, JSON], object]
"""The game's ``at_gmcp(session, package, data)``."""


def _check_package(package: object) -> str:
    if not isinstance(package, str):
        raise TypeError(f"a GMCP package name must be a str, not {type(package).__name__}")
    if (
        not package
        or len(package) > MAX_PACKAGE_CHARS
        or any(char.isspace() or not char.isprintable() for char in package)
    ):
        raise ValueError(
            f"a GMCP package name is 1-{MAX_PACKAGE_CHARS} printable characters without"
            f" spaces, such as 'Char.Vitals', not {package[:60]!r}"
        )
    return package


def check_oob(oob: object) -> tuple[str, JSON]:
    """Return ``(package, data)`` from a ``msg(oob=...)`` value, checked.

    Raises:
        TypeError: ``oob`` is not a ``(package, data)`` pair, or ``data`` is not JSON.
        ValueError: the package name is empty, too long or has whitespace; or ``data``
            holds NaN or an infinity.
    """
    if not isinstance(oob, tuple | list) or len(oob) != 2:
        raise TypeError(f"oob must be a (package, data) pair, not {oob!r:.80}")
    package, data = _check_package(oob[0]), oob[1]
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise type(error)(f"oob data for {package} is not JSON: {error}") from None
    return package, data


def receive_gmcp(session: Any, package: object, data: JSON, hook: GmcpHook | None) -> None:
    """Handle a GMCP message from ``session``'s client: note the Core packages in
    ``session.info``, then call the game's ``hook``. Malformed messages and errors of the
    hook are logged (the hook's with its traceback); nothing here raises."""
    try:
        name = _check_package(package)
    except (TypeError, ValueError) as error:
        log.warning("session %s: GMCP message ignored: %s", session.sid, error)
        return
    _note_core(session, name, data)
    if hook is None:
        log.debug("session %s: GMCP %s (no at_gmcp hook)", session.sid, name)
        return
    try:
        hook(session, name, data)
    except Exception:
        log.exception("session %s: the game's at_gmcp failed on %s", session.sid, name)


def _note_core(session: Any, package: str, data: JSON) -> None:
    """``Core.Hello {"client": "Mudlet", "version": "4.17"}`` -> ``info["gmcp_client"]``
    and ``info["gmcp_version"]``; ``Core.Supports.Set/Add/Remove ["Char 1", ...]`` ->
    ``info["gmcp_supports"]``, a package -> version dict."""
    key = package.lower()
    info: dict[str, JSON] = session.info
    if key == "core.hello":
        if isinstance(data, dict):
            for field in ("client", "version"):
                value = data.get(field)
                if isinstance(value, str):
                    info[f"gmcp_{field}"] = value[:MAX_PACKAGE_CHARS]
        else:
            log.info("session %s: Core.Hello without a JSON object: %.80r", session.sid, data)
    elif key in ("core.supports.set", "core.supports.add", "core.supports.remove"):
        if not isinstance(data, list):
            log.info("session %s: %s without a JSON list: %.80r", session.sid, package, data)
            return
        old = info.get("gmcp_supports")
        supports: dict[str, JSON] = (
            {} if key == "core.supports.set" or not isinstance(old, dict) else dict(old)
        )
        for entry in data:
            if not isinstance(entry, str):
                continue
            name, _, version = entry.strip().partition(" ")
            if key == "core.supports.remove":
                supports.pop(name, None)
            elif name and (name in supports or len(supports) < MAX_GMCP_SUPPORTS):
                supports[name[:MAX_PACKAGE_CHARS]] = int(version) if version.isdigit() else 1
        info["gmcp_supports"] = supports
