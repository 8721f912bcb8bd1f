"""The game directory's file names are spelled once, in ember.layout (issue 12, item 4)."""

from __future__ import annotations

import ast
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ember
from ember.layout import GameLayout, socket_path_for, write_atomic
from ember.portal.state_files import ServerFiles

ROOT = Path(ember.__file__).parent
NAMES = (
    "game-status.json",
    "portal-status.json",
    "unwritten-tasks.json",
    "portal.pid",
    "game.pid",
    "portal.lock",
    "link.sock",
    "logs",
    "game.log",
    "ember.db",
)


def test_file_names_are_spelled_only_in_the_layout() -> None:
    spelled = []
    for path in sorted(ROOT.rglob("*.py")):
        if path.name == "layout.py" or "template" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and any(
                text == name or text.endswith("/" + name) for name in NAMES
            ):
                spelled.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert spelled == []


def test_portal_and_game_agree_on_every_file(tmp_path: Path) -> None:
    layout, files = GameLayout.of(tmp_path), ServerFiles.of(tmp_path)
    for name in ("game_status", "portal_status", "unwritten_tasks", "game_pid", "lock"):
        assert getattr(layout, name) == getattr(files, name)
    assert layout.game_status == tmp_path.resolve() / "server" / "game-status.json"
    assert socket_path_for(tmp_path) == layout.preferred_socket


def test_write_atomic_from_many_threads_of_one_process(tmp_path: Path) -> None:
    # The game's status writer thread and a direct write_now() once shared one temporary file
    # name: the second replace found it gone (FileNotFoundError). Each write now has its own.
    target = tmp_path / "status.json"
    texts = [f"writer {n}\n" * 200 for n in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda text: [write_atomic(target, text) for _ in range(50)], texts))
    assert target.read_text() in texts
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]  # no temporary left behind
