"""help by category and the topic pages of a game's help/ folder (issue 14, player
commands): names, sizes and counts checked, bad files skipped with a log line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from gamekit import running_game

from ember.game.commands.helping import MAX_HELP_TOPIC_BYTES, MAX_HELP_TOPICS, load_help_topics


async def test_help_lists_commands_by_category_and_the_topics(tmp_path: Path) -> None:
    help_dir = tmp_path / "help"
    help_dir.mkdir()
    (help_dir / "rules.txt").write_text("Be kind.\nNo cheating.\n")
    (help_dir / "Getting-Started.md").write_text("# Getting started\nType 'look'.")
    (help_dir / "look.txt").write_text("Our own words on looking.")
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        text = await game.portal.command(1, "help", "Commands:")
        lines = text.splitlines()
        assert lines[1] == " General:"  # General first, then the others by name
        headings = [line.strip() for line in lines if line.startswith(" ") and line.endswith(":")]
        assert headings == ["General:", "Building:", "Items:", "Looking and moving:", "Talking:"]
        talking = lines.index(" Talking:")
        assert [line.split()[0] for line in lines[talking + 1 : talking + 6]] == [
            "channels",
            "emote",
            "page",
            "say",
            "whisper",
        ]
        assert "Topics: getting-started, look, rules." in text and "Developer" not in text
        text = await game.portal.command(1, "help rules", "Help: rules")
        assert text == "Help: rules\nBe kind.\nNo cheating."
        await game.portal.command(1, "help GETTING-STARTED", "Type 'look'.")
        await game.portal.command(1, "help look", "Our own words on looking.")  # a page wins
        text = await game.portal.command(1, "help items", "Items:")
        assert [line.split()[0] for line in text.splitlines()[1:]] == [
            "drop",
            "get",
            "give",
            "inventory",
        ]
        await game.portal.command(1, "help rulse", "No help for 'rulse'. Did you mean: rules?")
        await game.portal.command(1, "help emote", "Help for emote (emote, pose):")


async def test_a_developer_sees_the_developer_category(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.make_developer("Dev")
        await game.login(1, "Dev", new=False)
        text = await game.portal.command(1, "help", "Commands:")
        assert " Developer:" in text and "  py " in text and "Topics" not in text


def test_topic_files_are_checked_and_bounded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "help"
    folder.mkdir()
    (folder / "ok.txt").write_text("fine")
    (folder / "two words.txt").write_text("a space in the name")
    (folder / "-dash.txt").write_text("starts with a dash")
    (folder / ("x" * 41 + ".txt")).write_text("too long a name")
    (folder / "huge.txt").write_text("x" * (MAX_HELP_TOPIC_BYTES + 1))
    (folder / "latin1.txt").write_bytes(b"caf\xe9")
    (folder / "notes.rst").write_text("not a topic suffix")
    (folder / "OK.md").write_text("the same name again")
    (folder / "sub.txt").mkdir()  # a folder, not a file
    with caplog.at_level(logging.WARNING, logger="ember.game"):
        topics = load_help_topics(folder)
    assert topics == {"ok": "the same name again"}  # "OK.md" sorts before "ok.txt"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for name in ("two words.txt", "-dash.txt", "x" * 41, "huge.txt", "latin1.txt", "ok.txt"):
        assert name in logged, name
    assert "notes.rst" not in logged and "sub.txt" not in logged
    assert load_help_topics(tmp_path / "missing") == {}


def test_at_most_max_help_topics_are_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for number in range(MAX_HELP_TOPICS + 20):
        (tmp_path / f"topic{number:04d}.txt").write_text(f"page {number}")
    with caplog.at_level(logging.WARNING, logger="ember.game"):
        topics = load_help_topics(tmp_path)
    assert len(topics) == MAX_HELP_TOPICS and "topic0000" in topics
    assert f"topic{MAX_HELP_TOPICS:04d}" not in topics
    assert "20 more files" in caplog.text and "MAX_HELP_TOPICS" in caplog.text
