"""Byte-level tests of the link codec: framing, validation, malformed input and the handshake."""

from __future__ import annotations

import math
import struct
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.link import (
    DEFAULT_MAX_FRAME_BYTES,
    JSON,
    MAX_NESTING,
    PROTOCOL_VERSION,
    HandshakeError,
    LinkConnection,
    LinkError,
    MalformedFrame,
    Message,
    VersionMismatch,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=16,
)
messages = st.builds(
    Message,
    st.text(min_size=1, max_size=12).filter(lambda name: name != "hello"),
    st.lists(json_values, max_size=4).map(tuple),
    st.dictionaries(st.text(max_size=8), json_values, max_size=4),
)


def frame(payload: bytes) -> bytes:
    """Wrap raw payload bytes in a length prefix, bypassing the codec's checks."""
    return struct.pack(">I", len(payload)) + payload


def packed(value: Any) -> bytes:
    return frame(msgpack.packb(value, use_bin_type=True))


def linked(max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> tuple[LinkConnection, LinkConnection]:
    """Return a (portal, game) pair of codecs that have exchanged hellos."""
    portal = LinkConnection(role="portal", max_frame_bytes=max_frame_bytes)
    game = LinkConnection(role="game", max_frame_bytes=max_frame_bytes)
    assert game.receive(portal.hello()) == []
    assert portal.receive(game.hello()) == []
    return portal, game


def only_messages(events: list[Message | LinkError]) -> list[Message]:
    assert all(isinstance(event, Message) for event in events), events
    return [event for event in events if isinstance(event, Message)]


# --- round trips -------------------------------------------------------------------------------


def test_round_trip_simple_message() -> None:
    portal, game = linked()
    message = Message("text", ("look at the sword",), {"session": 42})
    assert portal.receive(game.send(message)) == [message]
    assert game.receive(portal.send(Message("ping"))) == [Message("ping", (), {})]


def test_frame_layout_is_length_prefix_and_msgpack_array() -> None:
    _, game = linked()
    data = game.send(Message("text", ("hi",), {"k": 1}))
    (length,) = struct.unpack(">I", data[:4])
    assert length == len(data) - 4
    assert msgpack.unpackb(data[4:], raw=False) == ["text", ["hi"], {"k": 1}]


def test_round_trip_unicode() -> None:
    portal, game = linked()
    message = Message(
        "sày", ("look at the ünïcode sword ⚔️", "中文", "\x00\U0010ffff"), {"ключ": "é"}
    )
    assert portal.receive(game.send(message)) == [message]


def test_round_trip_nested_values() -> None:
    portal, game = linked()
    nested: JSON = {"a": [1, [2, [3, {"b": [None, True, 1.5, "x", {}]}]]], "c": {"d": {"e": []}}}
    message = Message("nested", (nested, [nested]), {"n": nested})
    assert portal.receive(game.send(message)) == [message]


def test_bool_and_int_stay_distinct() -> None:
    portal, game = linked()
    (received,) = only_messages(portal.receive(game.send(Message("t", (True, 1, False, 0), {}))))
    assert [type(value) for value in received.args] == [bool, int, bool, int]
    assert received.args == (True, 1, False, 0)


@pytest.mark.parametrize(
    "number",
    [2**63 - 1, -(2**63), 2**64 - 1, 2**64, -(2**63) - 1, 2**200, -(2**200), 10**400],
)
def test_large_ints_round_trip_exactly(number: int) -> None:
    portal, game = linked()
    (received,) = only_messages(portal.receive(game.send(Message("n", (number,), {"k": number}))))
    assert received.args == (number,)
    assert received.kwargs == {"k": number}
    assert type(received.args[0]) is int


def test_special_floats_round_trip() -> None:
    portal, game = linked()
    values = (0.1, -0.0, math.inf, -math.inf, 1e308)
    (received,) = only_messages(portal.receive(game.send(Message("f", values, {}))))
    assert received.args == values
    (nan,) = only_messages(portal.receive(game.send(Message("f", (math.nan,), {}))))
    assert isinstance(nan.args[0], float)
    assert math.isnan(nan.args[0])


def test_received_containers_are_plain_tuple_list_and_dict() -> None:
    portal, game = linked()
    (received,) = only_messages(portal.receive(game.send(Message("t", ([1], {"a": [2]}), {}))))
    assert type(received.args) is tuple
    assert type(received.args[0]) is list
    assert type(received.kwargs) is dict


@settings(max_examples=200, deadline=None)
@given(messages)
def test_any_json_message_round_trips(message: Message) -> None:
    portal, game = linked()
    assert portal.receive(game.send(message)) == [message]


# --- reassembly from arbitrary chunks ----------------------------------------------------------


def sample_stream() -> tuple[LinkConnection, bytes, list[Message]]:
    portal = LinkConnection(role="portal")
    game = LinkConnection(role="game")
    portal.hello()
    sent = [
        Message("a"),
        Message("text", ("ünï",), {"x": [1, 2, {"y": None}]}),
        Message("b", (2**70, True), {}),
        Message("c", ("z" * 300,), {}),
    ]
    data = game.hello() + b"".join(game.send(message) for message in sent)
    return portal, data, sent


def test_splitting_at_every_offset_gives_the_same_messages() -> None:
    _, data, sent = sample_stream()
    for cut in range(len(data) + 1):
        portal, _, _ = sample_stream()
        events = portal.receive(data[:cut]) + portal.receive(data[cut:])
        assert events == sent, f"cut at {cut}"


def test_byte_by_byte_gives_the_same_messages() -> None:
    portal, data, sent = sample_stream()
    events: list[Message | LinkError] = []
    for index in range(len(data)):
        events += portal.receive(data[index : index + 1])
    assert events == sent
    assert portal.statistics().buffered_bytes == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(messages, max_size=6), st.data())
