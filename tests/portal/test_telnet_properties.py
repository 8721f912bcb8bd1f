"""Property tests: a telnet stream gives the same events however it is split, and never raises."""

from __future__ import annotations

import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from ember.portal.telnet import (
    DO,
    DONT,
    IAC,
    NOP,
    SB,
    SE,
    WILL,
    WONT,
    Event,
    GmcpMessage,
    Line,
    Option,
    TelnetConnection,
)
from ember.portal.telnet._constants import AYT, EC, EL, GA

MCCP2_START = bytes((IAC, SB, Option.MCCP2, IAC, SE))
LIMITS = {"max_line_bytes": 64, "max_subneg_bytes": 32}
MSSP = {"NAME": "Ember"}

OPTIONS = [*Option, 7, 99, 255]


def sb(option: int, payload: bytes) -> bytes:
    return bytes((IAC, SB, option)) + payload.replace(b"\xff", b"\xff\xff") + bytes((IAC, SE))


text_bytes = st.binary(max_size=24)
line_endings = st.sampled_from([b"\r\n", b"\r\x00", b"\n", b"\r", b"\x08", b"\x7f"])
commands = st.sampled_from([NOP, GA, EC, EL, AYT, SE, 17, IAC]).map(lambda c: bytes((IAC, c)))
negotiations = st.builds(
    lambda verb, option: bytes((IAC, verb, option)),
    st.sampled_from([WILL, WONT, DO, DONT]),
    st.sampled_from(OPTIONS),
)
structured_payloads = st.one_of(
    st.tuples(st.just(Option.NAWS), st.binary(min_size=3, max_size=5)),
    st.tuples(
        st.just(Option.TTYPE),
        st.sampled_from([b"xterm", b"MTTS 137", b"ANSI", b"vt100"]).map(lambda n: b"\x00" + n),
    ),
    st.tuples(
        st.just(Option.CHARSET),
        st.sampled_from(
            [b"\x02UTF-8", b"\x02ISO-8859-1", b"\x02KOI8-R", b"\x03", b"\x01;latin1;UTF-8", b""]
        ),
    ),
    st.tuples(
        st.just(Option.GMCP),
        st.sampled_from([b'Core.Hello {"a":1}', b"Core.Ping", b"X {bad", b"Y [1,2]"]),
    ),
    st.tuples(st.sampled_from(OPTIONS), st.binary(max_size=40)),
)
subnegotiations = structured_payloads.map(lambda pair: sb(pair[0], pair[1]))
fragments = st.one_of(
    text_bytes,
    line_endings,
    commands,
    negotiations,
    subnegotiations,
    st.binary(min_size=1, max_size=6).map(lambda b: bytes((IAC,)) + b),  # IAC garbage
)
streams = st.lists(fragments, max_size=40).map(b"".join)


def plain_output(wire: bytes) -> bytes:
    """Undo MCCP2 on a server's output: every compressed stream inflated in place."""
    out = bytearray()
    rest = wire
    while True:
        start = rest.find(MCCP2_START)
        if start < 0:
            return bytes(out + rest)
        out += rest[: start + len(MCCP2_START)]
        inflater = zlib.decompressobj()
        out += inflater.decompress(rest[start + len(MCCP2_START) :])
        if not inflater.eof:
            return bytes(out)
        rest = inflater.unused_data


def run(stream: bytes, cuts: list[int]) -> tuple[str, bytes]:
    """Feed ``stream`` cut at ``cuts``; return the events' repr and the plain output."""
    conn = TelnetConnection(mssp=MSSP, **LIMITS)
    wire = bytearray(conn.start())
    events: list[Event] = []
    previous = 0
    for cut in [*sorted(cuts), len(stream)]:
        events += conn.receive(stream[previous:cut])
        wire += conn.data_to_send()
        previous = cut
    # repr, not ==, so a GMCP "NaN" (which is not equal to itself) still compares.
    return repr(events), plain_output(bytes(wire))


@settings(max_examples=300, deadline=None)
@given(stream=streams, data=st.data())
def test_any_split_gives_the_same_events_and_output(stream: bytes, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=12))
    assert run(stream, cuts) == run(stream, [])


@settings(max_examples=50, deadline=None)
@given(stream=streams)
def test_byte_by_byte_gives_the_same_events_and_output(stream: bytes) -> None:
    assert run(stream, list(range(len(stream)))) == run(stream, [])


