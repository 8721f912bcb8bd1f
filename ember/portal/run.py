"""Running a portal as a process: logging to ``server/logs/portal.log`` and start-up reporting."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import logging.handlers
import os
import sys
from collections.abc import Callable
from typing import Any

from ember.portal.config import PortalConfig
from ember.portal.server import Portal, PortalStartError

__all__ = ["configure_logging", "run_portal"]

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(config: PortalConfig, *, console: bool = False) -> None:
    """Send the ``ember`` loggers to the rotating portal log (and to stderr when ``console``)."""
    config.files.log_dir.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger("ember")
    logger.setLevel(config.log_level.upper())
    formatter = logging.Formatter(_FORMAT)
    handler = logging.handlers.RotatingFileHandler(
        config.files.log_dir / "portal.log",
        maxBytes=config.log_max_bytes,
        backupCount=config.log_backups,
        encoding="utf-8",
    )
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(formatter)
        logger.addHandler(stream)


def run_portal(
    config: PortalConfig,
    *,
    console: bool = False,
    ready_fd: int | None = None,
    on_ready: Callable[[dict[str, Any]], None] | None = None,
) -> int:
    """Run a portal until it stops; return the process exit status (0 fine, 1 failed start).

    When ``ready_fd`` is given, one JSON line is written to it and it is closed: the status
    report once the first game process has connected, or ``{"error": ...}`` if start-up
    failed. The ``ember`` CLI waits for that line. ``on_ready`` gets the same report (in
    this process) when the first game has connected.
    """
    # Everything this process (and the game it starts) creates is private to this user,
    # whatever umask it was started with: logs, pid and status files, the link socket.
    os.umask(0o077)
    configure_logging(config, console=console)
    log = logging.getLogger("ember.portal")

    def report(value: dict[str, Any]) -> None:
        nonlocal ready_fd, on_ready
        if on_ready is not None and "error" not in value:
            on_ready(value)
        on_ready = None
        if ready_fd is None:
            return
        with contextlib.suppress(OSError):
            os.write(ready_fd, (json.dumps(value) + "\n").encode())
        with contextlib.suppress(OSError):
            os.close(ready_fd)
        ready_fd = None

    try:
        asyncio.run(Portal(config, on_ready=report).run())
    except PortalStartError as error:
        log.error("%s", error)
        report({"error": str(error)})
        if not console:
            print(f"ember portal: {error}", file=sys.stderr)
        return 1
    except Exception as error:
        log.exception("the portal failed")
        report({"error": f"the portal failed: {error!r}"})
        return 1
    finally:
        report({"error": "the portal stopped before the game connected"})
    return 0
