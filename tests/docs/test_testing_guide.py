"""docs/testing.md is itself a test: its game code and its test run as a game maker's would."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from ember.testing import scaled

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
_BLOCK = re.compile(r"<!-- guide-file: (?P<path>[\w/.]+) -->\n```python\n(?P<code>.*?)```", re.S)


def guide_files() -> dict[str, str]:
    """Return the guide's code blocks by the file name each is marked with."""
    return {m["path"]: m["code"] for m in _BLOCK.finditer(GUIDE.read_text())}


def test_the_guide_has_its_game_code_and_its_test() -> None:
    files = guide_files()
    assert set(files) == {"commands.py", "tests/test_brew.py"}
    assert "choose(" in files["commands.py"] and "run_async(" in files["commands.py"]


def test_the_guides_example_passes_as_a_game_makers_test(tmp_path: Path) -> None:
    game = tmp_path / "mygame"
    for name, code in guide_files().items():
        (game / name).parent.mkdir(parents=True, exist_ok=True)
        (game / name).write_text(code)
    # A separate pytest, in the game directory, without Ember's own test configuration.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_brew.py"],
        cwd=game,
        capture_output=True,
        text=True,
        timeout=scaled(120),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_a_wrong_expectation_in_the_guides_test_fails(tmp_path: Path) -> None:
    """The example's assertions bite: a game that brews something else fails the test."""
    game = tmp_path / "mygame"
    files = guide_files()
    files["commands.py"] = files["commands.py"].replace("a bottle of", "a jug of")
    for name, code in files.items():
        (game / name).parent.mkdir(parents=True, exist_ok=True)
        (game / name).write_text(code)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_brew.py"],
        cwd=game,
        capture_output=True,
        text=True,
        timeout=scaled(120),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "a jug of mana" in result.stdout
