"""Colour markup: the parser, each renderer, and bad input (never raises, never bleeds)."""

from __future__ import annotations

import json
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.text import (
    PLAIN,
    ColourSupport,
    Segment,
    Style,
    escape_markup,
    nearest_16,
    parse_markup,
    render_ansi,
    render_html,
    render_plain,
    render_spans,
    strip_markup,
    xterm_rgb,
)

ESC = "\x1b"
SGR = re.compile(r"\x1b\[[0-9;]*m")


# -- the code table ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "index"),
    [("x", 0), ("r", 1), ("g", 2), ("y", 3), ("b", 4), ("m", 5), ("c", 6), ("w", 7)],
)
def test_letters_are_the_eight_colours_and_capitals_the_bright_ones(code: str, index: int) -> None:
    assert parse_markup(f"|{code}a") == [Segment("a", Style(fg=index))]
    assert parse_markup(f"|{code.upper()}a") == [Segment("a", Style(fg=index + 8))]
    assert parse_markup(f"|[{code}a") == [Segment("a", Style(bg=index))]
    assert parse_markup(f"|[{code.upper()}a") == [Segment("a", Style(bg=index + 8))]


def test_xterm_cube_and_grey_codes() -> None:
    assert parse_markup("|500a")[0].style == Style(fg=196)
    assert parse_markup("|000a")[0].style == Style(fg=16)
    assert parse_markup("|555a")[0].style == Style(fg=231)
    assert parse_markup("|[025a")[0].style == Style(bg=16 + 2 * 6 + 5)
    assert parse_markup("|=aa")[0].style == Style(fg=232)
    assert parse_markup("|=xa")[0].style == Style(fg=255)
    assert parse_markup("|[=ma")[0].style == Style(bg=244)


def test_bold_underline_and_reset_combine_with_colours() -> None:
    assert parse_markup("|h|u|r|[ba|nb") == [
        Segment("a", Style(fg=1, bg=4, bold=True, underline=True)),
        Segment("b", PLAIN),
    ]


def test_double_bar_is_a_literal_bar() -> None:
    assert render_plain("a||b") == "a|b"
    assert render_plain("||r") == "|r"  # the escaped bar does not start a code
    assert render_plain("|||r x") == "| x"


@pytest.mark.parametrize(
    "typed", ["|q", "|", "a|", "|5", "|55", "|556", "|[", "|[q", "|[55", "|=", "|=z", "|[=y", "| r"]
)
def test_unknown_codes_stay_as_typed(typed: str) -> None:
    assert render_plain(typed) == typed
    assert render_ansi(typed) == typed


def test_adjacent_runs_of_the_same_style_are_one_segment() -> None:
    assert parse_markup("|rx|g|ry|r|nz") == [Segment("xy", Style(fg=1)), Segment("z", PLAIN)]


def test_control_characters_become_visible_replacements() -> None:
    assert render_plain("a\x1b[31mb\x07\tc\r\n") == "a\ufffd[31mb\ufffd\tc\r\n"
    assert render_ansi("\x1b[2J|rred") == "\ufffd[2J\x1b[31mred\x1b[0m"  # only Ember's escapes


def test_not_a_str_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="markup must be a str"):
        parse_markup(b"|r")  # type: ignore[arg-type]


# -- renderers ---------------------------------------------------------------------------------


def test_ansi_16_uses_the_basic_and_bright_sgr_codes() -> None:
    assert render_ansi("|rred|n plain") == "\x1b[31mred\x1b[0m plain"
    assert render_ansi("|R|[Bx") == "\x1b[91;104mx\x1b[0m"
    assert render_ansi("|hbold|uboth") == "\x1b[1mbold\x1b[0;1;4mboth\x1b[0m"


def test_ansi_16_downgrades_256_colours_to_the_nearest() -> None:
    assert render_ansi("|500x", 16) == "\x1b[91mx\x1b[0m"  # pure red -> bright red
    assert render_ansi("|[005x", 16) == "\x1b[44mx\x1b[0m"  # pure blue -> xterm's blue
    assert render_ansi("|=ax", 16) == "\x1b[30mx\x1b[0m"  # near black -> black
    assert nearest_16(231) == 15 and nearest_16(3) == 3
    assert all(0 <= nearest_16(index) < 16 for index in range(256))


