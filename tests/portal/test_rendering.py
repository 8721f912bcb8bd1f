"""The portal's rendering of game text: per colour depth, for the web, cached across recipients."""

from __future__ import annotations

from ember.portal.rendering import CACHE_ENTRIES, CACHE_TEXT_CHARS, TextRenderer


def test_each_depth_gets_its_own_rendering() -> None:
    renderer = TextRenderer()
    text = "|rred|n |500deep|n ||bar |gopen\n"
    assert renderer.telnet(text, 0) == "red deep |bar open\n"
    assert renderer.telnet(text, 16) == (
        "\x1b[31mred\x1b[0m \x1b[91mdeep\x1b[0m |bar \x1b[32mopen\x1b[0m\n"
    )
    assert renderer.telnet(text, 256) == (
        "\x1b[31mred\x1b[0m \x1b[38;5;196mdeep\x1b[0m |bar \x1b[32mopen\x1b[0m\n"
    )


def test_open_markup_is_reset_before_the_final_line_break() -> None:
    assert TextRenderer().telnet("|[bblue ground\n", 16) == "\x1b[44mblue ground\x1b[0m\n"


def test_raw_escapes_in_game_text_never_reach_a_client() -> None:
    renderer = TextRenderer()
    text = "\x1b[2Jwiped\x07"
    for colours in (0, 16, 256):
        assert "\x1b" not in renderer.telnet(text, colours)
        assert renderer.telnet(text, colours) == "\ufffd[2Jwiped\ufffd"
    plain, spans = renderer.web(text)
    assert plain == "\ufffd[2Jwiped\ufffd" and spans is None


def test_the_web_gets_plain_text_and_runs_only_when_styled() -> None:
    renderer = TextRenderer()
    assert renderer.web("no colour here") == ("no colour here", None)
    plain, spans = renderer.web("|h|Rhot|n and cold")
    assert plain == "hot and cold"
    assert spans == [["hot", {"fg": 9, "bold": True}], [" and cold", {}]]


def test_a_message_for_many_sessions_is_rendered_once_per_depth() -> None:
    renderer = TextRenderer()
    for _ in range(49):  # a say reaching 49 players: new str objects each time, as from the link
        for colours in (0, 256):
            renderer.telnet("".join(["|g", "Ann says, hi"]), colours)
        renderer.web("".join(["|g", "Ann says, hi"]))
    assert renderer.renders == 3
    assert renderer.hits == 49 * 3 - 3


def test_the_cache_stays_bounded() -> None:
    renderer = TextRenderer()
    for number in range(CACHE_ENTRIES * 3):
        renderer.telnet(f"|rline {number}", 16)
    assert len(renderer._cache) <= CACHE_ENTRIES
    long = "|r" + "x" * CACHE_TEXT_CHARS
    renderer.telnet(long, 16)
    renderer.telnet(long, 16)
    assert all(len(key[0]) <= CACHE_TEXT_CHARS for key in renderer._cache)