def test_random_chunking_gives_the_same_messages(sent: list[Message], data: st.DataObject) -> None:
    portal = LinkConnection(role="portal")
    game = LinkConnection(role="game")
    stream = game.hello() + b"".join(game.send(message) for message in sent)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    events: list[Message | LinkError] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        events += portal.receive(stream[start:end])
    assert events == sent
    assert portal.handshake_done


def test_receive_accepts_bytearray_and_memoryview() -> None:
    portal, data, sent = sample_stream()
    assert portal.receive(bytearray(data[:10])) + portal.receive(memoryview(data)[10:]) == sent


# --- malformed frames --------------------------------------------------------------------------


def _make_deep() -> list[Any]:
    value: list[Any] = []
    for _ in range(MAX_NESTING + 5):
        value = [value]
    return value


MALFORMED = {
    "invalid msgpack byte": frame(b"\xc1"),
    "truncated msgpack": frame(b"\x93\xa4text"),
    "trailing data": frame(msgpack.packb(["t", [], {}]) + b"\xc0"),
    "empty payload": frame(b""),
    "not an array": packed({"name": "t"}),
    "array of two": packed(["t", []]),
    "array of four": packed(["t", [], {}, 1]),
    "int name": packed([7, [], {}]),
    "empty name": packed(["", [], {}]),
    "bytes name": packed([b"t", [], {}]),
    "args as map": packed(["t", {}, {}]),
    "kwargs as array": packed(["t", [], []]),
    "bytes value": packed(["t", [1, b"raw"], {}]),
    "int map key": packed(["t", [], {1: "x"}]),
    "bytes map key": packed(["t", [], {b"k": 1}]),
    "nested bytes map key": packed(["t", [{"a": {b"k": 1}}], {}]),
    "unknown ext type": frame(msgpack.packb(["t", [msgpack.ExtType(9, b"x")], {}])),
    "invalid utf-8": frame(b"\x93\xa1t\x91\xa2\xff\xfe\x80"),
    "second hello": packed(["hello", [PROTOCOL_VERSION, "game"], {}]),
    "too deep": packed(["t", [_make_deep()], {}]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_frame_is_dropped_and_the_next_one_decoded(case: str) -> None:
    portal, game = linked()
    good = Message("after", (1,), {})
    events = portal.receive(MALFORMED[case] + game.send(good))
    assert len(events) == 2, events
    assert isinstance(events[0], MalformedFrame)
    assert events[0].reason
    assert events[1] == good
    assert portal.statistics().malformed == 1


def test_malformed_frame_reason_names_the_path_of_a_bad_value() -> None:
    portal, _ = linked()
    (event,) = portal.receive(packed(["t", [], {"x": [1, b"raw"]}]))
    assert isinstance(event, MalformedFrame)
    assert "kwargs['x'][1]" in event.reason


def test_malformed_frame_split_across_receives() -> None:
    portal, game = linked()
    data = MALFORMED["invalid msgpack byte"] + game.send(Message("ok"))
    events = [
        event for index in range(len(data)) for event in portal.receive(data[index : index + 1])
    ]
    assert [type(event) for event in events] == [MalformedFrame, Message]


def test_oversized_frame_is_skipped_without_buffering() -> None:
    portal, game = linked(max_frame_bytes=64)
    body = b"\xaa" * 10_000
    events = portal.receive(struct.pack(">I", len(body)) + body[:100])
    assert len(events) == 1
    assert isinstance(events[0], MalformedFrame)
    assert "10000" in events[0].reason
    assert "64" in events[0].reason
    for start in range(100, len(body), 1000):
        assert portal.receive(body[start : start + 1000]) == []
        assert portal.statistics().buffered_bytes == 0
    good = Message("after", ("fine",), {})
    assert portal.receive(game.send(good)) == [good]
    assert portal.statistics().malformed == 1


def test_oversized_frame_followed_by_good_frame_in_one_chunk() -> None:
    portal, game = linked(max_frame_bytes=64)
    good = Message("after")
    events = portal.receive(frame(b"\x00" * 65) + game.send(good))
    assert [type(event) for event in events] == [MalformedFrame, Message]
    assert events[1] == good


def test_largest_declared_length_does_not_allocate() -> None:
    portal, _ = linked()
    events = portal.receive(b"\xff\xff\xff\xff" + b"\x00" * 1000)
    assert [type(event) for event in events] == [MalformedFrame]
    assert portal.statistics().buffered_bytes == 0


def test_frame_exactly_at_the_limit_is_accepted() -> None:
    message = Message("t", ("x" * 20,), {})
    size = len(linked()[1].send(message)) - 4
    portal, game = linked(max_frame_bytes=size)
    assert portal.receive(game.send(message)) == [message]
    _, game = linked(max_frame_bytes=size - 1)
    with pytest.raises(ValueError, match="over the limit"):
        game.send(message)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=50))
