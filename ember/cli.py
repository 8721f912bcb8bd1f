"""The ``ember`` command: create a game, start, stop and reload its server, report, add accounts."""

from __future__ import annotations

import argparse
import getpass
import importlib.resources
import sys
import time
from collections.abc import Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ember.errors import EmberError
from ember.game.settings import SETTINGS_FILE, Settings, load_settings
from ember.layout import GameLayout
from ember.portal.config import PORTAL_LIMITS, PortalConfig
from ember.portal.control import (
    ControlError,
    check_port,
    reload_server,
    server_state,
    start_detached,
    stop_server,
)
from ember.portal.run import run_portal

__all__ = ["CliError", "find_game_dir", "is_game_dir", "main", "portal_config"]

NOT_RUNNING = 3  # exit status of `ember status` when nothing runs (as LSB init scripts do)


class CliError(EmberError, RuntimeError):
    """A problem to report in one line (exit status ``status``), without a traceback; a
    ``RuntimeError``, as the account commands catch ``ValueError`` for bad names themselves."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ember`` command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        status: int = args.handler(args)
    except EmberError as error:  # CliError, ControlError, SettingsError, a bad world file...
        print(f"ember {args.command}: {error}", file=sys.stderr)
        return getattr(error, "status", 1)
    except KeyboardInterrupt:
        return 130
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ember",
        description="Create and run Ember games: a portal process holds the players' "
        "connections and runs the game process, which it restarts on reload or crash.",
    )
    parser.add_argument(
        "--game-dir",
        type=Path,
        help="the game directory (default: this folder or the nearest one above it)",
    )
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")

    init = commands.add_parser("init", help="create a new game directory NAME")
    init.add_argument("name", help="the folder to create (must not exist or be empty)")
    init.set_defaults(handler=_init)

    start = commands.add_parser("start", help="start the server (in the background)")
    start.add_argument(
        "--foreground", action="store_true", help="stay attached and log here; Ctrl-C stops"
    )
    start.add_argument("--timeout", type=float, default=30.0, help=argparse.SUPPRESS)
    start.set_defaults(handler=_start)

    stop = commands.add_parser("stop", help="stop the server; players are told and disconnected")
    stop.set_defaults(handler=_stop)

    reload = commands.add_parser(
        "reload", help="restart the game process with fresh code; players stay connected"
    )
    reload.set_defaults(handler=_reload)

    status = commands.add_parser("status", help="show whether the server runs, and its numbers")
    status.set_defaults(handler=_status)

    doctor = commands.add_parser(
        "doctor", help="check that the game's database opens and (SQLite) is not damaged"
    )
    doctor.add_argument(
        "--set-aside",
        action="store_true",
        help="move a damaged SQLite file aside (kept as a copy); the next start makes a new one",
    )
    doctor.set_defaults(handler=_doctor)

    account = commands.add_parser("account", help="manage accounts")
    account_commands = account.add_subparsers(title="account commands", metavar="ACTION")
    create = account_commands.add_parser(
        "create",
        help="create an account (password from stdin when it is not a terminal)",
    )
    create.add_argument("name")
    create.add_argument("--developer", action="store_true", help="give Developer permission")
    create.set_defaults(handler=_account_create)

    def account_help(_: argparse.Namespace) -> int:
        account.print_help()
        return 2

    account.set_defaults(handler=account_help)
    world = commands.add_parser("world", help="dump the world to JSON, or load it")
    actions = world.add_subparsers(title="world commands", metavar="ACTION", required=True)
    for name in ("dump", "load"):
        action = actions.add_parser(name, help=f"{name} the whole world (docs/world.md)")
        action.add_argument("file", type=Path)
        action.add_argument("--replace", action="store_true", help="replace a stored world")
        action.set_defaults(handler=_world, action=name)
    return parser


# -- game directories -----------------------------------------------------------------------


def is_game_dir(path: Path) -> bool:
    """Whether ``path`` has a ``settings.py`` and a ``server/`` folder, as ``ember init`` makes."""
    return (path / SETTINGS_FILE).is_file() and GameLayout(path).server_dir.is_dir()


def find_game_dir(given: Path | None) -> Path:
    """Return ``given`` or the current folder (or its nearest game-directory parent).

    Raises:
        CliError: it is not a game directory.
    """
    if given is not None:
        path = given.resolve()
        if not is_game_dir(path):
            raise CliError(f"{path} is not an Ember game directory (no {SETTINGS_FILE} and "
                           "server/ folder); create one with `ember init NAME`")  # fmt: skip
        return path
    here = Path.cwd().resolve()
    for path in (here, *here.parents):
        if is_game_dir(path):
            return path
    raise CliError(
        f"{here} is not in an Ember game directory (no {SETTINGS_FILE} and server/ folder here "
        "or above); cd into one, pass --game-dir, or create one with `ember init NAME`"
    )


def portal_config(game_dir: Path, settings: Settings) -> PortalConfig:
    """The portal's configuration from the game's settings.

    Raises:
        CliError: ``PORTAL_LIMITS`` names something that is not a portal limit.
    """
    unknown = sorted(set(settings.portal_limits) - set(PORTAL_LIMITS))
    if unknown:
        raise CliError(
            f"PORTAL_LIMITS has unknown names {unknown}; known: {', '.join(PORTAL_LIMITS)}"
        )
    return PortalConfig(
        game_dir=game_dir,
        bind=settings.bind,
        telnet_port=settings.telnet_port,
        web_port=settings.web_port,
        web_origins=tuple(str(origin) for origin in settings.web_allowed_origins),
        log_level=settings.log_level,
        log_max_bytes=settings.log_max_bytes,
        log_backups=settings.log_backups,
        idle_timeout=settings.idle_timeout,
        max_line_bytes=settings.max_line_bytes,
        # The game's own deadline, plus time to exit, before the portal kills it.
        shutdown_timeout=max(settings.reload_deadline, settings.stop_deadline) + 5.0,
        **settings.portal_limits,
    )


# -- commands -------------------------------------------------------------------------------


def _init(args: argparse.Namespace) -> int:
    target = Path(args.name).resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise CliError(f"{target} already exists and is not empty; choose another name")
    template = importlib.resources.files("ember") / "template"
    _copy_tree(template, target)
    # Private whatever the umask: the database (password hashes) and logs will live here.
    for folder in (GameLayout(target).server_dir, GameLayout(target).log_dir):
        folder.mkdir(mode=0o700, exist_ok=True)
        folder.chmod(0o700)
    name = args.name
    print(f"Created the game directory {target}.")
    print("Next:")
    print(f"  cd {name}")
    print("  ember account create YOURNAME --developer")
    print("  ember start")
    print(f"  telnet localhost {Settings().telnet_port}")
    print(f"  or open http://localhost:{Settings().web_port} in a browser")
    return 0


def _copy_tree(source: Traversable, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.name in ("__pycache__",) or item.name.endswith(".pyc"):
            continue
        if item.is_dir():
            _copy_tree(item, target / item.name)
        else:
            (target / item.name).write_bytes(item.read_bytes())


def _load(args: argparse.Namespace) -> tuple[Path, Settings]:
    game_dir = find_game_dir(args.game_dir)
    return game_dir, load_settings(game_dir)


def _start(args: argparse.Namespace) -> int:
    game_dir, settings = _load(args)
    state = server_state(game_dir)
    if state.running:
        raise CliError(f"Ember is already running here (portal pid {state.portal_pid})")
    if state.orphan_game_pid is not None:
        raise CliError(
            f"a game process (pid {state.orphan_game_pid}) from an earlier run is still alive; "
            "`ember stop` ends it"
        )
    for what, port, name in (("telnet", settings.telnet_port, "TELNET_PORT"),
                             ("the web client", settings.web_port, "WEB_PORT")):  # fmt: skip
        problem = check_port(settings.bind, port)
        if problem is not None:
            raise CliError(
                f"cannot listen for {what} on {settings.bind}:{port} ({problem}); "
                f"set {name} (or BIND) in {game_dir / SETTINGS_FILE} to a free one"
            )
    config = portal_config(game_dir, settings)
    if args.foreground:
        print(f"Starting Ember in {game_dir}; Ctrl-C stops it.", flush=True)
        return run_portal(config, console=True, on_ready=_print_ready)
    status = start_detached(config, timeout=args.timeout)
    _print_ready(status)
    return 0


def _print_ready(status: dict[str, Any]) -> None:
    bind, port = status.get("bind"), status.get("telnet_port")
    host = "localhost" if bind in ("127.0.0.1", "0.0.0.0", "::", "::1") else bind
    print(f"Ember is running: portal pid {status.get('pid')}, game pid {status.get('game_pid')}.")
    print(f"Connect with: telnet {host} {port}", flush=True)
    if status.get("web_port"):
        print(f"Or play in a browser: http://{host}:{status['web_port']}", flush=True)


def _stop(args: argparse.Namespace) -> int:
    game_dir = find_game_dir(args.game_dir)
    try:
        state = stop_server(game_dir)
    except ControlError as error:
        raise CliError(str(error), NOT_RUNNING) from None
    if state.running:
        print(f"Ember stopped (portal pid {state.portal_pid}, game pid {state.game_pid}).")
    else:
        print(f"Stopped the orphaned game process {state.orphan_game_pid}.")
    return 0


def _reload(args: argparse.Namespace) -> int:
    game_dir = find_game_dir(args.game_dir)
    started = time.monotonic()
    try:
        status = reload_server(game_dir)
    except ControlError as error:
        status_code = NOT_RUNNING if "not running" in str(error) else 1
        raise CliError(str(error), status_code) from None
    seconds = time.monotonic() - started
    print(f"Reloaded in {seconds:.2f} s: game pid {status.get('game_pid')}.")
    return 0


def _status(args: argparse.Namespace) -> int:
    game_dir = find_game_dir(args.game_dir)
    state = server_state(game_dir)
    print(f"Game directory: {game_dir}")
    if state.stale:
        print(f"Removed stale pid files: {', '.join(state.stale)}")
    if not state.running:
        print("Ember is not running.")
        if state.orphan_game_pid is not None:
            print(f"An orphaned game process is alive (pid {state.orphan_game_pid}); "
                  "`ember stop` ends it.")  # fmt: skip
        return NOT_RUNNING
    portal = state.portal_status or {}
    game = state.game_status or {}
    uptime = time.time() - float(portal.get("started_at", time.time()))
    print(f"Ember is running ({portal.get('state', 'unknown')}), up {_duration(uptime)}.")
    print(f"Portal:   pid {state.portal_pid}, telnet on "
          f"{portal.get('bind')}:{portal.get('telnet_port')}, "
          f"web on port {portal.get('web_port') or '-'}")  # fmt: skip
    connected = "connected" if portal.get("game_connected") else "not connected"
    print(f"Game:     pid {state.game_pid or '-'} ({connected}), "
          f"started {portal.get('game_starts', 0)} time(s)")  # fmt: skip
    print(f"Sessions: {portal.get('sessions', 0)} ({portal.get('logged_in', 0)} logged in)")
    print(f"Pending tasks: {game.get('pending_tasks', 'unknown')}")
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
    return 0


def _duration(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}h {rest // 60}m" if hours else f"{rest // 60}m {rest % 60}s"


def _doctor(args: argparse.Namespace) -> int:
    from ember.storage import diagnose, set_aside

    game_dir, settings = _load(args)
    report = diagnose(settings.database_url(game_dir))
    print(f"Database: {report.url}")
    if report.path is not None and not report.path.exists():
        print("No database file yet: the next start creates it.")
        return 0
    if not report.problems:
        print("OK: the database opens" + (" and passes integrity_check." if report.path else "."))
        return 0
    for problem in report.problems[:20]:
        print(f"Problem: {problem}")
    if report.path is None or not report.path.exists():
        return 1
    if server_state(game_dir, clean=False).running:
        raise CliError("the server is running: `ember stop` before setting the file aside")
    if not args.set_aside:
        print("To start afresh, keeping a copy: `ember doctor --set-aside` (docs/operating.md).")
        return 1
    copy = set_aside(report.path)
    print(f"Moved the damaged file to {copy}; the next start creates an empty database.")
    print(f"Recover what you can from the copy: sqlite3 {copy} .recover | sqlite3 NEW.db")
    return 0


def _account_create(args: argparse.Namespace) -> int:
    from ember.errors import StoreError
    from ember.game import AccountError, create_account  # the database only when needed

    game_dir = find_game_dir(args.game_dir)
    password = _read_password()
    try:
        record = create_account(game_dir, args.name, password, developer=args.developer)
    except (AccountError, ValueError, StoreError) as error:  # Duplicate...: a ValueError
        raise CliError(str(error)) from None
    role = " (Developer)" if args.developer else ""
    name = getattr(record, "name", args.name)
    print(f"Created the account {name}{role}.")
    if server_state(game_dir, clean=False).running:
        # A login reads the account from the database, so no reload is needed (issue 11).
        print(f"The server is running: {name} can log in now.")
    return 0


def _world(args: argparse.Namespace) -> int:
    from ember.world._dump import run_world_command  # a bad file: an EmberError, one line

    game_dir, settings = _load(args)
    running = server_state(game_dir, clean=False).running
    return run_world_command(args, game_dir, settings.database_url(game_dir), running)


def _read_password() -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line.strip():
            raise CliError("no password on standard input")
        return line.rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise CliError("the passwords differ")
    return first


if __name__ == "__main__":
    sys.exit(main())
