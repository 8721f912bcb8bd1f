"""The portal's side of a ``multicast`` (issue 14, room broadcasts): malformed ones are
refused with a clear error, sessions gone since the game sent it are skipped. Rendering per
client and ordering are shown end to end in tests/web/test_web_multicast.py."""

from __future__ import annotations

import pytest

from ember.portal.game_link import apply_multicast
from ember.portal.rendering import TextRenderer


def test_a_multicast_without_a_list_of_sessions_is_refused() -> None:
    with pytest.raises(TypeError, match="multicast sids must be a list, not int"):
        apply_multicast({}, 3, "hello\n", TextRenderer())


def test_sessions_that_are_gone_are_skipped() -> None:
    renderer = TextRenderer()
    assert apply_multicast({}, [1, 2, "x", None], "|rhello|n\n", renderer) == 0
    assert renderer.renders == 0  # nothing rendered for nobody