def test_garbage_after_handshake_never_raises(garbage: bytes, more: bytes) -> None:
    portal, _ = linked(max_frame_bytes=1024)
    events = portal.receive(garbage) + portal.receive(more)
    assert all(isinstance(event, Message | MalformedFrame) for event in events)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_garbage_before_handshake_never_raises(garbage: bytes) -> None:
    portal = LinkConnection(role="portal")
    events = portal.receive(garbage)
    assert all(isinstance(event, HandshakeError) for event in events)
    assert len(events) <= 1


# --- handshake ---------------------------------------------------------------------------------


def test_handshake_ok() -> None:
    portal = LinkConnection(role="portal")
    game = LinkConnection(role="game")
    assert not portal.handshake_done
    assert portal.peer_version is None
    assert portal.receive(game.hello()) == []
    assert portal.handshake_done
    assert portal.peer_version == PROTOCOL_VERSION
    assert portal.failure is None
    assert not game.handshake_done


def test_hello_frame_shape() -> None:
    data = LinkConnection(role="game").hello()
    assert msgpack.unpackb(data[4:], raw=False) == ["hello", [PROTOCOL_VERSION, "game"], {}]


def test_hello_and_messages_in_one_chunk() -> None:
    portal = LinkConnection(role="portal")
    game = LinkConnection(role="game")
    sent = [Message("a"), Message("b", (1,), {})]
    assert portal.receive(game.hello() + game.send(sent[0]) + game.send(sent[1])) == sent


