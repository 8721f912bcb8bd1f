"""Messages kept for a character nobody plays: ``obj.msg(text, keep=True)``.

When no session plays the character, the text goes into its ``kept_messages`` attribute
(stored with the world, so it outlives reloads, stops and crashes like any attribute), the
newest ``KEPT_MESSAGES_MAX`` of them. The next time a session starts playing it, they are
shown under "While you were away:" and cleared. Without ``keep=True`` a message to a
character nobody plays is dropped, as before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ember.world import AttributeTooLargeError, GameObject

if TYPE_CHECKING:
    from ember.game.sessions import Session

__all__ = ["KEPT_ATTRIBUTE", "KEPT_TEXT_MAX", "keep_message", "show_kept"]

log = logging.getLogger("ember.game")

#: The attribute holding the kept messages: a list of ``[wall time, text]``, oldest first.
KEPT_ATTRIBUTE = "kept_messages"
#: A kept message longer than this is cut (with a mark), so one message cannot fill the list.
KEPT_TEXT_MAX = 2000


def keep_message(
    target: GameObject, text: str, limit: int, wall: Callable[[], float] = time.time
) -> None:
    """Add ``text`` to ``target``'s kept messages, dropping the oldest beyond ``limit``."""
    if len(text) > KEPT_TEXT_MAX:
        text = text[: KEPT_TEXT_MAX - 5] + "[...]"
    kept = target.get_attribute(KEPT_ATTRIBUTE)
    if not isinstance(kept, list):
        kept = []
    kept = [*kept, [round(wall(), 3), text]][-limit:]
    while kept:
        try:
            target.set_attribute(KEPT_ATTRIBUTE, kept)
            return
        except AttributeTooLargeError:
            kept = kept[1:]  # over the world's attribute limit: the oldest give way
    log.warning("a kept message for %r does not fit the attribute limit; dropped", target)


def show_kept(character: GameObject, session: Session) -> int:
    """Show ``character``'s kept messages on ``session`` and clear them; return how many."""
    kept = character.get_attribute(KEPT_ATTRIBUTE)
    if not kept:
        return 0
    character.delete_attribute(KEPT_ATTRIBUTE)
    lines = []
    for entry in kept if isinstance(kept, list) else ():
        if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], str):
            stamp = time.strftime("%Y-%m-%d %H:%M", time.gmtime(float(entry[0])))
            lines.append(f"  [{stamp}] {entry[1]}")
    if lines:
        session.msg("While you were away:\n" + "\n".join(lines))
    return len(lines)
