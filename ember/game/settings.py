"""Ember's default settings and how a game directory's ``settings.py`` overrides them."""

from __future__ import annotations

import dataclasses
import difflib
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ember.errors import EmberError
from ember.game._channel_limits import channel_setting_problems
from ember.layout import DEFAULT_DATABASE
from ember.offload._kinds import EXECUTORS  # not the package's names: they import the pools

__all__ = [
    "CLIENT_DATA",
    "SETTINGS_FILE",
    "Settings",
    "SettingsError",
    "load_settings",
    "settings_from_mapping",
]

SETTINGS_FILE = "settings.py"
#: The client data packages Ember knows how to send by itself (``CLIENT_DATA``).
CLIENT_DATA: tuple[str, ...] = ("Room.Info", "Char.Vitals", "Char.Status")


class SettingsError(EmberError, ValueError):
    """A game's ``settings.py`` names an unknown setting or gives one a value of the wrong type."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting Ember reads, with its default; a game overrides them in ``settings.py``.

    The game directory's ``settings.py`` sets UPPER_CASE names, one per field, for example
    ``TELNET_PORT = 4100`` or ``DATABASE = "postgresql://ember@db/game"``. Read once at
    start-up by :func:`load_settings` and passed to whatever needs it.
    """

    telnet_port: int = 4000
    web_port: int = 4001
    #: Origins a browser may open the web client's WebSocket from; empty: the page's own
    #: (``http://localhost:WEB_PORT`` and ``http://127.0.0.1:WEB_PORT``).
    web_allowed_origins: list[str] = field(default_factory=list)
    bind: str = "127.0.0.1"
    #: Serve ``/metrics`` (Prometheus' text format) on the web port; with a token, a scrape
    #: must send ``Authorization: Bearer <token>`` (docs/operating.md "Metrics").
    metrics: bool = False
    metrics_token: str = ""
    #: A file path relative to the game directory, ``sqlite://...`` or ``postgresql://...``.
    database: str = DEFAULT_DATABASE
    log_level: str = "INFO"
    log_max_bytes: int = 10 * 1024 * 1024
    log_backups: int = 5
    #: Seconds of silence after which the portal closes a connection; ``None``: never.
    idle_timeout: float | None = None
    max_line_bytes: int = 64 * 1024
    #: Failed logins allowed within the window: for one account from one address (locks out
    #: that address only), from one address over all accounts, and for one account from
    #: anywhere (then it is locked for every address that failed against it; an address
    #: that never failed still gets its password checked). docs/security.md.
    login_failures_allowed: int = 5
    login_address_failures_allowed: int = 20
    login_account_failures_allowed: int = 10
    login_failure_window: float = 60.0
    #: The first refusal lasts this long; each further one doubles it, up to the maximum.
    login_cooldown: float = 30.0
    login_cooldown_max: float = 900.0
    #: Per player: commands still running (paused or waiting, e.g. ``dig``), questions waiting
    #: for an answer, and ``@interactive`` functions running. One more is refused with a
    #: message. A player types one thing at a time; 20 is far above honest play and keeps a
    #: flood of them to a few kilobytes (docs/design-notes.md, issue 9).
    max_commands_running: int = 20
    max_questions_pending: int = 20
    max_flows_running: int = 20
    #: Lines a player types while a login is checked are kept, up to this many; further
    #: ones are dropped with a notice.
    max_held_lines: int = 20
    #: Output waiting in the game for the portal, in bytes of text: per session and in all.
    #: A session past its bound (a command printing without end) is closed with a notice and
    #: a log line; past the total, the session with the most waiting is. The portal drops a
    #: client that does not read long before (1 MiB), so honest play never nears these.
    max_session_output_queued: int = 4 * 1024 * 1024
    max_output_queued: int = 64 * 1024 * 1024
    #: At most this many password hashes run at once (each takes ~64 MiB with the defaults).
    hash_concurrency: int = 2
    #: argon2id parameters (argon2-cffi's defaults, RFC 9106 low-memory profile).
    hash_time_cost: int = 3
    hash_memory_cost: int = 65536
    hash_parallelism: int = 4
    #: Where ``run_async`` sends plain functions unless told otherwise: "thread", "process",
    #: "cluster" or "loop" (docs/background-work.md).
    executor_default: str = "thread"
    executor_options: dict[str, Any] = field(default_factory=dict)
    #: Threads in the thread pool, and worker processes in the process pool (started lazily).
    executor_threads: int = 4
    executor_processes: int = 2
    #: The Dask scheduler for ``executor="cluster"``, such as "tcp://10.0.0.5:8786"; "": none.
    cluster_address: str = ""
    #: Python's GIL switch interval (seconds) while thread jobs run, so the loop gets the GIL
    #: back sooner; 0 leaves Python's 5 ms (docs/background-work.md).
    executor_thread_switch_interval: float = 0.0005
    #: A loop timer this late (seconds) while a thread job burns CPU logs one warning naming
    #: the job's function; 0: never.
    executor_thread_lag_warning: float = 0.1
    #: Seconds from asking for a reload (or a stop) until the game process has exited. A final
    #: flush that the store does not take in time is handed to the next process (a reload) or
    #: kept in server/unwritten-tasks.json (a stop); docs/design-notes.md, issue 10.
    reload_deadline: float = 20.0
    stop_deadline: float = 20.0
    #: Seconds the running game gives a child process to import the new code before a reload.
    reload_check_timeout: float = 15.0
    #: The portal's abuse limits by their ``PortalConfig`` names, e.g.
    #: ``{"input_lines_per_second": 10}``; unset ones keep the defaults (docs/security.md).
    portal_limits: dict[str, Any] = field(default_factory=dict)
    #: Characters one account may have; with more than one the player picks one after login
    #: (``ic NAME``) and makes more with ``charcreate NAME`` (docs/world.md).
    max_characters_per_account: int = 1
    #: Messages kept for a character nobody plays (``msg(text, keep=True)``), shown at its
    #: next login; the oldest give way beyond this many.
    kept_messages_max: int = 50
    #: Where new characters start: an object id such as ``"#2"`` or a room's key; empty: the
    #: starting room the game makes on its first start. Checked at start.
    start_location: str = ""
    #: The class of new characters, ``module:Class`` in the game's modules (e.g.
    #: ``"world:Character"``); empty: ``ember.Character``.
    character_class: str = ""
    #: The world's limits (docs/design-notes.md, "The world, in memory"): the largest
    #: attribute value in bytes of its JSON, and the longest key, alias or tag.
    world_max_attribute_bytes: int = 1 << 20
    world_max_key_length: int = 80
    #: Objects one account may make a minute with the building commands (``dig``, ``open``,
    #: ``create``): a token bucket that refills at this rate, so a flood stops at a message.
    build_objects_per_minute: int = 60
    #: The channel every new character joins (docs/channels.md), as ``name;alias;alias``:
    #: made at start if the world has no channel of that name; empty: no default channel.
    default_channel: str = "public;pub"
    #: Channel bounds by their ``ChannelLimits`` names, e.g. ``{"max_channels": 20}``.
    channel_limits: dict[str, int] = field(default_factory=dict)
    #: Player commands (docs/playing.md): things one character may carry (``get`` and
    #: ``give`` refuse beyond), characters in one ``say``/``emote``/``whisper``/``page``,
    #: and whether colour markup players type in them is shown as colour (else as typed).
    max_carried: int = 100
    max_speech_length: int = 2000
    player_markup: bool = True
    #: The client data (GMCP) Ember sends by itself: ``Room.Info`` at login and after each
    #: move, ``Char.Vitals`` and ``Char.Status`` at login. ``[]`` turns all off; a Character's
    #: ``at_gmcp_*`` methods change what they hold (docs/talking-to-clients.md).
    client_data: list[str] = field(default_factory=lambda: list(CLIENT_DATA))

    def database_url(self, game_dir: str | Path) -> str:
        """Return the database setting, a relative file path made absolute under ``game_dir``."""
        url = self.database
        if "://" in url:
            return url
        path = Path(url)
        return str(path if path.is_absolute() else Path(game_dir).resolve() / path)

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with some fields replaced (by their lower-case field names)."""
        return dataclasses.replace(self, **overrides)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _check_type(name: str, value: Any, default: Any) -> None:
    if name == "idle_timeout":
        wanted = "a number or None"
        ok = value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
    else:
        wanted = type(default).__name__
        accepted: tuple[type, ...] = (
            (int, float) if isinstance(default, float) else (type(default),)
        )
        ok = isinstance(value, accepted) and (
            isinstance(default, bool) or not isinstance(value, bool)
        )
    if not ok:
        raise SettingsError(f"setting {name.upper()} must be {wanted}, not {value!r}")


def settings_from_mapping(values: dict[str, Any], *, source: str = "settings") -> Settings:
    """Build :class:`Settings` from UPPER_CASE names (other names are ignored).

    Raises:
        SettingsError: an UPPER_CASE name is not a setting (the message names the closest
            known one) or a value has the wrong type.
    """
    defaults = Settings()
    overrides: dict[str, Any] = {}
    known = sorted(name.upper() for name in _FIELDS)
    for key, value in values.items():
        if not key.isupper() or key.startswith("_"):
            continue
        name = key.lower()
        if name not in _FIELDS:
            close = difflib.get_close_matches(key, known, n=1)
            hint = (
                f"; did you mean {close[0]}?" if close else f"; known settings: {', '.join(known)}"
            )
            raise SettingsError(f"unknown setting {key} in {source}{hint}")
        _check_type(name, value, getattr(defaults, name))
        overrides[name] = value
    settings = defaults.with_overrides(**overrides)
    _check_ranges(settings, source)
    return settings


def _check_ranges(settings: Settings, source: str) -> None:
    problems = []
    for name in ("telnet_port", "web_port"):
        if not 0 <= getattr(settings, name) <= 65535:
            problems.append(f"{name.upper()} must be a port number 0-65535")
    for name in (
        "hash_concurrency",
        "login_failures_allowed",
        "login_address_failures_allowed",
        "login_account_failures_allowed",
        "max_commands_running",
        "max_questions_pending",
        "max_flows_running",
        "max_held_lines",
        "max_session_output_queued",
        "max_output_queued",
        "hash_time_cost",
        "max_line_bytes",
        "executor_threads",
        "executor_processes",
        "max_characters_per_account",
        "kept_messages_max",
        "world_max_attribute_bytes",
        "world_max_key_length",
        "build_objects_per_minute",
        "max_carried",
        "max_speech_length",
    ):
        if getattr(settings, name) < 1:
            problems.append(f"{name.upper()} must be at least 1")
    for name in ("reload_deadline", "stop_deadline", "reload_check_timeout"):
        if not 1 <= getattr(settings, name) <= 3600:
            problems.append(f"{name.upper()} must be between 1 and 3600 seconds")
    if settings.hash_parallelism < 1 or settings.hash_memory_cost < 8 * settings.hash_parallelism:
        problems.append("HASH_MEMORY_COST must be at least 8 (KiB) times HASH_PARALLELISM (>= 1)")
    for name in ("executor_thread_switch_interval", "executor_thread_lag_warning"):
        if getattr(settings, name) < 0:
            problems.append(f"{name.upper()} must be at least 0")
    unknown = [name for name in settings.client_data if name not in CLIENT_DATA]
    if unknown:
        problems.append(f"CLIENT_DATA may name only {', '.join(CLIENT_DATA)}, not {unknown!r:.80}")
    if settings.executor_default not in EXECUTORS:
        problems.append(f"EXECUTOR_DEFAULT must be one of {', '.join(map(repr, EXECUTORS))}")
    problems.extend(channel_setting_problems(settings.default_channel, settings.channel_limits))
    if problems:
        raise SettingsError(f"in {source}: " + "; ".join(problems))


def load_settings(game_dir: str | Path) -> Settings:
    """Return Ember's defaults overridden by ``GAME_DIR/settings.py`` (if it exists).

    The file is run as plain Python; its UPPER_CASE names override the fields of
    :class:`Settings` with the same lower-case name. Call once at start-up.

    Raises:
        SettingsError: an unknown UPPER_CASE name (naming the closest known one) or a wrong type.
    """
    path = Path(game_dir) / SETTINGS_FILE
    if not path.exists():
        return Settings()
    values = runpy.run_path(str(path), run_name="ember_game_settings")
    return settings_from_mapping(values, source=str(path))