RICH_STREAM = b"".join(
    [
        bytes((IAC, WILL, Option.TTYPE, IAC, WILL, Option.NAWS, IAC, DO, Option.GMCP)),
        sb(Option.NAWS, bytes((0, 255, 0, 24))),
        b"hello \xc3\xa9\r\n",
        bytes((IAC, DO, Option.MCCP2)),
        sb(Option.TTYPE, b"\x00TINTIN++"),
        b"wor\xffld\r\x00",
        bytes((IAC, IAC, IAC, NOP, IAC, 17)),
        sb(Option.TTYPE, b"\x00MTTS 137"),
        bytes((IAC, WILL, Option.CHARSET)),
        sb(Option.GMCP, b'Core.Hello {"client":"x"}'),
        b"x" * 70 + b"\n",
        sb(Option.GMCP, b"Z" * 40),
        sb(Option.CHARSET, b"\x02UTF-8"),
        b"abc\x08\x7fd\r",
        bytes((IAC, SB, Option.NAWS, 0, 80, IAC, WILL, Option.SGA)),
        b"\nlast\n",
        bytes((IAC, DONT, Option.MCCP2)),
        b"tail\r",
    ]
)


def test_every_single_split_point() -> None:
    whole = run(RICH_STREAM, [])
    assert "Line(text='hello é')" in whole[0]
    assert "LineTooLong" in whole[0]
    assert "TerminalType(names=('TINTIN++', 'MTTS 137'))" in whole[0]
    for cut in range(len(RICH_STREAM) + 1):
        assert run(RICH_STREAM, [cut]) == whole, cut


@settings(max_examples=200, deadline=None)
@given(garbage=st.binary(max_size=400))
def test_garbage_never_raises_and_memory_stays_bounded(garbage: bytes) -> None:
    conn = TelnetConnection(mssp=MSSP, **LIMITS)
    conn.start()
    for _ in range(3):
        conn.receive(garbage)
        conn.data_to_send()
        assert conn.statistics().line_buffer <= LIMITS["max_line_bytes"]
    # NUL, IAC, SE leaves every parser state (mid-command, mid-subnegotiation) for plain data,
    # so whatever came before, the next line is read as a line.
    events = conn.receive(bytes((0, IAC, SE)) + b"\r\nping\r\n")
    assert events[-1] == Line("ping")


printable = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc"]),  # no controls, no lone surrogates
    max_size=40,
)


@given(text=printable)
def test_sent_text_reads_back_as_the_same_line(text: str) -> None:
    server = TelnetConnection()
    server.send_text(text + "\n")
    assert TelnetConnection(max_line_bytes=1000).receive(server.data_to_send()) == [Line(text)]


@given(text=st.text())
def test_send_text_never_raises(text: str) -> None:
    server = TelnetConnection()
    server.send_text(text)
    server.send_prompt(text)
    wire = server.data_to_send()
    assert wire.endswith(bytes((IAC, GA)))
    assert b"\xff" not in wire[:-2]  # UTF-8 never produces 255, so no stray IAC


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8")),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(codec="utf-8")), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(data=json_values)
def test_gmcp_round_trip(data: object) -> None:
    server = TelnetConnection()
    server.receive(bytes((IAC, DO, Option.GMCP)))
    server.data_to_send()
    assert server.send_gmcp("Test.Package", data)
    events = TelnetConnection().receive(server.data_to_send())
    assert events == [GmcpMessage("Test.Package", data)]


@given(pieces=st.lists(st.tuples(st.text(max_size=200), st.booleans()), max_size=20))
def test_mccp2_output_inflates_to_what_was_sent(pieces: list[tuple[str, bool]]) -> None:
    compressed = TelnetConnection()
    compressed.receive(bytes((IAC, DO, Option.MCCP2)))
    uncompressed = TelnetConnection()
    wire = bytearray(compressed.data_to_send())
    for text, fetch in pieces:
        compressed.send_text(text)
        uncompressed.send_text(text)
        if fetch:
            wire += compressed.data_to_send()
    compressed.stop_compression()
    wire += compressed.data_to_send()
    prefix = bytes((IAC, WILL, Option.MCCP2)) + MCCP2_START
    assert plain_output(bytes(wire)) == prefix + uncompressed.data_to_send()
