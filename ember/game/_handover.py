"""The game's side of task writes left over by a reload or stop that reached its deadline.

A reload hands them to the portal in its ``reload`` message and the portal passes them to the
next game in ``sync`` (so they survive a full disk: nothing is written locally). A stop, which
has no next process, keeps them in ``server/unwritten-tasks.json``. Either way the next game
applies them before loading its tasks (:func:`ember.scheduling.apply_unwritten`); when even the
file cannot be written, every task id is logged as an error: reported, never dropped silently.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from ember.layout import write_atomic
from ember.scheduling import (
    UNWRITTEN_FILE,
    TaskStore,
    Unwritten,
    apply_unwritten,
    decode_unwritten,
    encode_unwritten,
    load_unwritten_file,
)

__all__ = ["hand_over", "take_over"]

log = logging.getLogger("ember.game")


def hand_over(game_dir: Path, unwritten: Unwritten, *, via_portal: bool) -> list[Any] | None:
    """Deal with writes the final flush could not make: return them for the portal's
    ``reload`` message (``via_portal``), else keep them in the file; None if there are none."""
    if not unwritten:
        return None
    encoded = encode_unwritten(unwritten)
    if via_portal:
        log.error(
            "the task store did not take the final flush in time; %d task writes are handed "
            "to the next game process through the portal",
            len(unwritten),
        )
        return encoded
    path = game_dir / UNWRITTEN_FILE
    try:
        previous = load_unwritten_file(game_dir)
        previous.update(unwritten)  # an earlier stop's writes, newer ones winning
        write_atomic(path, json.dumps(encode_unwritten(previous)))
    except (OSError, ValueError) as error:
        log.error(
            "the task store did not take the final flush in time and %s cannot be written "
            "(%s): these task writes are lost: %s",
            path,
            error,
            encoded,
        )
        return None
    log.error(
        "the task store did not take the final flush in time; %d task writes are kept in %s "
        "and written by the next start",
        len(unwritten),
        path,
    )
    return None


async def take_over(store: TaskStore, game_dir: Path, handed: Any) -> int:
    """Apply the file's writes, then the portal's (newer), before tasks are loaded; return
    how many were applied. The file is removed only once its writes are in the store."""
    writes = load_unwritten_file(game_dir)
    if handed:
        writes.update(decode_unwritten(handed))
    if not writes:
        return 0
    await apply_unwritten(store, writes)
    (game_dir / UNWRITTEN_FILE).unlink(missing_ok=True)
    log.info("wrote %d task writes a previous game process could not write", len(writes))
    return len(writes)
