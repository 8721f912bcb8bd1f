"""Option negotiation state per option and side, kept with RFC 1143's Q method so it never loops."""

from __future__ import annotations

import enum
from collections.abc import Set
from dataclasses import dataclass

from ._constants import DO, DONT, IAC, WILL, WONT, Option

__all__ = ["NegotiationOutcome", "OptionTable"]


class _Q(enum.Enum):
    NO = enum.auto()
    YES = enum.auto()
    WANTNO = enum.auto()
    WANTYES = enum.auto()


@dataclass(slots=True)
class _Side:
    """One side of one option: its Q state, the one-bit queue, and unacknowledged WONTs."""

    state: _Q = _Q.NO
    opposite: bool = False
    unacked: int = 0


@dataclass(frozen=True, slots=True)
class NegotiationOutcome:
    """What a received WILL/WONT/DO/DONT led to.

    ``reply`` is the bytes to send back (possibly empty); ``enabled`` is ``True`` or ``False``
    when the option came into or went out of effect, ``None`` when that did not change;
    ``error`` describes a peer that broke the protocol.
    """

    option: int
    local: bool
    reply: bytes
    enabled: bool | None
    error: str | None = None


class OptionTable:
    """The negotiation state of every option, both for Ember's side and the peer's.

    "Local" options are those Ember performs (the peer says DO/DONT, Ember says WILL/WONT);
    "remote" options are those the peer performs (WILL/WONT from it, DO/DONT from Ember).
    Requests the peer makes unasked are accepted only for codes in ``accept_local`` /
    ``accept_remote``; an option Ember asked for is accepted whatever those sets say. Because
    each side follows the Q method, a request is never answered twice and two peers can never
    bounce WILL/DO at each other forever.

    One refinement on the local side: when Ember says WONT it stops performing the option at
    once instead of waiting in WANTNO for the DONT. The expected DONTs are counted and
    swallowed when they arrive. Some clients never acknowledge a WONT (TinTin++ 2.02 skips
    its DONT ECHO), and with plain RFC 1143 the next WILL ECHO would then wait forever, so a
    second password prompt would show the typing.
    """

    def __init__(self, *, accept_local: Set[int], accept_remote: Set[int]) -> None:
        self._accept_local = frozenset(accept_local)
        self._accept_remote = frozenset(accept_remote)
        self._local: dict[int, _Side] = {}
        self._remote: dict[int, _Side] = {}

    def enabled(self, option: int, *, local: bool) -> bool:
        """Whether ``option`` is in effect now on the given side."""
        side = (self._local if local else self._remote).get(option)
        return side is not None and side.state is _Q.YES

    def request(self, option: int, *, local: bool, enable: bool) -> bytes:
        """Ask to turn ``option`` on or off and return the bytes to send (maybe none).

        Asking for what is already in effect or already asked for sends nothing; asking for
        the opposite while an answer is pending is queued and sent once that answer arrives.
        """
        side = self._side(option, local)
        state = side.state
        if enable:
            if state is _Q.NO:
                side.state = _Q.WANTYES
                return _command(WILL if local else DO, option)
            if state is _Q.WANTNO:
                side.opposite = True
            elif state is _Q.WANTYES:
                side.opposite = False
        else:
            if state is _Q.YES:
                return self._withdraw(side, option) if local else self._refuse(side, option)
            if state is _Q.WANTNO:
                side.opposite = False
            elif state is _Q.WANTYES:
                side.opposite = True
        return b""

    def receive(self, verb: int, option: int) -> NegotiationOutcome:
        """Apply the peer's ``IAC <verb> <option>`` and say what to answer and what changed."""
        local = verb in (DO, DONT)
        side = self._side(option, local)
        was_enabled = side.state is _Q.YES
        error: str | None = None
        if verb in (WILL, DO):
            reply, error = self._receive_yes(side, option, local)
        elif local:
            reply = self._receive_dont(side, option)
        else:
            reply = self._receive_wont(side, option)
        now_enabled = side.state is _Q.YES
        changed = now_enabled if now_enabled != was_enabled else None
        return NegotiationOutcome(Option.lookup(option), local, reply, changed, error)

    def _receive_yes(self, side: _Side, option: int, local: bool) -> tuple[bytes, str | None]:
        yes = _command(WILL if local else DO, option)
        state = side.state
        if state is _Q.NO:
            accepted = self._accept_local if local else self._accept_remote
            if option in accepted:
                side.state = _Q.YES
                return yes, None
            return _command(WONT if local else DONT, option), None
        if state is _Q.WANTNO:
            # The peer answered our refusal with consent; RFC 1143 settles it without a reply.
            side.state = _Q.YES if side.opposite else _Q.NO
            side.opposite = False
            name = _name(option)
            return b"", f"DONT {name} answered by WILL {name}"
        if state is _Q.WANTYES:
            if side.opposite:
                side.opposite = False
                if local:
                    return self._withdraw(side, option), None
                return self._refuse(side, option), None
            side.state = _Q.YES
        return b"", None

    @staticmethod
    def _receive_dont(side: _Side, option: int) -> bytes:
        state = side.state
        if state is _Q.YES:
            # A conforming peer's acknowledgements all arrive before it agrees again, so a
            # DONT now is a real demand; any count left belongs to a peer that never acks.
            side.unacked = 0
            side.state = _Q.NO
            return _command(WONT, option)
        if side.unacked:
            side.unacked -= 1  # the acknowledgement of an earlier WONT
        elif state is _Q.WANTYES:
            side.state = _Q.NO
            side.opposite = False
        return b""

    @staticmethod
    def _receive_wont(side: _Side, option: int) -> bytes:
        state = side.state
        if state is _Q.YES:
            side.state = _Q.NO
            return _command(DONT, option)
        if state is _Q.WANTNO:
            if side.opposite:
                side.state = _Q.WANTYES
                side.opposite = False
                return _command(DO, option)
            side.state = _Q.NO
        elif state is _Q.WANTYES:
            side.state = _Q.NO
            side.opposite = False
        return b""

    @staticmethod
    def _withdraw(side: _Side, option: int) -> bytes:
        side.state = _Q.NO
        side.unacked += 1
        return _command(WONT, option)

    @staticmethod
    def _refuse(side: _Side, option: int) -> bytes:
        side.state = _Q.WANTNO
        return _command(DONT, option)

    def _side(self, option: int, local: bool) -> _Side:
        table = self._local if local else self._remote
        side = table.get(option)
        if side is None:
            side = table[option] = _Side()
        return side


def _command(verb: int, option: int) -> bytes:
    return bytes((IAC, verb, option))


def _name(option: int) -> str:
    known = Option.lookup(option)
    return known.name if isinstance(known, Option) else str(option)
