"""The portal's settings, passed in by whoever starts it (the portal never reads settings.py)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from ember.portal.input_limits import InputLimits
from ember.portal.state_files import ServerFiles

__all__ = ["METRICS_TOKEN_ENV", "PORTAL_LIMITS", "PortalConfig"]

METRICS_TOKEN_ENV = "EMBER_METRICS_TOKEN"
"""The environment variable that hands the /metrics token to ``python -m ember.portal``."""

PORTAL_LIMITS = (
    "input_lines_per_second",
    "input_line_burst",
    "input_bytes_per_second",
    "input_byte_burst",
    "input_abuse_seconds",
    "max_queued_input_messages",
    "max_queued_input_bytes",
    "max_game_queue_bytes",
    "max_json_depth",
    "max_oob_bytes",
)
"""The abuse limits a game may set (``PORTAL_LIMITS`` in settings.py, or ``--input-...``
options of ``python -m ember.portal``); docs/security.md explains each."""


@dataclass(frozen=True, slots=True)
class PortalConfig:
    """Everything the portal process needs to know, fixed for its lifetime.

    The ``ember`` CLI builds it from the game's settings and hands it over on the command
    line of ``python -m ember.portal``, because the portal may not import the game package.

    Args:
        game_dir: the game directory; ``server/`` inside it holds pid files, logs and the link.
        bind: the address the telnet listener binds to.
        telnet_port: the telnet port (0 picks a free one, reported in the status file).
        web_port: the web client's port (page and WebSocket; 0 picks a free one); None: no
            web client.
        web_origins: the ``Origin`` values a WebSocket may come from; empty: the page's own
            (``http://localhost:PORT`` and ``http://127.0.0.1:PORT``).
        web_rate, web_burst: messages per second a web connection may send, and at once.
        input_lines_per_second, input_line_burst: lines (and GMCP/info messages) one session
            may send per second, and at once, on telnet and the web alike; more are dropped
            with a notice.
        input_bytes_per_second, input_byte_burst: bytes one session may send per second, and
            at once; past that the portal stops reading the connection until the debt is paid.
        input_abuse_seconds: a session over an input limit for this long is disconnected.
        max_queued_input_messages, max_queued_input_bytes: messages (and their bytes) of one
            session waiting for the game; a session past either is disconnected.
        max_game_queue_bytes: input of all sessions waiting for the game; past it the session
            with the most queued is disconnected.
        max_json_depth: the deepest nesting of a web client message, checked before parsing.
        max_oob_bytes: the largest client data (GMCP, the web's ``oob``) the game may send in
            one message, as JSON; a larger one is not sent and is logged.
        log_level: a ``logging`` level name for ``server/logs/portal.log``.
        log_max_bytes, log_backups: rotation of that log.
        idle_timeout: seconds of silence after which a player is disconnected; None: never.
        max_line_bytes: the longest input line accepted; longer ones are dropped with a notice.
        max_output_bytes: output held for a client that does not read, beyond the socket's own
            buffer; a client that lets more pile up is disconnected.
        max_pending_lines: input lines kept per session while no game process is connected.
        game_command: the command that starts the game process; by default
            ``python -m ember.game GAME_DIR`` with this interpreter.
        game_start_timeout: seconds a new game process has to connect before it counts as
            crashed and is restarted.
        shutdown_timeout: seconds the game gets to exit, counted from when a shutdown or reload
            was asked for (its `stopping`), before it is killed; the game's deadline plus 5 s.
        game_name: shown to MUD crawlers over MSSP; the game directory's name by default.
        progress_line_interval: seconds between two progress lines of one job for telnet
            clients that cannot redraw a line (MUD clients; see ``redraws_lines``): they get
            a whole line now and then, and the last one, instead of one line rewritten.
        metrics: serve ``/metrics`` (Prometheus' text format) on the web port.
        metrics_token: when set, ``/metrics`` wants ``Authorization: Bearer <token>``; passed
            to the portal process in its environment (``EMBER_METRICS_TOKEN``), never on its
            command line, where any local user could read it.
    """

    game_dir: Path
    bind: str = "127.0.0.1"
    telnet_port: int = 4000
    web_port: int | None = None
    web_origins: tuple[str, ...] = ()
    web_rate: float = 20.0
    web_burst: int = 60
    input_lines_per_second: float = 20.0
    input_line_burst: int = 100
    input_bytes_per_second: float = 32 * 1024
    input_byte_burst: int = 192 * 1024
    input_abuse_seconds: float = 10.0
    max_queued_input_messages: int = 500
    max_queued_input_bytes: int = 256 * 1024
    max_game_queue_bytes: int = 32 * 1024 * 1024
    max_json_depth: int = 32
    max_oob_bytes: int = 64 * 1024
    log_level: str = "INFO"
    log_max_bytes: int = 10 * 1024 * 1024
    log_backups: int = 5
    idle_timeout: float | None = None
    max_line_bytes: int = 64 * 1024
    max_output_bytes: int = 1024 * 1024
    max_pending_lines: int = 100
    game_command: tuple[str, ...] = ()
    game_start_timeout: float = 60.0
    shutdown_timeout: float = 25.0
    game_name: str = field(default="")
    progress_line_interval: float = 2.0
    metrics: bool = False
    metrics_token: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "game_dir", Path(self.game_dir).resolve())
        if not self.game_command:
            command = (sys.executable, "-m", "ember.game", str(self.game_dir))
            object.__setattr__(self, "game_command", command)
        if not self.game_name:
            object.__setattr__(self, "game_name", self.game_dir.name)
        for name in (
            "max_line_bytes",
            "max_output_bytes",
            "max_pending_lines",
            "max_queued_input_messages",
            "max_queued_input_bytes",
            "max_game_queue_bytes",
            "max_json_depth",
            "max_oob_bytes",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)!r}")
        if not 0 <= self.telnet_port <= 65535:
            raise ValueError(f"telnet_port must be between 0 and 65535, not {self.telnet_port}")
        if self.web_port is not None and not 0 <= self.web_port <= 65535:
            raise ValueError(f"web_port must be between 0 and 65535, not {self.web_port}")
        if self.progress_line_interval < 0:
            raise ValueError(
                f"progress_line_interval must be at least 0, not {self.progress_line_interval!r}"
            )
        for name in PORTAL_LIMITS:
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise TypeError(f"{name} must be a number, not {value!r}")
        self.input_limits  # noqa: B018 -- validates the input limits now, not at first use
        if self.idle_timeout is not None and self.idle_timeout <= 0:
            raise ValueError(f"idle_timeout must be positive or None, not {self.idle_timeout!r}")

    @property
    def input_limits(self) -> InputLimits:
        """The per-session input rate limits (checked when the config is made)."""
        return InputLimits(
            lines_per_second=self.input_lines_per_second,
            line_burst=self.input_line_burst,
            bytes_per_second=self.input_bytes_per_second,
            byte_burst=self.input_byte_burst,
            abuse_seconds=self.input_abuse_seconds,
        )

    @property
    def files(self) -> ServerFiles:
        """The files in ``GAME_DIR/server``: the database, logs, pid and status files."""
        return ServerFiles(self.game_dir)
