"""``ember account ...``: create, list, grant, revoke, password, disable, enable.

Each command writes the game's database directly, whether the server runs or not. A running
game reads an account from the database at each login, so a new password or a disabled
account holds for the next login at once; for players already online the command signals
the game process (SIGUSR1) to re-read its accounts: permissions change from their next
command, and a disabled account's sessions are closed. ``ember account disable`` waits until
the game's status file no longer lists the account online.
"""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ember.errors import EmberError
from ember.layout import GameLayout
from ember.portal.control import server_state

__all__ = ["AccountCommandError", "add_account_commands", "read_password"]

#: Seconds ``ember account disable`` waits for a running game to close the account's sessions.
DISCONNECT_WAIT = 15.0
_POLL = 0.1

FindGameDir = Callable[[Path | None], Path]


class AccountCommandError(EmberError, RuntimeError):
    """A problem to report in one line, without a traceback (exit status 1)."""

    status = 1


def add_account_commands(account: argparse.ArgumentParser, find_game_dir: FindGameDir) -> None:
    """Add the account commands to the ``account`` parser; ``find_game_dir`` resolves
    ``--game-dir`` as every ``ember`` command does."""
    actions = account.add_subparsers(title="account commands", metavar="ACTION")

    def add(name: str, handler: Callable[..., int], help_text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        parser.set_defaults(handler=handler, find_game_dir=find_game_dir)
        if name != "list":
            parser.add_argument("name", help="the account name (any case)")
        return parser

    create = add("create", _create, "create an account (password from stdin when not a terminal)")
    create.add_argument("--developer", action="store_true", help="give Developer permission")
    add("list", _list, "list the accounts: permissions, disabled, online")
    for name, verb in (("grant", "give"), ("revoke", "take")):
        parser = add(name, _grant if name == "grant" else _revoke, f"{verb} a permission")
        parser.add_argument("permission", help="Player, Builder, Admin or Developer")
    add("password", _password, "set a new password (from stdin when it is not a terminal)")
    add("disable", _disable, "refuse the account's logins and disconnect its sessions")
    add("enable", _enable, "let a disabled account log in again")


def read_password(*, confirm: bool = True) -> str:
    """A password from standard input's first line when it is not a terminal, else typed
    twice without echo."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line.strip():
            raise AccountCommandError("no password on standard input")
        return line.rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Password again: ") != first:
        raise AccountCommandError("the passwords differ")
    return first


def _game(args: argparse.Namespace) -> Path:
    finder: FindGameDir = args.find_game_dir
    return finder(args.game_dir)


def _checked(work: Callable[[], Any]) -> Any:
    """Run an account function; its refusals (bad name, unknown account...) in one line."""
    from ember.errors import StoreError
    from ember.game import AccountError

    try:
        return work()
    except (AccountError, ValueError, StoreError) as error:  # Duplicate...: a ValueError
        raise AccountCommandError(str(error)) from None


def _create(args: argparse.Namespace) -> int:
    from ember.game import create_account  # the database only when needed

    game_dir = _game(args)
    password = read_password()
    record = _checked(lambda: create_account(game_dir, args.name, password, args.developer))
    role = " (Developer)" if args.developer else ""
    print(f"Created the account {record.name}{role}.")
    if server_state(game_dir, clean=False).running:
        # A login reads the account from the database, so no reload is needed (issue 11).
        print(f"The server is running: {record.name} can log in now.")
    return 0


def _list(args: argparse.Namespace) -> int:
    from ember.game._account_admin import list_accounts

    game_dir = _game(args)
    records = _checked(lambda: list_accounts(game_dir))
    state = server_state(game_dir, clean=False)
    online = {str(n).casefold() for n in ((state.game_status or {}).get("accounts") or [])}
    if not records:
        print("No accounts yet; create one with `ember account create NAME`.")
        return 0
    width = max(len(record.name) for record in records)
    print(f"{'NAME':<{width}}  {'PERMISSIONS':<20}  STATE")
    for record in records:
        perms = ", ".join(record.permissions) or "Player"
        flags = [word for word, on in (("disabled", record.disabled),
                                       ("online", record.name_key in online)) if on]  # fmt: skip
        print(f"{record.name:<{width}}  {perms:<20}  {', '.join(flags) or '-'}")
    print(f"{len(records)} account{'s' if len(records) != 1 else ''}.")
    return 0


def _grant(args: argparse.Namespace) -> int:
    from ember.game._account_admin import grant_permission

    game_dir = _game(args)
    record = _checked(lambda: grant_permission(game_dir, args.name, args.permission))
    print(f"{record.name} now holds: {', '.join(record.permissions)}.")
    _tell_game(game_dir, "Players online get it from their next command.")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from ember.game._account_admin import revoke_permission

    game_dir = _game(args)
    record = _checked(lambda: revoke_permission(game_dir, args.name, args.permission))
    print(f"{record.name} now holds: {', '.join(record.permissions) or 'Player'}.")
    _tell_game(game_dir, "Players online lose it from their next command.")
    return 0


def _password(args: argparse.Namespace) -> int:
    from ember.game._account_admin import set_password

    game_dir = _game(args)
    password = read_password()
    record = _checked(lambda: set_password(game_dir, args.name, password))
    print(f"Set a new password for {record.name}; it holds from the next login.")
    return 0


def _disable(args: argparse.Namespace) -> int:
    from ember.game._account_admin import set_disabled

    game_dir = _game(args)
    record, changed = _checked(lambda: set_disabled(game_dir, args.name, True))
    print(f"Disabled {record.name}: it cannot log in." if changed
          else f"{record.name} was disabled already.")  # fmt: skip
    if _tell_game(game_dir, ""):
        _wait_offline(game_dir, record.name_key, record.name)
    return 0


def _enable(args: argparse.Namespace) -> int:
    from ember.game._account_admin import set_disabled

    game_dir = _game(args)
    record, changed = _checked(lambda: set_disabled(game_dir, args.name, False))
    print(f"Enabled {record.name}: it can log in again." if changed
          else f"{record.name} was not disabled.")  # fmt: skip
    return 0


def _tell_game(game_dir: Path, then: str) -> bool:
    """Ask a running game to re-read the accounts (SIGUSR1); return whether it was asked.

    Only a game that has written its status file (so it has started and handles the
    signal) is signalled; one still starting reads the accounts as it starts.
    """
    state = server_state(game_dir, clean=False)
    if not state.running:
        return False
    pid = state.game_pid
    if pid is None or (state.game_status or {}).get("pid") != pid:
        print("The server is starting: it reads the accounts as it starts.")
        return False
    try:
        os.kill(pid, signal.SIGUSR1)
    except ProcessLookupError:  # it stopped or reloads: the next one reads the accounts
        return False
    if then:
        print(f"Told the running server. {then}")
    return True


def _wait_offline(game_dir: Path, key: str, name: str) -> None:
    """Wait until the game's status file no longer lists account ``key`` online."""
    deadline = time.monotonic() + DISCONNECT_WAIT
    while time.monotonic() < deadline:
        state = server_state(game_dir, clean=False)
        names = (state.game_status or {}).get("accounts") or []
        if not state.running or key not in {str(n).casefold() for n in names}:
            print(f"{name} is not online (its sessions, if any, were disconnected).")
            return
        time.sleep(_POLL)  # a status file offers no event to wait on
    raise AccountCommandError(
        f"{name} is disabled, but the running server still lists it online after "
        f"{DISCONNECT_WAIT:g} s; see {GameLayout(game_dir).game_log}"
    )
