"""What ``ember start`` and ``ember status`` say and pass on: the portal's configuration made
from the game's settings (ports, origins, metrics and its token, limits), the "running" lines
after a start, and the status report read from the portal's and the game's status files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ember.game.settings import Settings, SettingsError
from ember.portal.config import PORTAL_LIMITS, PortalConfig
from ember.portal.control import ServerState

__all__ = ["duration", "portal_config", "print_ready", "print_status"]


def portal_config(game_dir: Path, settings: Settings) -> PortalConfig:
    """The portal's configuration from the game's settings.

    ``METRICS`` and ``METRICS_TOKEN`` travel with it (the detached portal gets the token in
    its environment, never in argv).

    Raises:
        SettingsError: ``PORTAL_LIMITS`` names something that is not a portal limit.
    """
    unknown = sorted(set(settings.portal_limits) - set(PORTAL_LIMITS))
    if unknown:
        raise SettingsError(
            f"PORTAL_LIMITS has unknown names {unknown}; known: {', '.join(PORTAL_LIMITS)}"
        )
    return PortalConfig(
        game_dir=game_dir,
        bind=settings.bind,
        telnet_port=settings.telnet_port,
        web_port=settings.web_port,
        web_origins=tuple(str(origin) for origin in settings.web_allowed_origins),
        metrics=settings.metrics,
        metrics_token=settings.metrics_token,
        log_level=settings.log_level,
        log_max_bytes=settings.log_max_bytes,
        log_backups=settings.log_backups,
        idle_timeout=settings.idle_timeout,
        max_line_bytes=settings.max_line_bytes,
        # The game's own deadline, plus time to exit, before the portal kills it.
        shutdown_timeout=max(settings.reload_deadline, settings.stop_deadline) + 5.0,
        **settings.portal_limits,
    )


def print_ready(status: dict[str, Any]) -> None:
    """Print where players connect, from the portal's status once it is ready."""
    bind, port = status.get("bind"), status.get("telnet_port")
    host = "localhost" if bind in ("127.0.0.1", "0.0.0.0", "::", "::1") else bind
    print(f"Ember is running: portal pid {status.get('pid')}, game pid {status.get('game_pid')}.")
    print(f"Connect with: telnet {host} {port}", flush=True)
    if status.get("web_port"):
        print(f"Or play in a browser: http://{host}:{status['web_port']}", flush=True)


def print_status(game_dir: Path, state: ServerState) -> bool:
    """Print ``ember status``'s report of ``state``; return whether Ember runs."""
    print(f"Game directory: {game_dir}")
    if state.stale:
        print(f"Removed stale pid files: {', '.join(state.stale)}")
    if not state.running:
        print("Ember is not running.")
        if state.orphan_game_pid is not None:
            print(f"An orphaned game process is alive (pid {state.orphan_game_pid}); "
                  "`ember stop` ends it.")  # fmt: skip
        return False
    portal = state.portal_status or {}
    game = state.game_status or {}
    uptime = time.time() - float(portal.get("started_at", time.time()))
    print(f"Ember is running ({portal.get('state', 'unknown')}), up {duration(uptime)}.")
    print(f"Portal:   pid {state.portal_pid}, telnet on "
          f"{portal.get('bind')}:{portal.get('telnet_port')}, "
          f"web on port {portal.get('web_port') or '-'}")  # fmt: skip
    connected = "connected" if portal.get("game_connected") else "not connected"
    print(f"Game:     pid {state.game_pid or '-'} ({connected}), "
          f"started {portal.get('game_starts', 0)} time(s)")  # fmt: skip
    print(f"Sessions: {portal.get('sessions', 0)} ({portal.get('logged_in', 0)} logged in)")
    pending = game.get("pending_tasks")
    print(f"Pending tasks: {pending if pending is not None else 'unknown'}")
    if loading := game.get("world_loading"):  # stored attributes still streaming in
        print(f"World:    loading: {loading[0]:,}/{loading[1]:,} objects' attributes")
    store = game.get("store") or {}
    if store.get("failing"):
        print(f"Store:    FAILING ({store.get('last_error')}); "
              f"{store.get('waiting_writes', 0)} writes wait and are retried")  # fmt: skip
    elif store:
        print(f"Store:    ok, {store.get('waiting_writes', 0)} writes waiting")
    if portal.get("game_failure"):
        print(f"The game cannot start: {portal['game_failure']}")
    return True


def duration(seconds: float) -> str:
    """``3h 12m`` or ``4m 7s``: an uptime for people."""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}h {rest // 60}m" if hours else f"{rest // 60}m {rest % 60}s"
