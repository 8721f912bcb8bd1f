"""``python -m ember.game GAME_DIR``: run the game process (the portal starts it)."""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import signal
import sys
from pathlib import Path

from ember.errors import StoreError
from ember.game._account_refresh import accounts_changed
from ember.game.server import GameServer
from ember.game.settings import Settings, SettingsError, load_settings
from ember.layout import GameLayout

__all__ = ["configure_logging", "main"]


def configure_logging(game_dir: Path, settings: Settings) -> logging.Handler:
    """Send every log record to ``server/logs/game.log`` (rotating) and return the handler."""
    path = GameLayout(game_dir).game_log
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=settings.log_max_bytes, backupCount=settings.log_backups, encoding="utf-8"
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    return handler


async def _serve(server: GameServer) -> str:
    loop = asyncio.get_running_loop()
    # SIGTERM (ember stop, the portal) is a graceful shutdown: tasks are flushed first.
    loop.add_signal_handler(signal.SIGTERM, lambda: server.stop("shutdown", by="SIGTERM"))
    loop.add_signal_handler(signal.SIGINT, lambda: server.stop("shutdown", by="SIGINT"))
    # SIGUSR1 (ember account grant/disable/...): re-read the accounts of players online.
    loop.add_signal_handler(signal.SIGUSR1, accounts_changed, server)
    return await server.run()


def main(argv: list[str] | None = None) -> int:
    """Run the game process for the game directory in ``argv[0]``; return the exit status."""
    # Until the loop handles it (below), SIGUSR1 must not end the process (its default).
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m ember.game GAME_DIR", file=sys.stderr)
        return 2
    game_dir = Path(args[0]).resolve()
    try:
        settings = load_settings(game_dir)
    except SettingsError as error:
        print(f"ember game: {error}", file=sys.stderr)
        return 2
    configure_logging(game_dir, settings)
    log = logging.getLogger("ember.game")
    try:
        kind = asyncio.run(_serve(GameServer(game_dir, settings)))
    except StoreError as error:
        # A database that cannot be opened: the cause in one line, with what to do.
        log.error("the game cannot start: %s", error)
        print(f"ember game: cannot start: {error}", file=sys.stderr)
        return 1
    except Exception:
        log.exception("the game process failed")
        return 1
    log.info("game process exits after %s", kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
