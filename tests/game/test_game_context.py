"""Commands see the game through GameContext (ember/game/context.py), not the whole server;
the server's parts are explicitly None until start (issue 12, item 2)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from gamekit import running_game

import ember.game.commands
from ember.game import GameServer, Settings
from ember.game.context import GameContext

COMMANDS = '''
from ember import Command


class CmdWhoami(Command):
    """Say which context the command got."""

    key = "whoami"

    def func(self):
        same = self.server is self.context
        online = [a.name for a in self.context.accounts.registry.online()]
        found = self.cmdset.get("whoami") is CmdWhoami
        stopping = self.context.stopping
        self.caller.msg(f"same={same} online={online} found={found} stopping={stopping}")
'''


async def test_a_command_gets_the_context_as_context_and_server(tmp_path: Path) -> None:
    (tmp_path / "commands.py").write_text(COMMANDS)
    async with running_game(tmp_path) as game:
        await game.login(1, "alice")
        text = await game.portal.command(1, "whoami", "same=")
        assert text == "same=True online=['alice'] found=True stopping=False"


async def test_the_running_server_implements_the_context(tmp_path: Path) -> None:
    # Statically, mypy checks it where the server hands itself to its Dispatcher (whose host
    # protocol extends GameContext); here, that every member is there at run time.
    async with running_game(tmp_path) as game:
        assert isinstance(game.server, GameContext)
        for name in ("login", "request_reload", "stop", "status_changed", "spawn"):
            assert callable(getattr(game.server, name)), name
        assert game.server.store_health()["failing"] is False


def test_the_default_commands_do_not_know_the_server_class() -> None:
    """No command module mentions GameServer or imports ember.game.server (even for types)."""
    folder = Path(ember.game.commands.__file__).parent
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "ember.game.server", path.name
            if isinstance(node, ast.Name):
                assert node.id != "GameServer", path.name


async def test_before_start_the_parts_are_absent_not_half_there(tmp_path: Path) -> None:
    server = GameServer(tmp_path, Settings())
    assert server.offloader is None
    with pytest.raises(RuntimeError, match="has not started: no accounts yet"):
        server.accounts  # noqa: B018
    with pytest.raises(RuntimeError, match="has not started: no scheduler yet"):
        server.scheduler  # noqa: B018
    status = server.status()
    assert (status["sessions"], status["accounts"], status["pending_tasks"]) == (0, [], 0)
    await server.close()  # closing what never opened is fine
