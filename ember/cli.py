"""The ``ember`` command: create a game, start, stop and reload its server, report, add accounts."""

from __future__ import annotations

import argparse
import importlib.resources
import sys
import time
from collections.abc import Sequence
from importlib.resources.abc import Traversable
from pathlib import Path

from ember.cli_accounts import add_account_commands
from ember.cli_server import portal_config, print_ready, print_status
from ember.errors import EmberError
from ember.game.settings import SETTINGS_FILE, Settings, load_settings
from ember.layout import GameLayout
from ember.portal.control import (
    ControlError,
    check_port,
    reload_server,
    server_state,
    start_detached,
    stop_server,
)

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

    account = commands.add_parser("account", help="manage accounts (docs/operating.md)")
    add_account_commands(account, find_game_dir)

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
        from ember.portal.run import run_portal  # the portal's code only in this process's use

        print(f"Starting Ember in {game_dir}; Ctrl-C stops it.", flush=True)
        return run_portal(config, console=True, on_ready=print_ready)
    print_ready(start_detached(config, timeout=args.timeout))
    return 0


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
    return 0 if print_status(game_dir, server_state(game_dir)) else NOT_RUNNING


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


def _world(args: argparse.Namespace) -> int:
    from ember.world._dump import run_world_command  # a bad file: an EmberError, one line

    game_dir, settings = _load(args)
    running = server_state(game_dir, clean=False).running
    return run_world_command(args, game_dir, settings.database_url(game_dir), running)


if __name__ == "__main__":
    sys.exit(main())
