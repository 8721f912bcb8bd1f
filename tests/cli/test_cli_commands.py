"""`ember` commands that need no running server: help, init, status and stop when stopped."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

from support.cli_harness import ember, make_game


def test_help_lists_every_command(tmp_path: Path) -> None:
    done = ember("--help", cwd=tmp_path)
    assert done.returncode == 0
    for command in ("init", "start", "stop", "reload", "status", "account"):
        assert command in done.stdout
    account = ember("account", "--help", cwd=tmp_path)
    assert "create" in account.stdout
    start = ember("start", "--help", cwd=tmp_path)
    assert "--foreground" in start.stdout


def test_the_ember_script_is_installed() -> None:
    script = shutil.which("ember", path=str(Path(sys.executable).parent))
    assert script is not None
    done = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "reload" in done.stdout


def test_init_creates_a_game_directory(tmp_path: Path) -> None:
    done = ember("init", "mygame", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    game = tmp_path / "mygame"
    assert (game / "settings.py").read_text().count("# TELNET_PORT = 4000") == 1
    assert "class CmdWave(Command)" in (game / "commands.py").read_text()
    assert (game / "server" / "logs").is_dir()
    assert not list(game.rglob("__pycache__"))
    assert "ember start" in done.stdout


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    done = ember("init", "taken", cwd=tmp_path)
    assert done.returncode == 1
    assert "already exists and is not empty" in done.stderr
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    assert ember("init", "empty", cwd=tmp_path).returncode == 0


def test_commands_outside_a_game_directory_say_so(tmp_path: Path) -> None:
    for command in ("start", "stop", "reload", "status"):
        done = ember(command, cwd=tmp_path)
        assert done.returncode == 1, command
        assert "is not in an Ember game directory" in done.stderr
        assert "ember init" in done.stderr
    done = ember("--game-dir", str(tmp_path), "status", cwd=tmp_path)
    assert "is not an Ember game directory" in done.stderr


def test_status_and_stop_when_not_running(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    status = ember("status", cwd=game)
    assert status.returncode == 3
    assert "Ember is not running." in status.stdout
    stop = ember("stop", cwd=game / "server")  # also from a folder inside the game
    assert stop.returncode == 3
    assert "not running" in stop.stderr


def test_status_cleans_stale_pid_files(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (game / "server" / "portal.pid").write_text(f"{dead.pid}\n")
    (game / "server" / "game.pid").write_text(f"{dead.pid}\n")
    done = ember("status", cwd=game)
    assert done.returncode == 3
    assert "Removed stale pid files: portal.pid, game.pid" in done.stdout
    assert not (game / "server" / "portal.pid").exists()
    assert not (game / "server" / "game.pid").exists()


def test_start_names_a_taken_port_and_the_setting(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        game = make_game(tmp_path, port=port)
        done = ember("start", cwd=game)
    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in done.stderr
    assert "TELNET_PORT" in done.stderr
    assert not (game / "server" / "portal.pid").exists()


def test_a_bad_setting_is_reported(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    with (game / "settings.py").open("a") as settings:
        settings.write("TELNET_PROT = 4100\n")
    done = ember("start", cwd=game)
    assert done.returncode == 1
    assert "TELNET_PROT" in done.stderr and "TELNET_PORT" in done.stderr


def test_start_refuses_an_unknown_portal_limit_in_one_line(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    with (game / "settings.py").open("a") as settings:
        settings.write('\nPORTAL_LIMITS = {"max_sessions_per_adress": 5}\n')
    done = ember("start", cwd=game)
    assert done.returncode == 1
    assert done.stderr.startswith("ember start: PORTAL_LIMITS has unknown names")
    assert "max_sessions_per_adress" in done.stderr and "Traceback" not in done.stderr
    assert not (game / "server" / "portal.pid").exists()  # nothing was started
