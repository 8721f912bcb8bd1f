"""The CLI and the web port: `ember start` checks it like the telnet port and reports the URL."""

from __future__ import annotations

import socket
from pathlib import Path

from support.cli_harness import ember, make_game


def test_start_names_a_taken_web_port_and_the_setting(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        game = make_game(tmp_path, web_port=port)
        done = ember("start", cwd=game)
    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in done.stderr and "WEB_PORT" in done.stderr
    assert not (game / "server" / "portal.pid").exists()


def test_init_and_start_say_how_to_open_the_web_client(tmp_path: Path) -> None:
    done = ember("init", "game", cwd=tmp_path)
    assert "http://localhost:4001" in done.stdout
    game = tmp_path / "game"
    with (game / "settings.py").open("a") as settings:
        settings.write("\nTELNET_PORT = 0\nWEB_PORT = 0\n")
    done = ember("start", cwd=game)
    try:
        assert done.returncode == 0, done.stderr
        assert "Or play in a browser: http://localhost:" in done.stdout
        status = ember("status", cwd=game)
        assert "web on port " in status.stdout and "web on port -" not in status.stdout
    finally:
        ember("stop", cwd=game)
