"""Which clients redraw a progress line in place, from their TTYPE names (and MTTS bits)."""

from __future__ import annotations

import pytest

from ember.portal.telnet import redraws_lines


@pytest.mark.parametrize(
    "names",
    [
        ("XTERM-256COLOR",),  # telnet in a terminal sends its TERM
        ("xterm",),
        ("VT100",),
        ("SCREEN-256COLOR",),
        ("TMUX-256COLOR", "MTTS 15"),
        ("LINUX",),
    ],
)
def test_terminals_redraw(names: tuple[str, ...]) -> None:
    assert redraws_lines(names)


@pytest.mark.parametrize(
    "names",
    [
        (),  # TTYPE refused or not answered yet
        ("TINTIN++", "XTERM-256COLOR", "MTTS 2825"),  # a MUD client's name comes first
        ("MUDLET", "ANSI-TRUECOLOR", "MTTS 2317"),
        ("MUSHCLIENT", "ANSI", "MTTS 9"),
        ("SOME-NEW-MUD-CLIENT", "VT100", "MTTS 3"),  # VT100 bit, but a MUD client all the same
        ("ANSI",),  # old MUD clients send only this
        ("XTERM", "XTERM", "MTTS 79"),  # a screen reader (bit 64): whole lines read better
        ("XTERMINATOR",),  # only the names themselves or NAME-variant count
    ],
)
def test_mud_clients_and_unknown_ones_get_whole_lines(names: tuple[str, ...]) -> None:
    assert not redraws_lines(names)
