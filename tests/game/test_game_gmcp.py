"""Client data in the game: msg(oob=...) checked at the call, incoming GMCP noted and handed on."""

from __future__ import annotations

import logging

import pytest

from ember.game._gmcp import MAX_GMCP_SUPPORTS, MAX_PACKAGE_CHARS, receive_gmcp
from ember.game.sessions import Session
from ember.link import Message


def session() -> tuple[Session, list[Message]]:
    sent: list[Message] = []
    return Session(1, sent.append), sent


def test_msg_sends_the_data_before_the_text() -> None:
    one, sent = session()
    one.msg("Ouch.", oob=("Char.Vitals", {"hp": 3}))
    one.msg(oob=("Room.Info", {"num": 1, "exits": {"n": 2}}))
    assert sent == [
        Message("oob", (1, "Char.Vitals", {"hp": 3})),
        Message("text", (1, "Ouch.\n")),
        Message("oob", (1, "Room.Info", {"num": 1, "exits": {"n": 2}})),
    ]


@pytest.mark.parametrize(
    ("oob", "error", "words"),
    [
        (("Char Vitals", {}), ValueError, "without spaces"),
        (("", {}), ValueError, "printable"),
        (("x" * (MAX_PACKAGE_CHARS + 1), 1), ValueError, f"1-{MAX_PACKAGE_CHARS} printable"),
        ((b"Char", {}), TypeError, "must be a str"),
        (("Char.Vitals", {"hp": {1, 2}}), TypeError, "not JSON"),
        (("Char.Vitals", float("nan")), ValueError, "not JSON"),
        ("Char.Vitals", TypeError, r"\(package, data\) pair"),
    ],
)
def test_bad_client_data_fails_at_the_call(oob: object, error: type, words: str) -> None:
    one, sent = session()
    with pytest.raises(error, match=words):
        one.msg("text", oob=oob)  # type: ignore[arg-type]
    assert sent == []  # nothing half sent


def test_core_packages_are_noted_and_every_message_reaches_the_hook() -> None:
    one, _ = session()
    seen: list[tuple[str, object]] = []
    hook = lambda session, package, data: seen.append((package, data))  # noqa: E731
    receive_gmcp(one, "Core.Hello", {"client": "Mudlet", "version": "4.17.2"}, hook)
    receive_gmcp(one, "Core.Supports.Set", ["Char 1", "Room.Info 2", 7, "Comm"], hook)
    receive_gmcp(one, "Core.Supports.Add", ["IRE.Rift 1"], hook)
    receive_gmcp(one, "Core.Supports.Remove", ["Comm"], hook)
    assert one.info["gmcp_client"] == "Mudlet" and one.info["gmcp_version"] == "4.17.2"
    assert one.info["gmcp_supports"] == {"Char": 1, "Room.Info": 2, "IRE.Rift": 1}
    assert [package for package, _ in seen] == [
        "Core.Hello",
        "Core.Supports.Set",
        "Core.Supports.Add",
        "Core.Supports.Remove",
    ]


def test_supports_are_bounded() -> None:
    one, _ = session()
    receive_gmcp(one, "Core.Supports.Set", [f"P{n} 1" for n in range(1000)], None)
    supports = one.info["gmcp_supports"]
    assert isinstance(supports, dict) and len(supports) == MAX_GMCP_SUPPORTS


def test_malformed_gmcp_and_a_failing_hook_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    one, _ = session()

    def boom(session: object, package: str, data: object) -> None:
        raise RuntimeError("hook broke")

    with caplog.at_level(logging.DEBUG, logger="ember.game"):
        receive_gmcp(one, "bad package", None, boom)
        receive_gmcp(one, 42, None, boom)
        receive_gmcp(one, "Core.Hello", "not an object", None)
        receive_gmcp(one, "Char.Login", {}, boom)
    text = caplog.text
    assert "GMCP message ignored" in text and "'bad package'" in text
    assert "must be a str" in text
    assert "Core.Hello without a JSON object" in text
    assert "the game's at_gmcp failed on Char.Login" in text and "RuntimeError: hook broke" in text
    assert "gmcp_client" not in one.info
