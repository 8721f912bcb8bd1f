"""``msg(text, keep=True)`` bounds: the count, the length of one text, the attribute limit."""

from __future__ import annotations

from pathlib import Path

from gamekit import FAST, running_game

from ember.game._kept import KEPT_ATTRIBUTE, KEPT_TEXT_MAX


async def test_kept_messages_stay_within_their_bounds(tmp_path: Path) -> None:
    settings = FAST.with_overrides(kept_messages_max=10, world_max_attribute_bytes=6_000)
    async with running_game(tmp_path, settings) as game:
        await game.login(1, "Ann")
        ann = game.character("Ann")
        ann.msg("not kept while she plays", keep=True)  # someone plays: delivered, not kept
        assert ann.get_attribute(KEPT_ATTRIBUTE) is None
        await game.portal.line(1, "quit")
        await game.portal.expect_named("close")
        await game.portal.send("disconnect", 1, reason="closed")

        ann.msg("x" * 50_000, keep=True)  # one huge message: cut
        kept = ann.get_attribute(KEPT_ATTRIBUTE)
        assert len(kept) == 1 and len(kept[0][1]) == KEPT_TEXT_MAX
        assert kept[0][1].endswith("[...]")
        # Three texts of 2,000 characters pass the 6,000-byte attribute limit: the oldest go.
        for letter in "abc":
            ann.msg(letter * 1_990, keep=True)
        kept = ann.get_attribute(KEPT_ATTRIBUTE)
        assert [entry[1][0] for entry in kept] == ["b", "c"]
        for number in range(30):
            ann.msg(f"note {number}", keep=True)
        kept = ann.get_attribute(KEPT_ATTRIBUTE)
        assert [entry[1] for entry in kept] == [f"note {n}" for n in range(20, 30)]

        await game.login(2, "Ann", new=False)
        text = await game.portal.expect(2, "While you were away:")
        assert "note 20" in text and "note 29" in text and "note 19" not in text
        assert ann.get_attribute(KEPT_ATTRIBUTE) is None
