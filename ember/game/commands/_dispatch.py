"""From an input line to a command run: find it, check permission, run its hooks, report errors."""

from __future__ import annotations

import asyncio
import inspect
import logging
import traceback
from collections import deque
from collections.abc import Coroutine, Generator
from typing import TYPE_CHECKING, Any, Protocol

from ember.game._look import traverse
from ember.game._players import ACCOUNT_ATTRIBUTE, permissions_for
from ember.game.accounts import Account
from ember.game.commands._busy import admit
from ember.game.commands._command import CmdSet, Command
from ember.game.commands._durable import command_journal
from ember.game.commands._lines import (
    CONNECT_WORDS,
    CREATE_WORDS,
    LOGIN_WORDS,
    is_login_line,
    split_command,
    split_escape,
)
from ember.game.commands._suggest import unknown_message
from ember.game.commands.channels import channel_command
from ember.game.context import GameContext, StopKind
from ember.interaction import (
    QuestionAbortedError,
    ReturnValue,
    current_caller,
    drive,
    drive_durable,
    error_id,
    questions,
    reported_id,
)
from ember.interaction._durable import DurableRun
from ember.world import Character

if TYPE_CHECKING:
    from ember.game.sessions import Session

__all__ = [
    "CONNECT_WORDS",
    "CREATE_WORDS",
    "LOGIN_WORDS",
    "Dispatcher",
    "is_login_line",
    "split_command",
    "split_escape",
]

log = logging.getLogger("ember.game")

_NOTICE_NAMES = 5  # names per account the reload notices list; the rest are counted


class DispatchHost(GameContext, Protocol):
    """What the dispatcher needs beyond the commands' context: the command sets in force and
    why the game stops (the game server is one)."""

    @property
    def cmdset(self) -> CmdSet:
        """The commands of a logged-in account."""

    @property
    def login_cmdset(self) -> CmdSet:
        """The commands of the login screen."""

    @property
    def stop_kind(self) -> StopKind:
        """Why the game stops (or would)."""