def test_ansi_256_keeps_the_xterm_index() -> None:
    assert render_ansi("|500x|[=bz", 256) == "\x1b[38;5;196mx\x1b[0;38;5;196;48;5;233mz\x1b[0m"
    assert render_ansi("|rx", ColourSupport.XTERM256) == "\x1b[31mx\x1b[0m"


def test_no_colour_renders_plain() -> None:
    assert render_ansi("|rred|n", 0) == "red"
    assert strip_markup("|[500|hloud||") == "loud|"


def test_markup_that_never_closes_is_reset_at_the_end() -> None:
    first = render_ansi("|rdanger")
    assert first.endswith("\x1b[0m")
    assert render_ansi("next line") == "next line"  # each message starts plain


def test_html_escapes_text_and_uses_classes() -> None:
    rendered = render_html("<b>|R&'\"|n|[005x|h|uy")
    assert rendered == (
        '&lt;b&gt;<span class="fg-9">&amp;&#x27;&quot;</span>'
        '<span class="bg-21">x</span><span class="bg-21 bold underline">y</span>'
    )


def test_html_cannot_be_injected_through_markup() -> None:
    rendered = render_html('|r<script>alert("x")</script>')
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered


def test_spans_are_json_safe_pairs() -> None:
    spans = render_spans("|rred|n |500|hx")
    assert spans == [["red", {"fg": 1}], [" ", {}], ["x", {"fg": 196, "bold": True}]]
    assert json.loads(json.dumps(spans)) == spans


def test_xterm_palette() -> None:
    assert xterm_rgb(196) == (255, 0, 0)
    assert xterm_rgb(16) == (0, 0, 0)
    assert xterm_rgb(255) == (238, 238, 238)
    with pytest.raises(ValueError, match="outside 0-255"):
        xterm_rgb(256)


# -- properties --------------------------------------------------------------------------------

CODES = [f"|{c}" for c in "rgybmcwxRGYBMCWXnhu"] + ["||", "|", "|[", "|=", "|500", "|[r", "|=c"]
MARKUP = st.lists(st.one_of(st.sampled_from(CODES), st.text(max_size=8)), max_size=40).map("".join)


@settings(max_examples=300)
@given(MARKUP)
def test_random_input_never_raises_and_plain_has_no_escape(text: str) -> None:
    assert ESC not in render_plain(text)
    for depth in (16, 256):
        assert ESC not in SGR.sub("", render_ansi(text, depth))  # every ESC starts an SGR
    render_html(text)
    render_spans(text)


@settings(max_examples=300)
@given(MARKUP, st.sampled_from([16, 256]))
def test_ansi_ends_reset_whenever_it_set_a_style(text: str, depth: int) -> None:
    rendered = render_ansi(text, depth)
    codes = SGR.findall(rendered)
    if codes:  # the last escape is a reset: nothing is left switched on
        assert codes[-1] == "\x1b[0m"
    assert SGR.sub("", rendered) == render_plain(text)


@settings(max_examples=300)
@given(st.text())
def test_escaped_text_renders_exactly_as_typed(text: str) -> None:
    clean = text.translate({c: None for c in range(0x20) if chr(c) not in "\t\n\r"})
    clean = clean.translate({c: None for c in range(0x7F, 0xA0)})
    assert render_plain(escape_markup(clean)) == clean
    assert render_ansi(escape_markup(clean)) == clean


@settings(max_examples=200)
@given(MARKUP)
def test_output_length_is_linear_in_the_input(text: str) -> None:
    # the longest escape Ember writes per code is "\x1b[0;1;4;38;5;NNN;48;5;NNNm" (29)
    assert len(render_ansi(text, 256)) <= 15 * len(text) + 4
    assert len(render_html(text)) <= 60 * len(text) + 1


def test_100_kb_of_codes_renders_in_linear_time() -> None:
    def cost(size: int) -> float:
        text = ("|r|[b|500x|n|||q" * size)[: size * 16]
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            render_ansi(text, 256)
            render_html(text)
            best = min(best, time.perf_counter() - start)
        return best

    small, large = cost(640), cost(6400)  # 10 KB and 100 KB of markup
    assert len("|r|[b|500x|n|||q" * 6400) >= 100_000
    # linear is 10x; quadratic would be 100x. Generous for a busy machine.
    assert large < small * 40 + 0.05
