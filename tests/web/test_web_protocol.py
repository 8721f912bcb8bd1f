"""The web client's sans-I/O protocol core, frame by frame, on a virtual clock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ember.portal.config import PortalConfig
from ember.portal.input_limits import INPUT_NOTICES, InputLimits
from ember.portal.web_protocol import (
    PROTOCOL_VERSION,
    ClientGmcp,
    ClientInfo,
    ClientLine,
    CloseRequest,
    WebProtocol,
)
from ember.portal.web_server import WebListener


def sent(core: WebProtocol) -> list[dict[str, Any]]:
    return [json.loads(frame) for frame in core.frames_to_send()]


def test_output_messages_have_a_type_and_keep_their_order() -> None:
    core = WebProtocol(max_line_bytes=100)
    core.hello(max_message_bytes=200)
    core.text("red ünï\n", [["red", {"fg": 1}], [" ünï\n", {}]])
    core.text("plain\n")
    core.prompt("Sure?")
    core.prompt("Sure?", [["Sure?", {"bold": True}]])
    core.oob("Char.Vitals", {"hp": 7})
    core.echo(True)
    core.progress("job-1", 1.5, "Brewing")
    core.account("ann")
    core.account(None)
    assert sent(core) == [
        {"type": "hello", "version": PROTOCOL_VERSION, "max_line_bytes": 100,
         "max_message_bytes": 200},
        {"type": "text", "text": "red ünï\n", "spans": [["red", {"fg": 1}], [" ünï\n", {}]]},
        {"type": "text", "text": "plain\n"},
        {"type": "prompt", "text": "Sure?"},
        {"type": "prompt", "text": "Sure?", "spans": [["Sure?", {"bold": True}]]},
        {"type": "oob", "package": "Char.Vitals", "data": {"hp": 7}},
        {"type": "echo", "hidden": True},
        {"type": "progress", "job": "job-1", "fraction": 1.0, "label": "Brewing"},
        {"type": "login", "account": "ann"},
        {"type": "login", "account": None},
    ]  # fmt: skip
    assert core.frames_to_send() == []


def test_lines_are_split_and_limited() -> None:
    # Control characters are removed later, once, by the portal's clean_input (both
    # protocols); tests/web/test_web_bad_input.py checks that end to end.
    core = WebProtocol(max_line_bytes=8)
    events = core.receive(json.dumps({"type": "line", "text": "lo\x07ok\r\nsay ü\n"}), 0.0)
    assert events == [ClientLine("lo\x07ok"), ClientLine("say ü")]
    assert core.receive('{"type": "line", "text": ""}', 0.0) == [ClientLine("")]
    assert core.receive(json.dumps({"type": "line", "text": "\ud800x"}), 0.0) == [ClientLine("?x")]
    assert core.receive(json.dumps({"type": "line", "text": "ü" * 5}), 0.0) == []
    assert sent(core)[0]["code"] == "line_too_long"


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"\x00binary", "binary"),
        ("{oops", "invalid_json"),
        ("[1]", "invalid_message"),
        ('{"text": "no type"}', "invalid_message"),
        ('{"type": "line"}', "invalid_message"),
        ('{"type": "gmcp", "data": 1}', "invalid_message"),
        ('{"type": "dance"}', "unknown_type"),
    ],
)
def test_bad_frames_are_refused_with_an_error(frame: str | bytes, code: str) -> None:
    core = WebProtocol(max_line_bytes=100)
    assert core.receive(frame, 0.0) == []
    [error] = sent(core)
    assert (error["type"], error["code"]) == ("error", code)


def test_info_gmcp_and_ping() -> None:
    core = WebProtocol(max_line_bytes=100)
    info = {"type": "info", "cols": 5000, "rows": 40, "client": "ember-web", "ttype": "x"}
    assert core.receive(json.dumps(info), 0.0) == [
        ClientInfo({"cols": 1000, "rows": 40, "client": "ember-web"})
    ]
    assert core.receive('{"type": "info", "cols": true}', 0.0) == []
    gmcp = {"type": "gmcp", "package": "Core.Hello", "data": {"a": [1, None]}}
    assert core.receive(json.dumps(gmcp), 0.0) == [ClientGmcp("Core.Hello", {"a": [1, None]})]
    assert core.receive('{"type": "ping"}', 0.0) == []
    assert sent(core) == [{"type": "pong"}]


def test_the_rate_limit_drops_tells_once_refills_and_closes_a_flood() -> None:
    core = WebProtocol(max_line_bytes=100, rate=10.0, burst=5)
    line = '{"type": "line", "text": "x"}'
    assert all(core.receive(line, 0.0) for _ in range(5))
    assert core.receive(line, 0.0) == [] and core.receive(line, 0.0) == []
    assert [m["code"] for m in sent(core)] == ["rate_limited"]  # told once
    assert core.receive(line, 0.1) == [ClientLine("x")]  # refilled: 10 per second
    for _ in range(199):
        assert core.receive(line, 0.1) == []
    assert core.receive(line, 0.1) == [CloseRequest(1008, "too many messages")]


def test_default_origins_are_the_pages_own_and_can_be_configured(tmp_path: Path) -> None:
    listener = WebListener(None, PortalConfig(game_dir=tmp_path, web_port=0))  # type: ignore[arg-type]
    listener.port = 4321
    assert listener.allowed_origins() == {"http://localhost:4321", "http://127.0.0.1:4321"}
    config = PortalConfig(game_dir=tmp_path, web_port=0, web_origins=("https://mud.example",))
    assert WebListener(None, config).allowed_origins() == {"https://mud.example"}  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="web_port"):
        PortalConfig(game_dir=tmp_path, web_port=70000)


def test_lines_not_messages_are_limited() -> None:
    # One message of 100,000 lines is 100,000 lines against the line limit, not one message.
    limits = InputLimits(
        lines_per_second=10.0, line_burst=20, byte_burst=1 << 30, abuse_seconds=5.0
    )
    core = WebProtocol(max_line_bytes=100, limits=limits)
    events = core.receive(json.dumps({"type": "line", "text": "look\n" * 100_000}), 0.0)
    assert events == [ClientLine("look")] * 20
    verdict = core.settle(0.0)
    assert verdict.dropped == 100_000 - 20 and verdict.pause > 0 and not verdict.abusive
    assert sent(core) == [
        {"type": "error", "code": "input_limited",
         "message": INPUT_NOTICES["dropped"].format(count=100_000 - 20)},
    ]  # fmt: skip
    assert core.receive(json.dumps({"type": "line", "text": "a\nb"}), 0.1) == [ClientLine("a")]
    assert not core.settle(0.1).notify  # told once per episode
    assert core.receive(json.dumps({"type": "line", "text": "c\nd"}), 5.0) != []
    assert core.settle(5.0).abusive is False  # a calm batch ends the episode...
    for second in range(6, 13):
        core.receive(json.dumps({"type": "line", "text": "x\n" * 200}), float(second))
        verdict = core.settle(float(second))
    assert verdict.abusive  # ...a flood kept up for abuse_seconds does not


def test_deep_nesting_is_refused_before_parsing() -> None:
    core = WebProtocol(max_line_bytes=100_000, max_json_depth=32)
    assert core.receive("[" * 30_000, 0.0) == []
    assert sent(core) == [
        {"type": "error", "code": "too_deep",
         "message": "A message nested deeper than 32 levels; it was ignored."},
    ]  # fmt: skip
    deep = {"type": "gmcp", "package": "X", "data": json.loads("[" * 31 + "]" * 31)}
    assert core.receive(json.dumps(deep), 0.0) != []  # 32 levels with the object: accepted
    brackets_in_text = json.dumps({"type": "line", "text": "[" * 5000})
    assert core.receive(brackets_in_text, 0.0) == [ClientLine("[" * 5000)]
    tricky = 'a\\"[' * 40  # escaped quotes and backslashes do not end the string early
    assert core.receive(json.dumps({"type": "line", "text": tricky}), 0.0) == [ClientLine(tricky)]