class Dispatcher:
    """Runs each input line of a session: answers a pending question, or runs a command."""

    def __init__(self, server: DispatchHost) -> None:
        self.server = server
        # Reload notices per account: how many of each name were interrupted (a few names at
        # most), and how many more beyond those.
        self._notices: dict[Account, dict[str, int]] = {}
        self._notices_more: dict[Account, int] = {}
        self._running: dict[object, int] = {}  # commands in flight per caller

    def cmdset_for(self, session: Session) -> CmdSet:
        """Return the commands available on ``session``: login screen or logged in."""
        return self.server.cmdset if session.account is not None else self.server.login_cmdset

    def handle_line(self, session: Session, line: str) -> None:
        """Run one line of input from ``session``."""
        if session.held is not None:
            self._hold(session, line)
            return
        # The character in play; the account while it picks one; the session at the login.
        caller: Any = session.character or session.account or session
        if session.character is not None and session.account is not None:
            # The account's permissions may have changed since (``accounts.set_permissions``).
            session.character.permissions = permissions_for(session.account)
        # A pending question takes the line as its answer, unless the line starts with the
        # command prefix: that one runs as a command and the question keeps waiting. Asked
        # of the character or of the account playing it (a choice of character, old code).
        line, escaped = split_escape(line)
        if escaped:
            session.knows_command_prefix = True
        elif questions.answer(caller, line) or (
            caller is not session.account
            and session.account is not None
            and questions.answer(session.account, line)
        ):
            return
        if not line.strip():
            return
        cmdset = self.cmdset_for(session)
        word, switches, args = split_command(line, cmdset.shortcuts)
        command_class = cmdset.get(word)
        if isinstance(caller, Character) and not admit(self, session, caller, line, command_class):
            return  # busy with an action: refused, or run once the action was interrupted
        if command_class is None:
            if isinstance(caller, Character) and traverse(caller, line.strip(), session):
                return
            command_class = self.fallback_command(session, word)
            if command_class is None:
                session.msg(self.unknown_message(word, cmdset, caller))
                return
        if not command_class.allowed(caller):
            session.msg(
                f"{command_class.key}: permission denied (you need {command_class.permission})."
            )
            return
        command = command_class()
        command.caller, command.session, command.context = caller, session, self.server
        command.cmdset = cmdset
        command.args, command.switches, command.raw = args, switches, line
        shortcut = line.strip()[0] in cmdset.shortcuts  # "'hi": the word typed is "'"
        command.cmdstring = line.strip()[0] if shortcut else line.strip().partition(" ")[0]
        self.run(command)

    def fallback_command(self, session: Session, word: str) -> type[Command] | None:
        """The command for a word that names no command and no exit: a channel's name or
        alias runs that channel's command (``pub hello``), once logged in."""
        if session.account is None:
            return None
        return channel_command(self.server.world, word)

    def unknown_message(
        self, word: str, cmdset: CmdSet, caller: object, *, lead: str = "Unknown command"
    ) -> str:
        """Return the answer to an unknown command word (see :func:`unknown_message`)."""
        return unknown_message(word, cmdset, caller, lead=lead)

    def run(self, command: Command) -> None:
        """Run ``command``'s hooks. ``func`` may be a plain method, a generator (it pauses and
        asks as it yields, see ``ember.interactive``) or a coroutine; the last two continue as
        a task the server owns. ``at_post_cmd`` follows the whole of ``func``, error or not."""
        try:
            command.parse()
            if command.at_pre_cmd():
                return
        except Exception as error:
            self.report(command, error)
            return
        try:
            result = command.func()
        except ReturnValue:
            result = None
        except QuestionAbortedError:
            result = None
        except Exception as error:
            self.report(command, error)
            result = None
        if not (inspect.iscoroutine(result) or inspect.isgenerator(result)):
            self._post(command)
            return
        if self.server.stopping:
            result.close()
            command.session.msg(f"{command.key} was not run: the game is stopping.")
            return
        limit = self.server.settings.max_commands_running
        player = _player(command)
        if self._running.get(player, 0) >= limit:
            result.close()
            command.session.msg(
                f"{command.key} was not run: you have {limit} commands still running (the most"
                " allowed). Wait for one to finish, or answer its question."
            )
            return
        journal = command_journal(command, self.report) if command.durable else None
        if command.durable and journal is None:
            result.close()  # not storable (reported), or too many (told)
            return
        if command.hold_input:
            command.session.held = deque()
        self._spawn(command, result, journal)

    def _spawn(self, command: Command, work: Any, journal: DurableRun | None) -> None:
        player = _player(command)
        self._running[player] = self._running.get(player, 0) + 1
        self.server.spawn(self._finish(command, work, journal), name=f"command {command.key}")

    def resume(self, command: Command, journal: DurableRun) -> None:
        """Run a durable command again from its start after a restart, replaying ``journal``."""
        self._spawn(command, command.func(), journal)

    def running(self, caller: object) -> int:
        """Return how many commands of ``caller`` (an account, or a session at the login
        screen: commands are counted per player) are still running (paused or waiting)."""
        return self._running.get(caller, 0)

    async def _finish(
        self,
        command: Command,
        work: Coroutine[Any, Any, Any] | Generator[Any, Any, Any],
        journal: DurableRun | None = None,
    ) -> None:
        current_caller.set(command.caller)
        try:
            try:
                if journal is not None:
                    await drive_durable(work, command.caller, journal)
                else:
                    await drive(work, command.caller, name=command.key)
            except QuestionAbortedError:
                pass  # the player was told
            except Exception as error:
                self.report(command, error)
            self._post(command)
        except asyncio.CancelledError:
            if journal is None or not journal.suspended:  # else: resumed after the restart
                self.interrupted(command.caller, command.key)
            raise
        finally:
            player = _player(command)
            left = self._running.get(player, 1) - 1
            if left > 0:
                self._running[player] = left
            else:
                self._running.pop(player, None)
            self._release(command.session)

    def interrupted(self, caller: object, what: str) -> None:
        """Tell ``caller`` that ``what`` (a command or interactive function) was interrupted
        by the stop under way: an account hears of a reload after it (see :meth:`keep_notices`)."""
        account = self._account_of(caller)
        if self.server.stop_kind == "reload" and account is not None:
            names = self._notices.setdefault(account, {})
            if what in names or len(names) < _NOTICE_NAMES:
                names[what] = names.get(what, 0) + 1
            else:
                self._notices_more[account] = self._notices_more.get(account, 0) + 1
            return
        send = getattr(caller, "msg", None)
        if callable(send):
            # Not stopping: what it awaited was cancelled (a job through `tasks/cancel`, a
            # question whose connection closed), not the game.
            why = ": the game is stopping" if self.server.stopping else " (cancelled)"
            send(f"{what} was interrupted{why}.")

    def _account_of(self, caller: object) -> Account | None:
        """The account of ``caller``: itself, or the account a character belongs to."""
        if isinstance(caller, Account):
            return caller
        if isinstance(caller, Character):
            account_id = caller.get_attribute(ACCOUNT_ATTRIBUTE)
            return self.server.accounts.registry.get(account_id)
        return None

    def keep_notices(self) -> None:
        """Store the reload notices as persistent timed tasks, due at once, so the next game
        process delivers them. Called just before the scheduler closes, so none fires here.

        Coalesced: one row per interrupted name (with a count) for at most five names per
        account, and one row for the rest, so a player with 20,000 flows makes a few rows."""
        notices, self._notices = self._notices, {}
        more, self._notices_more = self._notices_more, {}
        for account, names in notices.items():
            texts = [
                f"{what} was interrupted by the reload."
                if count == 1
                else f"{what} was interrupted by the reload ({count:,} of them)."
                for what, count in names.items()
            ]
            if more.get(account):
                texts.append(f"{more[account]:,} more were interrupted by the reload.")
            for text in texts:
                try:
                    self.server.scheduler.delay(0, account.msg, text, persistent=True)
                except Exception:
                    log.exception("could not keep the notice %r for %r", text, account)

    def _post(self, command: Command) -> None:
        try:
            command.at_post_cmd()
        except Exception as error:
            self.report(command, error)

    def _hold(self, session: Session, line: str) -> None:
        """Keep ``line`` until the input-holding command (a login) ends; past the bound, drop
        it and say so once."""
        assert session.held is not None
        limit = self.server.settings.max_held_lines
        if len(session.held) < limit:
            session.held.append(line)
            return
        if not session.held_dropped:
            session.msg(
                f"Input waits while your login is checked: {limit} lines are kept, the rest"
                " are dropped."
            )
        session.held_dropped += 1

    def _release(self, session: Session) -> None:
        held, session.held = session.held, None
        if session.held_dropped:
            log.info("dropped %d held lines of session %d", session.held_dropped, session.sid)
            session.held_dropped = 0
        if not held or self.server.stopping or self.server.sessions.get(session.sid) is not session:
            return
        # Replayed one line per loop turn, not in one loop: others are served in between.
        session.held = held  # lines arriving meanwhile queue behind the held ones
        asyncio.get_running_loop().call_soon(self._replay, session, held)

    def _replay(self, session: Session, held: deque[str]) -> None:
        if session.held is not held:
            return  # the session went away or was taken over meanwhile
        if self.server.stopping or self.server.sessions.get(session.sid) is not session:
            session.held = None
            return
        session.held = None
        try:
            self.handle_line(session, held.popleft())
        finally:
            if session.held is not None:  # that line started another input-holding command
                session.held.extend(held)
            elif held:
                session.held = held
                asyncio.get_running_loop().call_soon(self._replay, session, held)
            else:
                session.held_dropped = 0

    def report(self, command: Command, error: BaseException) -> None:
        """Log a command's error with its context and a short error id; tell the player in one
        line with that id. An error reported already (by a flow the command awaited) is not
        reported again."""
        session = command.session
        account = session.account
        if reported_id(error) is not None:
            log.debug("command %r ended with error id %s", command.raw, reported_id(error))
            return
        ident = error_id(error)
        who = account.name if account is not None else "-"
        # A login line carries a password: log the command word only.
        raw = command.cmdstring + " ..." if is_login_line(command.raw) else command.raw
        log.error(
            "command %r failed [error id %s] (account %s, session %d from %s): %s: %s",
            raw,
            ident,
            who,
            session.sid,
            session.address,
            type(error).__name__,
            error,
            exc_info=error,
            extra={
                "account": who,
                "sid": session.sid,
                "command_line": raw,
                "error_id": ident,
            },
        )
        session.msg(
            f"An error occurred running {command.key} (error id {ident}); it has been logged."
        )
        if account is not None and account.is_developer:
            session.msg("".join(traceback.format_exception(error)).rstrip())


def _player(command: Command) -> object:
    """Whose commands ``command`` counts among: the account (all its characters and
    sessions together), or the session at the login screen."""
    return command.session.account or command.session
