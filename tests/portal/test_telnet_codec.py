"""Byte-level tests of TelnetConnection: lines, limits, negotiation and output encoding."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

import ember.portal.telnet as telnet
from ember.portal.telnet import (
    DO,
    DONT,
    EOR,
    GA,
    IAC,
    NOP,
    SB,
    SE,
    WILL,
    WONT,
    CharsetAccepted,
    CharsetRejected,
    Event,
    GmcpMessage,
    Line,
    LineTooLong,
    Negotiated,
    Option,
    OptionDisabled,
    OptionEnabled,
    ProtocolViolation,
    TelnetConnection,
    TerminalType,
    WindowSize,
)
from ember.portal.telnet._constants import EC, EL


def cmd(verb: int, option: int) -> bytes:
    return bytes((IAC, verb, option))


def sb(option: int, payload: bytes) -> bytes:
    return bytes((IAC, SB, option)) + payload.replace(b"\xff", b"\xff\xff") + bytes((IAC, SE))


def lines(events: list[Event]) -> list[str]:
    return [event.text for event in events if isinstance(event, Line)]


def started(**kwargs: object) -> TelnetConnection:
    conn = TelnetConnection(**kwargs)  # type: ignore[arg-type]
    conn.start()
    return conn


# -- opening negotiation -----------------------------------------------------------------------


def test_start_offers_and_asks() -> None:
    conn = TelnetConnection(mssp={"NAME": "Ember"})
    assert conn.start() == b"".join(
        [
            cmd(WILL, Option.MSSP),
            cmd(WILL, Option.GMCP),
            cmd(WILL, Option.MCCP2),
            cmd(WILL, Option.EOR),
            cmd(DO, Option.TTYPE),
            cmd(DO, Option.NAWS),
            cmd(DO, Option.CHARSET),
        ]
    )
    assert conn.data_to_send() == b""


def test_start_without_mssp_data_does_not_offer_mssp() -> None:
    conn = TelnetConnection()
    assert cmd(WILL, Option.MSSP) not in conn.start()
    conn.receive(cmd(DO, Option.MSSP))
    assert conn.data_to_send() == cmd(WONT, Option.MSSP)


def test_start_twice_raises() -> None:
    conn = TelnetConnection()
    conn.start()
    with pytest.raises(RuntimeError, match="already called"):
        conn.start()


@pytest.mark.parametrize("name", ["max_line_bytes", "max_subneg_bytes"])
def test_limits_must_be_positive(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        TelnetConnection(**{name: 0})  # type: ignore[arg-type]


# -- line assembly ----------------------------------------------------------------------------


def test_silent_client_gets_lines_at_once() -> None:
    conn = TelnetConnection()  # not even started, nothing negotiated
    assert conn.receive(b"look\r\n") == [Line("look")]
    assert conn.data_to_send() == b""


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        (b"a\r\nb\r\n", ["a", "b"]),
        (b"a\r\x00b\r\x00", ["a", "b"]),
        (b"a\nb\n", ["a", "b"]),
        (b"a\rb\r", ["a", "b"]),
        (b"a\n\r\nb\r\n", ["a", "", "b"]),
        (b"\r\n\r\n", ["", ""]),
        (b"\n\n", ["", ""]),
        (b"\r\r\n", ["", ""]),
        (b"a\r\n\x00b\n", ["a", "b"]),  # a stray NUL is a control character, dropped
    ],
)
def test_line_endings(stream: bytes, expected: list[str]) -> None:
    assert lines(TelnetConnection().receive(stream)) == expected


def test_cr_ends_the_line_without_waiting() -> None:
    conn = TelnetConnection()
    assert conn.receive(b"north\r") == [Line("north")]
    assert conn.receive(b"\n") == []  # the LF of CR LF, split apart
    assert conn.receive(b"\r") == [Line("")]
    assert conn.receive(b"\x00south\n") == [Line("south")]


def test_cr_lf_split_by_a_command() -> None:
    conn = TelnetConnection()
    assert lines(conn.receive(b"x\r" + bytes((IAC, NOP)) + b"\ny\n")) == ["x", "y"]


def test_unfinished_line_is_held() -> None:
    conn = TelnetConnection()
    assert conn.receive(b"hel") == []
    assert conn.statistics().line_buffer == 3
    assert conn.receive(b"lo\n") == [Line("hello")]


def test_utf8_split_across_chunks() -> None:
    conn = TelnetConnection()
    data = "héllo wörld ✓\n".encode()
    events = [event for i in range(len(data)) for event in conn.receive(data[i : i + 1])]
    assert events == [Line("héllo wörld ✓")]


def test_invalid_utf8_is_replaced_and_the_connection_goes_on() -> None:
    conn = TelnetConnection()
    assert conn.receive(b"bad \xc3\x28 \xfe\n") == [Line("bad \ufffd( \ufffd")]
    assert conn.receive(b"ok\n") == [Line("ok")]


def test_iac_iac_is_a_data_byte() -> None:
    conn = TelnetConnection()
    conn.receive(cmd(WILL, Option.CHARSET))
    conn.receive(sb(Option.CHARSET, b"\x02ISO-8859-1"))
    assert conn.receive(b"\xff\xff\n") == [Line("ÿ")]
    # In UTF-8 a lone 255 is invalid and becomes U+FFFD.
    assert TelnetConnection().receive(b"a\xff\xffb\n") == [Line("a\ufffdb")]


def test_control_characters_are_dropped_except_tab() -> None:
    conn = TelnetConnection()
    assert conn.receive(b"a\x01b\tc\x1b[Ad\x07\n") == [Line("ab\tc[Ad")]


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        (b"helo\x08lo\n", "hello"),
        (b"abc\x7f\x7fd\n", "ad"),
        (b"\x08\x08x\n", "x"),
        ("café\x08e\n".encode(), "cafe"),  # one backspace removes the whole é
        ("✓\x7f\n".encode(), ""),
    ],
)
def test_backspace_and_del_remove_a_character(stream: bytes, expected: str) -> None:
    assert TelnetConnection().receive(stream) == [Line(expected)]


def test_erase_character_and_erase_line_commands() -> None:
    conn = TelnetConnection()
    ec, el = bytes((IAC, EC)), bytes((IAC, EL))
    assert conn.receive(b"abx" + ec + b"c\n") == [Line("abc")]
    assert conn.receive(b"garbage" + el + b"say hi\n") == [Line("say hi")]


# -- line length limit ------------------------------------------------------------------------


def test_line_at_the_limit_is_kept() -> None:
    conn = TelnetConnection(max_line_bytes=8)
    assert conn.receive(b"12345678\n") == [Line("12345678")]


def test_line_over_the_limit_is_reported_once_and_dropped() -> None:
    conn = TelnetConnection(max_line_bytes=8)
    events = conn.receive(b"123456789\nnext\n")
    assert events == [LineTooLong(limit=8, dropped_bytes=9), Line("next")]
    assert conn.statistics().lines_too_long == 1
    assert conn.statistics().lines == 1


def test_one_mebibyte_line_keeps_memory_bounded() -> None:
    limit = 16384
    conn = TelnetConnection(max_line_bytes=limit)
    chunk = b"x" * 4096
    events: list[Event] = []
    # Only what the telnet core allocates and keeps counts: tracemalloc's global peak would also
    # count other threads (a Dask cluster or a thread pool left from earlier tests).
    mine = [tracemalloc.Filter(True, str(Path(telnet.__file__).parent / "*"))]
    held = 0
    tracemalloc.start()
    try:
        for _ in range(256):
            events += conn.receive(chunk)
            assert conn.statistics().line_buffer <= limit
            snapshot = tracemalloc.take_snapshot().filter_traces(mine)
            held = max(held, sum(stat.size for stat in snapshot.statistics("filename")))
    finally:
        tracemalloc.stop()
    # The whole line is 1 MiB; at most about one limit's worth may be kept at once.
    assert 0 < held < 2 * limit, held
    assert events == []
    events = conn.receive(b"\r\nsay hi\r\n")
    assert events == [LineTooLong(limit=limit, dropped_bytes=256 * 4096), Line("say hi")]


def test_erase_line_forgets_an_overlong_line() -> None:
    conn = TelnetConnection(max_line_bytes=4)
    assert conn.receive(b"toolong" + bytes((IAC, EL)) + b"ok\n") == [Line("ok")]


# -- malformed input --------------------------------------------------------------------------


def test_unknown_command_is_a_protocol_error() -> None:
    conn = TelnetConnection()
    events = conn.receive(b"a" + bytes((IAC, 17)) + b"b\n")
    assert events == [ProtocolViolation("unknown command byte 17 after IAC"), Line("ab")]
    assert conn.statistics().protocol_errors == 1


def test_overlong_subnegotiation_is_discarded() -> None:
    conn = TelnetConnection(max_subneg_bytes=16)
    events = conn.receive(sb(Option.GMCP, b"Core.Hello " + b"9" * 100) + b"look\n")
    assert len(events) == 2
    assert isinstance(events[0], ProtocolViolation)
    assert "longer than 16 bytes" in events[0].description
    assert events[1] == Line("look")


def test_garbage_after_iac_never_raises() -> None:
    conn = TelnetConnection()
    conn.start()
    for first in range(256):
        for second in (0, 1, 24, 31, 201, 240, 250, 255):
            conn.receive(bytes((IAC, first, second, IAC, SE, IAC, second)))
    conn.receive(bytes((IAC, SE)) + b"\n")
    assert conn.receive(b"still alive\n")[-1] == Line("still alive")


# -- NAWS ---------------------------------------------------------------------------------------


def test_window_size() -> None:
    conn = started()
    events = conn.receive(cmd(WILL, Option.NAWS) + sb(Option.NAWS, bytes((0, 132, 0, 43))))
    assert events == [OptionEnabled(Option.NAWS, local=False), WindowSize(132, 43)]
    assert (conn.negotiated.cols, conn.negotiated.rows) == (132, 43)
    assert conn.data_to_send() == b""  # our DO was the question; the WILL needs no answer


def test_window_size_with_escaped_255() -> None:
    conn = started()
    wire = bytes((IAC, SB, Option.NAWS, 0, 255, 255, 1, 255, 255, IAC, SE))
    assert conn.receive(wire) == [WindowSize(255, 511)]
    assert conn.receive(sb(Option.NAWS, b"\xff\xff\xff\xff")) == [WindowSize(65535, 65535)]


def test_malformed_window_size() -> None:
    conn = started()
    assert conn.receive(sb(Option.NAWS, b"\x00\x50")) == [
        ProtocolViolation("NAWS payload of 2 bytes, expected 4")
    ]
    assert conn.negotiated.cols is None


# -- TTYPE --------------------------------------------------------------------------------------

SEND = sb(Option.TTYPE, b"\x01")


def ttype_is(name: str) -> bytes:
    return sb(Option.TTYPE, b"\x00" + name.encode())


def test_ttype_single_name_repeats() -> None:
    conn = started()
    conn.receive(cmd(WILL, Option.TTYPE))
    assert conn.data_to_send() == SEND
    assert conn.receive(ttype_is("xterm-256color")) == []
    assert conn.data_to_send() == SEND
    assert conn.receive(ttype_is("xterm-256color")) == [TerminalType(("xterm-256color",))]
    assert conn.data_to_send() == b""
    assert conn.negotiated.ttype == ("xterm-256color",)


def test_ttype_mtts_cycle() -> None:
    conn = started()
    conn.receive(cmd(WILL, Option.TTYPE))
    events: list[Event] = []
    for name in ("TINTIN++", "tmux-256color", "MTTS 271"):
        assert conn.data_to_send() == SEND
        events += conn.receive(ttype_is(name))
    assert events == [TerminalType(("TINTIN++", "tmux-256color", "MTTS 271"))]
    assert conn.data_to_send() == b""
    # Later answers are not asked for.
    assert isinstance(conn.receive(ttype_is("again"))[0], ProtocolViolation)


def test_ttype_cycle_is_capped() -> None:
    conn = started()
    conn.receive(cmd(WILL, Option.TTYPE))
    sends = 0
    events: list[Event] = []
    for number in range(20):
        out = conn.data_to_send()
        if not out:
            break
        assert out == SEND
        sends += 1
        events += conn.receive(ttype_is(f"term{number}"))
    assert sends == 5
    assert events == [TerminalType(tuple(f"term{n}" for n in range(5)))]


def test_ttype_disabled_mid_cycle_keeps_the_names() -> None:
    conn = started()
    conn.receive(cmd(WILL, Option.TTYPE))
    conn.receive(ttype_is("ansi"))
    events = conn.receive(cmd(WONT, Option.TTYPE))
    assert events == [TerminalType(("ansi",)), OptionDisabled(Option.TTYPE, local=False)]


def test_ttype_refused() -> None:
    conn = started()
    assert conn.receive(cmd(WONT, Option.TTYPE)) == []
    assert conn.data_to_send() == b""
    assert conn.negotiated.ttype == ()


# -- CHARSET -----------------------------------------------------------------------------------

REQUEST = sb(Option.CHARSET, b"\x01;UTF-8;ISO-8859-1;US-ASCII")


def test_charset_request_and_accept() -> None:
    conn = started()
    assert conn.receive(cmd(WILL, Option.CHARSET)) == [OptionEnabled(Option.CHARSET, False)]
    assert conn.data_to_send() == REQUEST
    assert conn.receive(sb(Option.CHARSET, b"\x02utf-8")) == [CharsetAccepted("UTF-8")]
    assert conn.negotiated.charset == "UTF-8"


def test_charset_latin1_changes_both_directions() -> None:
    conn = started()
    conn.receive(cmd(WILL, Option.CHARSET))
    conn.data_to_send()
    assert conn.receive(sb(Option.CHARSET, b"\x02ISO-8859-1")) == [CharsetAccepted("ISO-8859-1")]
    assert conn.receive("café ÿ\n".encode("latin-1").replace(b"\xff", b"\xff\xff")) == [
        Line("café ÿ")
    ]
    conn.send_text("café ÿ ✓")
    assert conn.data_to_send() == b"caf\xe9 \xff\xff ?"


def test_charset_rejected() -> None:
    conn = started()
    conn.receive(cmd(WILL, Option.CHARSET))
    assert conn.receive(sb(Option.CHARSET, b"\x03")) == [CharsetRejected()]
    assert conn.negotiated.charset == "UTF-8"


def test_charset_accepting_something_not_offered() -> None:
    conn = started()
    conn.receive(cmd(WILL, Option.CHARSET))
    events = conn.receive(sb(Option.CHARSET, b"\x02KOI8-R"))
    assert events == [ProtocolViolation("CHARSET ACCEPTED 'KOI8-R', which was not offered")]
    assert conn.negotiated.charset == "UTF-8"


def test_charset_unsolicited_answers_are_errors() -> None:
    conn = TelnetConnection()
    assert isinstance(conn.receive(sb(Option.CHARSET, b"\x02UTF-8"))[0], ProtocolViolation)
    assert conn.receive(sb(Option.CHARSET, b"\x03")) == []
    assert isinstance(conn.receive(sb(Option.CHARSET, b""))[0], ProtocolViolation)


def test_client_charset_request_is_answered() -> None:
    conn = TelnetConnection()
    events = conn.receive(sb(Option.CHARSET, b"\x01 KOI8-R latin1 UTF8"))
    assert events == [CharsetAccepted("UTF-8")]
    assert conn.data_to_send() == sb(Option.CHARSET, b"\x02UTF8")
    conn2 = TelnetConnection()
    assert conn2.receive(sb(Option.CHARSET, b"\x01[TTABLE]\x01;KOI8-R")) == []
    assert conn2.data_to_send() == sb(Option.CHARSET, b"\x03")


def test_client_charset_request_while_ours_is_pending() -> None:
    conn = started()
    conn.receive(cmd(WILL, Option.CHARSET))
    conn.data_to_send()
    assert conn.receive(sb(Option.CHARSET, b"\x01;UTF-8")) == []
    assert conn.data_to_send() == sb(Option.CHARSET, b"\x03")
    assert conn.receive(sb(Option.CHARSET, b"\x02UTF-8")) == [CharsetAccepted("UTF-8")]


# -- MSSP ----------------------------------------------------------------------------------------


def test_mssp_sent_when_the_client_asks() -> None:
    conn = started(mssp={"NAME": "Ember", "PLAYERS": "3"})
    assert conn.receive(cmd(DO, Option.MSSP)) == [OptionEnabled(Option.MSSP, local=True)]
    assert conn.data_to_send() == sb(Option.MSSP, b"\x01NAME\x02Ember\x01PLAYERS\x023")


def test_mssp_strips_structure_bytes() -> None:
    conn = started(mssp={"NA\x01ME": "a\x02b\x00c"})
    conn.receive(cmd(DO, Option.MSSP))
    assert conn.data_to_send() == sb(Option.MSSP, b"\x01NAME\x02abc")


# -- GMCP ----------------------------------------------------------------------------------------


def test_gmcp_needs_the_client_to_agree() -> None:
    conn = started()
    assert conn.send_gmcp("Char.Vitals", {"hp": 10}) is False
    assert conn.data_to_send() == b""
    conn.receive(cmd(DO, Option.GMCP))
    assert conn.negotiated.gmcp
    assert conn.send_gmcp("Char.Vitals", {"hp": 10, "name": "Zoë"}) is True
    assert conn.data_to_send() == sb(Option.GMCP, 'Char.Vitals {"hp":10,"name":"Zoë"}'.encode())
    assert conn.send_gmcp("Core.Goodbye") is True
    assert conn.data_to_send() == sb(Option.GMCP, b"Core.Goodbye")


@pytest.mark.parametrize("package", ["", "Char Vitals", "Char\nVitals", "A\x00"])
def test_gmcp_package_name_is_validated(package: str) -> None:
    with pytest.raises(ValueError, match="package"):
        TelnetConnection().send_gmcp(package, 1)


def test_gmcp_data_must_be_json() -> None:
    with pytest.raises(TypeError):
        TelnetConnection().send_gmcp("A.B", {1, 2})
    with pytest.raises(ValueError, match="JSON"):
        TelnetConnection().send_gmcp("A.B", float("nan"))


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b'Core.Hello {"client":"Mudlet","version":"4"}', {"client": "Mudlet", "version": "4"}),
        (b"Core.Ping", None),
        (b"Core.Ping   ", None),
        (b"Char.Login {oops", "{oops"),
        (b"Num 42", 42),
        (b"Deep " + b"[" * 5000, "[" * 5000),  # nesting beyond the JSON decoder's stack
    ],
)
def test_gmcp_from_the_client(payload: bytes, expected: object) -> None:
    conn = TelnetConnection()
    event = conn.receive(sb(Option.GMCP, payload))[0]
    assert isinstance(event, GmcpMessage)
    assert event.data == expected
    assert event.package == payload.split(b" ")[0].decode()


def test_gmcp_without_package_is_an_error() -> None:
    assert TelnetConnection().receive(sb(Option.GMCP, b"  ")) == [
        ProtocolViolation("GMCP message without a package name")
    ]


# -- output -------------------------------------------------------------------------------------


def test_send_text_line_endings_and_iac() -> None:
    conn = TelnetConnection()
    conn.send_text("a\nb\r\nc\rd")
    assert conn.data_to_send() == b"a\r\nb\r\nc\r\x00d"


def test_send_text_never_raises() -> None:
    conn = TelnetConnection()
    conn.send_text("lone surrogate \udc80 ok ✓\n")
    assert conn.data_to_send() == "lone surrogate ? ok ✓\r\n".encode()


def test_send_prompt_uses_ga_then_eor() -> None:
    conn = started()
    conn.send_prompt("HP 10> ")
    assert conn.data_to_send() == b"HP 10> " + bytes((IAC, GA))
    conn.receive(cmd(DO, Option.EOR))
    assert conn.negotiated.eor
    conn.send_prompt("> ")
    assert conn.data_to_send() == b"> " + bytes((IAC, EOR))


def test_set_echo_for_passwords() -> None:
    conn = started()
    conn.set_echo(True)
    assert conn.data_to_send() == cmd(WILL, Option.ECHO)
    conn.set_echo(True)
    assert conn.data_to_send() == b""
    assert conn.receive(cmd(DO, Option.ECHO)) == [OptionEnabled(Option.ECHO, local=True)]
    assert conn.negotiated.echo
    assert conn.data_to_send() == b""
    conn.set_echo(False)
    assert conn.data_to_send() == cmd(WONT, Option.ECHO)
    assert not conn.negotiated.echo
    assert conn.receive(cmd(DONT, Option.ECHO)) == []
    assert conn.data_to_send() == b""


def test_second_password_prompt_with_a_client_that_skips_dont_echo() -> None:
    conn = started()
    conn.set_echo(True)
    conn.receive(cmd(DO, Option.ECHO))
    conn.set_echo(False)
    assert conn.data_to_send() == cmd(WILL, Option.ECHO) + cmd(WONT, Option.ECHO)
    conn.set_echo(True)  # no DONT ECHO came back, yet the next WILL goes out at once
    assert conn.data_to_send() == cmd(WILL, Option.ECHO)
    assert conn.receive(cmd(DO, Option.ECHO)) == [OptionEnabled(Option.ECHO, local=True)]


def test_client_cannot_turn_on_echo() -> None:
    conn = started()
    assert conn.receive(cmd(DO, Option.ECHO)) == []
    assert conn.data_to_send() == cmd(WONT, Option.ECHO)


def test_repeated_requests_are_never_answered_twice() -> None:
    conn = started()
    conn.receive(cmd(DO, Option.GMCP) * 3 + cmd(WILL, Option.NAWS) * 3)
    assert conn.data_to_send() == b""
    conn.receive(cmd(WILL, 99) * 2)
    assert conn.data_to_send() == cmd(DONT, 99) * 2  # each offer refused, nothing more


def test_option_events_for_client_choices() -> None:
    conn = started()
    assert conn.receive(cmd(DO, Option.GMCP) + cmd(DONT, Option.GMCP)) == [
        OptionEnabled(Option.GMCP, local=True),
        OptionDisabled(Option.GMCP, local=True),
    ]
    assert conn.data_to_send() == cmd(WONT, Option.GMCP)
    assert conn.receive(cmd(DONT, Option.EOR)) == []  # a refused offer was never enabled


def test_negotiated_snapshot_and_statistics() -> None:
    conn = TelnetConnection()
    assert conn.negotiated == Negotiated(
        ttype=(),
        cols=None,
        rows=None,
        charset="UTF-8",
        gmcp=False,
        mccp2=False,
        eor=False,
        echo=False,
    )
    out = conn.start()
    conn.receive(b"hi\n" + sb(Option.NAWS, b"\x00\x50\x00\x18") + bytes((IAC, 3)))
    conn.send_text("hello\n")
    stats = conn.statistics()
    assert stats.bytes_in == 3 + 9 + 2
    assert stats.bytes_out == len(out)
    assert stats.bytes_pending == 7
    assert (stats.lines, stats.subnegotiations, stats.protocol_errors) == (1, 1, 1)
    conn.data_to_send()
    assert conn.statistics().bytes_out == len(out) + 7
