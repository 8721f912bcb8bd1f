"""The one text rule for what players type (ember.portal.input_text)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ember.portal.input_text import FORBIDDEN, clean_input

BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]


def test_every_forbidden_code_point_is_listed() -> None:
    assert set(range(0x20)) - {0x09} <= FORBIDDEN  # C0 (TAB is turned into a space)
    assert 0x7F in FORBIDDEN and set(range(0x80, 0xA0)) <= FORBIDDEN  # DEL, C1
    assert set(BIDI) <= FORBIDDEN
    assert not {0x20, 0xA0, 0x200B, 0x2028, ord("é"), ord("ü"), 0x1F600} & FORBIDDEN


def test_hostile_lines_lose_their_controls_and_keep_their_text() -> None:
    assert clean_input("say \x1b[2Jhi\u202e!\x9b31m") == "say [2Jhi!31m"
    assert clean_input("\x1b]0;title\x07x") == "]0;titlex"
    assert clean_input("a\tb") == "a b"
    assert clean_input("ünï \u00a0cödé 😀") == "ünï \u00a0cödé 😀"
    assert clean_input("\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u061c\u200e\u200f") == ""
    assert clean_input("look") == "look"


@given(st.text())
def test_nothing_forbidden_survives_and_everything_else_stays_in_order(text: str) -> None:
    cleaned = clean_input(text)
    assert not {ord(char) for char in cleaned} & FORBIDDEN
    expected = "".join(
        " " if char == "\t" else char for char in text if char == "\t" or ord(char) not in FORBIDDEN
    )
    assert cleaned == expected
    assert clean_input(cleaned) == cleaned  # applying the rule twice changes nothing
