"""Byte-level tests of the IAC state machine in ember.portal.telnet._parser."""

from __future__ import annotations

from ember.portal.telnet import DO, IAC, NOP, SB, SE, WILL, ProtocolViolation
from ember.portal.telnet._constants import AYT, EC, GA, Option
from ember.portal.telnet._parser import (
    Data,
    Negotiation,
    Subnegotiation,
    TelnetCommand,
    TelnetParser,
    Token,
)


def parse(*chunks: bytes, limit: int = 64) -> list[Token]:
    parser = TelnetParser(max_subneg_bytes=limit)
    tokens: list[Token] = []
    for chunk in chunks:
        tokens.extend(parser.feed(chunk))
    return tokens


def joined(tokens: list[Token]) -> list[Token]:
    """Merge neighbouring Data tokens, which may be split differently per feed."""
    merged: list[Token] = []
    for token in tokens:
        if isinstance(token, Data) and merged and isinstance(merged[-1], Data):
            merged[-1] = Data(merged[-1].data + token.data)
        else:
            merged.append(token)
    return merged


def test_plain_data_is_one_token() -> None:
    assert parse(b"hello world\r\n") == [Data(b"hello world\r\n")]


def test_iac_iac_is_a_literal_255() -> None:
    assert joined(parse(b"a\xff\xffb")) == [Data(b"a\xffb")]


def test_negotiation_and_commands() -> None:
    # NOP and GA mean nothing to a line-mode server: counted, not reported.
    stream = bytes([IAC, WILL, Option.NAWS, IAC, NOP, IAC, GA, IAC, EC])
    parser = TelnetParser(max_subneg_bytes=64)
    assert parser.feed(stream) == [Negotiation(WILL, Option.NAWS), TelnetCommand(EC)]
    assert parser.ignored_commands == 2


def test_ignored_commands_split_anywhere_are_counted() -> None:
    stream = b"a" + bytes([IAC, NOP, IAC, GA]) * 3 + b"b" + bytes([IAC, AYT])
    for cut in range(len(stream) + 1):
        parser = TelnetParser(max_subneg_bytes=64)
        tokens = parser.feed(stream[:cut]) + parser.feed(stream[cut:])
        assert joined(tokens) == [Data(b"ab")]
        assert parser.ignored_commands == 7


def test_escaped_iac_runs_are_one_data_token() -> None:
    parser = TelnetParser(max_subneg_bytes=64)
    assert parser.feed(b"\xff\xff" * 1000 + b"x") == [Data(b"\xff" * 1000 + b"x")]


def test_floods_of_commands_are_parsed_in_bulk() -> None:
    # 2 MiB of IAC NOP (and of escaped IACs inside an overlong subnegotiation) in a handful of
    # regex steps: the token lists stay tiny, whatever the stream's length.
    parser = TelnetParser(max_subneg_bytes=64)
    assert parser.feed(bytes([IAC, NOP]) * (1024 * 1024) + b"x") == [Data(b"x")]
    assert parser.ignored_commands == 1024 * 1024
    sub = bytes([IAC, SB, Option.GMCP]) + b"\xff\xff" * (1024 * 1024) + bytes([IAC, SE])
    tokens = parser.feed(sub)
    assert len(tokens) == 1 and isinstance(tokens[0], ProtocolViolation)


def test_truncated_sequences_wait_for_more_bytes() -> None:
    parser = TelnetParser(max_subneg_bytes=64)
    assert parser.feed(bytes([IAC])) == []
    assert parser.feed(bytes([DO])) == []
    assert parser.feed(bytes([Option.GMCP])) == [Negotiation(DO, Option.GMCP)]
    assert parser.feed(bytes([IAC, SB, Option.GMCP]) + b"Core") == []
    assert parser.feed(b".Hello" + bytes([IAC])) == []
    assert parser.feed(bytes([SE])) == [Subnegotiation(Option.GMCP, b"Core.Hello")]


def test_subnegotiation_unescapes_iac() -> None:
    stream = bytes([IAC, SB, Option.NAWS, 0, 255, 255, 0, 24, IAC, SE])
    assert parse(stream) == [Subnegotiation(Option.NAWS, bytes([0, 255, 0, 24]))]


def test_unknown_command_byte_is_reported_and_skipped() -> None:
    tokens = parse(b"a" + bytes([IAC, 7]) + b"b")
    assert tokens == [Data(b"a"), ProtocolViolation("unknown command byte 7 after IAC"), Data(b"b")]


def test_se_outside_subnegotiation() -> None:
    assert parse(bytes([IAC, SE])) == [ProtocolViolation("IAC SE outside a subnegotiation")]


def test_subnegotiation_interrupted_by_a_command_keeps_the_command() -> None:
    stream = bytes([IAC, SB, Option.NAWS, 0, 80, IAC, WILL, Option.TTYPE]) + b"x"
    tokens = parse(stream)
    assert isinstance(tokens[0], ProtocolViolation)
    assert "NAWS" in tokens[0].description
    assert tokens[1:] == [Negotiation(WILL, Option.TTYPE), Data(b"x")]


def test_subnegotiation_without_option_byte() -> None:
    tokens = parse(bytes([IAC, SB, IAC, NOP]) + b"y")
    assert tokens == [ProtocolViolation("subnegotiation without an option code"), Data(b"y")]


def test_overlong_subnegotiation_is_discarded_once() -> None:
    stream = bytes([IAC, SB, Option.GMCP]) + b"x" * 100 + bytes([IAC, SE]) + b"after"
    for tokens in (parse(stream, limit=10), parse(*[bytes([b]) for b in stream], limit=10)):
        errors = [t for t in tokens if isinstance(t, ProtocolViolation)]
        assert len(errors) == 1
        assert "longer than 10 bytes" in errors[0].description
        assert not any(isinstance(t, Subnegotiation) for t in tokens)
        assert joined(tokens)[-1] == Data(b"after")


def test_subnegotiation_at_the_limit_is_kept() -> None:
    stream = bytes([IAC, SB, Option.GMCP]) + b"x" * 10 + bytes([IAC, SE])
    assert parse(stream, limit=10) == [Subnegotiation(Option.GMCP, b"x" * 10)]


def test_unknown_option_name_in_errors() -> None:
    tokens = parse(bytes([IAC, SB, 99, IAC, NOP]))
    assert tokens[0] == ProtocolViolation(f"subnegotiation of option 99 ended by IAC {NOP}")