def test_version_mismatch() -> None:
    portal = LinkConnection(role="portal")
    events = portal.receive(packed(["hello", [PROTOCOL_VERSION + 1, "game"], {}]))
    assert len(events) == 1
    mismatch = events[0]
    assert isinstance(mismatch, VersionMismatch)
    assert isinstance(mismatch, HandshakeError)
    assert mismatch.peer_version == PROTOCOL_VERSION + 1
    assert mismatch.local_version == PROTOCOL_VERSION
    assert portal.failure is mismatch
    assert not portal.handshake_done
    # Everything after a failed handshake is ignored: the glue closes the transport.
    assert portal.receive(packed(["text", ["x"], {}])) == []


def test_version_mismatch_wins_over_an_unknown_hello_shape() -> None:
    portal = LinkConnection(role="portal")
    (event,) = portal.receive(packed(["hello", [99, {"features": []}, "more"], {}]))
    assert isinstance(event, VersionMismatch)


@pytest.mark.parametrize(
    "first",
    [
        packed(["text", ["look"], {}]),
        packed(["hello", [], {}]),
        packed(["hello", ["1", "game"], {}]),
        packed(["hello", [True, "game"], {}]),
        packed(["hello", [PROTOCOL_VERSION], {}]),
        packed(["hello", [PROTOCOL_VERSION, "game", "extra"], {}]),
        packed(["hello", [PROTOCOL_VERSION, "portal"], {}]),
        frame(b"\xc1"),
        b"GET / HTTP/1.1\r\n\r\n",
    ],
    ids=[
        "not-hello",
        "no-args",
        "str-version",
        "bool-version",
        "no-role",
        "extra-arg",
        "same-role",
        "malformed",
        "http",
    ],
)
def test_first_frame_must_be_a_compatible_hello(first: bytes) -> None:
    portal = LinkConnection(role="portal")
    game = LinkConnection(role="game")
    events = portal.receive(first + game.hello())
    assert len(events) == 1
    assert isinstance(events[0], HandshakeError)
    assert not isinstance(events[0], VersionMismatch)
    assert not portal.handshake_done
    assert portal.statistics().buffered_bytes == 0


def test_game_rejects_hello_from_a_game() -> None:
    game = LinkConnection(role="game")
    (event,) = game.receive(LinkConnection(role="game").hello())
    assert isinstance(event, HandshakeError)
    assert "portal" in event.reason


def test_hello_twice_and_send_before_hello_are_errors() -> None:
    game = LinkConnection(role="game")
    with pytest.raises(RuntimeError, match="hello"):
        game.send(Message("early"))
    game.hello()
    with pytest.raises(RuntimeError, match="already"):
        game.hello()


# --- send validation ---------------------------------------------------------------------------


def unchecked(name: Any, args: Any, kwargs: Any) -> Message:
    """Build a Message from values the type checker would rightly refuse."""
    return Message(name, args, kwargs)


@pytest.mark.parametrize(
    ("message", "path"),
    [
        (unchecked("t", (), {"x": [1, 2, {3}]}), "kwargs['x'][2]"),
        (unchecked("t", ("ok", b"raw"), {}), "args[1]"),
        (unchecked("t", (), {"x": {"fine": [{1: "a"}]}}), "kwargs['x']['fine'][0]"),
        (unchecked("t", ({"a": ("tu", "ple")},), {}), "args[0]['a']"),
        (unchecked("t", (), {"cb": object()}), "kwargs['cb']"),
        (unchecked("t", (), {"f": len}), "kwargs['f']"),
        (unchecked("t", (), {3: "x"}), "kwargs"),
        (unchecked("t", (frozenset(),), {}), "args[0]"),
    ],
)
def test_send_names_the_path_of_a_value_that_is_not_json_safe(message: Message, path: str) -> None:
    _, game = linked()
    before = game.statistics()
    with pytest.raises(TypeError) as caught:
        game.send(message)
    assert f"{path} " in str(caught.value)
    assert game.statistics() == before


