"""Tests of the RFC 1143 Q-method option table in ember.portal.telnet._options."""

from __future__ import annotations

import itertools

from ember.portal.telnet import DO, DONT, IAC, WILL, WONT, Option
from ember.portal.telnet._options import OptionTable


def cmd(verb: int, option: int) -> bytes:
    return bytes((IAC, verb, option))


def table() -> OptionTable:
    return OptionTable(accept_local={Option.GMCP}, accept_remote={Option.NAWS})


def test_unasked_request_is_accepted_only_when_listed() -> None:
    t = table()
    outcome = t.receive(DO, Option.GMCP)
    assert (outcome.reply, outcome.enabled, outcome.local) == (cmd(WILL, Option.GMCP), True, True)
    assert t.enabled(Option.GMCP, local=True)
    refused = t.receive(DO, Option.ECHO)
    assert (refused.reply, refused.enabled) == (cmd(WONT, Option.ECHO), None)
    assert t.receive(WILL, Option.NAWS).reply == cmd(DO, Option.NAWS)
    assert t.receive(WILL, 77).reply == cmd(DONT, 77)


def test_answer_to_our_request_is_not_answered_again() -> None:
    t = table()
    assert t.request(Option.ECHO, local=True, enable=True) == cmd(WILL, Option.ECHO)
    # Asking again while the answer is pending sends nothing.
    assert t.request(Option.ECHO, local=True, enable=True) == b""
    outcome = t.receive(DO, Option.ECHO)
    assert (outcome.reply, outcome.enabled) == (b"", True)
    # A repeated DO is ignored, never answered: this is what stops loops.
    assert t.receive(DO, Option.ECHO).reply == b""


def test_refusal_of_our_request() -> None:
    t = table()
    t.request(Option.TTYPE, local=False, enable=True)
    outcome = t.receive(WONT, Option.TTYPE)
    assert (outcome.reply, outcome.enabled) == (b"", None)
    assert not t.enabled(Option.TTYPE, local=False)


def test_peer_disabling_is_acknowledged_once() -> None:
    t = table()
    t.receive(WILL, Option.NAWS)
    outcome = t.receive(WONT, Option.NAWS)
    assert (outcome.reply, outcome.enabled) == (cmd(DONT, Option.NAWS), False)
    assert t.receive(WONT, Option.NAWS).reply == b""


def test_opposite_request_is_queued_until_the_answer() -> None:
    t = table()
    assert t.request(Option.ECHO, local=True, enable=True) == cmd(WILL, Option.ECHO)
    assert t.request(Option.ECHO, local=True, enable=False) == b""  # queued
    outcome = t.receive(DO, Option.ECHO)
    # The queued "off" goes out now, and the option never counted as enabled.
    assert (outcome.reply, outcome.enabled) == (cmd(WONT, Option.ECHO), None)
    assert t.receive(DONT, Option.ECHO).reply == b""
    assert not t.enabled(Option.ECHO, local=True)


def test_queued_then_cancelled_request() -> None:
    t = table()
    t.request(Option.ECHO, local=True, enable=True)
    t.request(Option.ECHO, local=True, enable=False)
    t.request(Option.ECHO, local=True, enable=True)  # cancels the queued "off"
    assert t.receive(DO, Option.ECHO).enabled is True


def test_remote_disable_then_reenable_is_queued() -> None:
    t = table()
    t.receive(WILL, Option.NAWS)
    assert t.request(Option.NAWS, local=False, enable=False) == cmd(DONT, Option.NAWS)
    assert t.request(Option.NAWS, local=False, enable=True) == b""  # waits for the WONT
    outcome = t.receive(WONT, Option.NAWS)
    assert (outcome.reply, outcome.enabled) == (cmd(DO, Option.NAWS), None)
    assert t.receive(WILL, Option.NAWS).enabled is True


def test_local_disable_takes_effect_at_once_and_the_ack_is_swallowed() -> None:
    t = table()
    t.receive(DO, Option.GMCP)
    assert t.request(Option.GMCP, local=True, enable=False) == cmd(WONT, Option.GMCP)
    assert not t.enabled(Option.GMCP, local=True)
    # Re-enabling does not wait for the DONT that acknowledges the WONT.
    assert t.request(Option.GMCP, local=True, enable=True) == cmd(WILL, Option.GMCP)
    ack = t.receive(DONT, Option.GMCP)
    assert (ack.reply, ack.enabled) == (b"", None)
    assert t.receive(DO, Option.GMCP).enabled is True


def test_client_that_never_acknowledges_wont_echo() -> None:
    """TinTin++ 2.02 skips DONT ECHO; every password prompt must still hide the typing."""
    t = table()
    for _ in range(3):
        assert t.request(Option.ECHO, local=True, enable=True) == cmd(WILL, Option.ECHO)
        assert t.receive(DO, Option.ECHO).enabled is True
        assert t.request(Option.ECHO, local=True, enable=False) == cmd(WONT, Option.ECHO)
        # ... and no DONT ECHO ever comes back.
    # A real DONT while enabled is still honoured despite the stale count.
    t.request(Option.ECHO, local=True, enable=True)
    t.receive(DO, Option.ECHO)
    outcome = t.receive(DONT, Option.ECHO)
    assert (outcome.reply, outcome.enabled) == (cmd(WONT, Option.ECHO), False)


def test_consent_to_a_refusal_is_a_protocol_error() -> None:
    t = table()
    t.receive(WILL, Option.NAWS)
    t.request(Option.NAWS, local=False, enable=False)
    outcome = t.receive(WILL, Option.NAWS)
    assert outcome.error == "DONT NAWS answered by WILL NAWS"
    assert outcome.reply == b""
    assert not t.enabled(Option.NAWS, local=False)


def test_unknown_options_are_reported_as_int() -> None:
    outcome = table().receive(WILL, 77)
    assert type(outcome.option) is int
    assert type(table().receive(WILL, Option.NAWS).option) is Option


def test_two_tables_never_loop() -> None:
    """Two peers that both accept everything, fed each other's answers, always go quiet."""
    every = set(range(256))
    verbs = (WILL, WONT, DO, DONT)
    for first, second in itertools.product(verbs, repeat=2):
        a = OptionTable(accept_local=every, accept_remote=every)
        b = OptionTable(accept_local=every, accept_remote=every)
        # Both sides speak at once, each with its own request.
        wire_ab = a.request(5, local=first in (WILL, WONT), enable=first in (WILL, DO))
        wire_ba = b.request(5, local=second in (WILL, WONT), enable=second in (WILL, DO))
        for _ in range(10):
            if not wire_ab and not wire_ba:
                break
            next_ba = b.receive(wire_ab[1], wire_ab[2]).reply if wire_ab else b""
            next_ab = a.receive(wire_ba[1], wire_ba[2]).reply if wire_ba else b""
            wire_ab, wire_ba = next_ab, next_ba
        else:
            raise AssertionError(f"negotiation looped for {first} / {second}")
        # Both ends agree on every side of option 5.
        assert a.enabled(5, local=True) == b.enabled(5, local=False)
        assert a.enabled(5, local=False) == b.enabled(5, local=True)
