"""``python -m ember.portal GAME_DIR ...``: the portal process, as the ``ember`` CLI starts it."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from ember.portal.config import METRICS_TOKEN_ENV, PORTAL_LIMITS, PortalConfig
from ember.portal.run import run_portal

__all__ = ["main", "parse_args"]


def parse_args(argv: Sequence[str] | None = None) -> tuple[PortalConfig, argparse.Namespace]:
    """Turn command-line arguments into a ``PortalConfig`` (plus the raw namespace)."""
    defaults = PortalConfig(game_dir=Path("."))  # only for the default values shown in --help
    parser = argparse.ArgumentParser(
        prog="python -m ember.portal",
        description="Ember's portal process: holds player connections and runs the game.",
    )
    parser.add_argument("game_dir", help="the game directory")
    parser.add_argument("--bind", default=defaults.bind)
    parser.add_argument("--telnet-port", type=int, default=defaults.telnet_port)
    parser.add_argument("--web-port", type=int, default=None, help="serve the web client here")
    parser.add_argument(
        "--web-origin", action="append", default=[], help="an allowed Origin (repeatable)"
    )
    parser.add_argument("--metrics", action="store_true", help="serve /metrics on the web port")
    parser.add_argument("--log-level", default=defaults.log_level)
    parser.add_argument("--log-max-bytes", type=int, default=defaults.log_max_bytes)
    parser.add_argument("--log-backups", type=int, default=defaults.log_backups)
    parser.add_argument("--idle-timeout", type=float, default=None)
    parser.add_argument("--max-line-bytes", type=int, default=defaults.max_line_bytes)
    parser.add_argument("--max-output-bytes", type=int, default=defaults.max_output_bytes)
    parser.add_argument("--game-start-timeout", type=float, default=defaults.game_start_timeout)
    parser.add_argument("--shutdown-timeout", type=float, default=defaults.shutdown_timeout)
    parser.add_argument(
        "--game-command",
        default="",
        help="start the game with this command instead of `python -m ember.game GAME_DIR`",
    )
    for name in PORTAL_LIMITS:
        default = getattr(defaults, name)
        parser.add_argument("--" + name.replace("_", "-"), type=type(default), default=default)
    parser.add_argument("--ready-fd", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--console", action="store_true", help="log to stderr as well")
    args = parser.parse_args(argv)
    try:
        config = PortalConfig(
            game_dir=Path(args.game_dir),
            bind=args.bind,
            telnet_port=args.telnet_port,
            web_port=args.web_port,
            web_origins=tuple(args.web_origin),
            metrics=args.metrics,
            metrics_token=os.environ.get(METRICS_TOKEN_ENV, ""),
            log_level=args.log_level,
            log_max_bytes=args.log_max_bytes,
            log_backups=args.log_backups,
            idle_timeout=args.idle_timeout,
            max_line_bytes=args.max_line_bytes,
            max_output_bytes=args.max_output_bytes,
            game_command=tuple(shlex.split(args.game_command)),
            game_start_timeout=args.game_start_timeout,
            shutdown_timeout=args.shutdown_timeout,
            **{name: getattr(args, name) for name in PORTAL_LIMITS},
        )
    except ValueError as error:
        parser.error(str(error))
    return config, args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the portal; return its exit status."""
    config, args = parse_args(argv)
    return run_portal(config, console=args.console, ready_fd=args.ready_fd)


if __name__ == "__main__":
    sys.exit(main())