def test_send_type_error_names_the_type() -> None:
    _, game = linked()
    with pytest.raises(TypeError, match=r"kwargs\['x'\]\[2\] holds \{3\} \(a set\)"):
        game.send(unchecked("t", (), {"x": [1, 2, {3}]}))
    with pytest.raises(TypeError, match=r"kwargs\['x'\] has a key 5 of type int"):
        game.send(unchecked("t", (), {"x": {5: 1}}))


@pytest.mark.parametrize(
    "message",
    [
        Message(7),  # type: ignore[arg-type]
        Message("t", ["not", "a", "tuple"]),  # type: ignore[arg-type]
        Message("t", (), [("k", 1)]),  # type: ignore[arg-type]
        "text",
    ],
)
def test_send_rejects_a_message_of_the_wrong_shape(message: Message) -> None:
    _, game = linked()
    with pytest.raises(TypeError):
        game.send(message)


def test_send_accepts_subclasses_of_json_types() -> None:
    import enum
    from collections import OrderedDict

    class Colour(enum.StrEnum):
        RED = "red"

    class Level(enum.IntEnum):
        HIGH = 3

    portal, game = linked()
    message = Message("t", (Colour.RED, Level.HIGH), {"d": OrderedDict(a=1)})
    (received,) = only_messages(portal.receive(game.send(message)))
    assert received == Message("t", ("red", 3), {"d": {"a": 1}})
    assert type(received.args[0]) is str
    assert type(received.args[1]) is int


@pytest.mark.parametrize("name", ["", "hello"])
def test_send_rejects_empty_and_reserved_names(name: str) -> None:
    _, game = linked()
    with pytest.raises(ValueError, match="reserved"):
        game.send(Message(name))


def test_send_rejects_values_nested_too_deeply() -> None:
    _, game = linked()
    with pytest.raises(ValueError, match=f"nests deeper than {MAX_NESTING}") as caught:
        game.send(Message("t", (_make_deep(),), {}))
    assert "args[0][0]" in str(caught.value)
    assert not isinstance(caught.value, TypeError)


def test_send_rejects_a_frame_over_the_limit() -> None:
    _, game = linked(max_frame_bytes=100)
    before = game.statistics()
    with pytest.raises(ValueError, match="over the limit of 100"):
        game.send(Message("t", ("x" * 200,), {}))
    assert game.statistics() == before
    game.send(Message("t", ("x" * 20,), {}))


# --- construction and statistics ---------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"role": "server"},
        {"role": "portal", "max_frame_bytes": 0},
        {"role": "portal", "max_frame_bytes": 2**32},
    ],
)
def test_constructor_validates(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"role|max_frame_bytes"):
        LinkConnection(**options)


def test_statistics_count_frames_and_bytes() -> None:
    portal, game = linked()
    sent = game.send(Message("a", ("x",), {}))
    portal.receive(sent + MALFORMED["int name"] + sent[:3])
    stats = portal.statistics()
    hello_size = len(LinkConnection(role="game").hello())
    assert stats.frames_in == 3  # hello, a, the malformed one
    assert stats.malformed == 1
    assert stats.bytes_in == hello_size + len(sent) + len(MALFORMED["int name"]) + 3
    assert stats.buffered_bytes == 3
    assert game.statistics().frames_out == 2
    assert game.statistics().bytes_out == hello_size + len(sent)


def test_message_is_frozen() -> None:
    message = Message("t")
    with pytest.raises(AttributeError):
        message.name = "u"  # type: ignore[misc]
