"""Deciding a telnet client's colours from its TTYPE names and MTTS bits."""

from __future__ import annotations

import pytest

from ember.text import ColourSupport, colour_support


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["MUDLET", "XTERM-256COLOR", "MTTS 2825"], ColourSupport.XTERM256),
        (["TINTIN++", "XTERM", "MTTS 2825"], ColourSupport.XTERM256),  # 2825 has bit 8
        (["xterm-256color"], ColourSupport.XTERM256),
        (["screen-256color"], ColourSupport.XTERM256),
        (["Mudlet"], ColourSupport.XTERM256),
        (["xterm"], ColourSupport.ANSI16),
        (["ANSI"], ColourSupport.ANSI16),
        (["vt100"], ColourSupport.NONE),
        (["dumb"], ColourSupport.NONE),
        (["SOMECLIENT", "UNKNOWN"], ColourSupport.NONE),
        ([], ColourSupport.NONE),
    ],
)
def test_names(names: list[str], expected: ColourSupport) -> None:
    assert colour_support(names) is expected


@pytest.mark.parametrize(
    ("bits", "expected"),
    [
        (0, ColourSupport.NONE),
        (1, ColourSupport.ANSI16),
        (1 | 4, ColourSupport.ANSI16),  # 4 is UTF-8, not colour
        (1 | 8, ColourSupport.XTERM256),
        (8, ColourSupport.XTERM256),
        (1 | 256, ColourSupport.XTERM256),  # truecolor: markup has 256 at most
    ],
)
def test_mtts_bits(bits: int, expected: ColourSupport) -> None:
    assert colour_support(mtts=bits) is expected
    assert colour_support([f"MTTS {bits}"]) is expected


def test_mtts_is_the_clients_own_word_and_wins_over_names() -> None:
    # A Mudlet user who switched colour off sends MTTS without the ANSI bit.
    assert colour_support(["MUDLET", "XTERM-256COLOR", "MTTS 0"]) is ColourSupport.NONE
    assert colour_support(["XTERM-256COLOR"], mtts=1) is ColourSupport.ANSI16


def test_malformed_mtts_is_an_ordinary_unknown_name() -> None:
    assert colour_support(["MTTS lots", "xterm"]) is ColourSupport.ANSI16


def test_support_is_a_number_of_colours() -> None:
    assert int(colour_support(["xterm"])) == 16
    assert int(ColourSupport.NONE) == 0
