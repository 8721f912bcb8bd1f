"""Reading the stored journal of durable flows back in, cheaply for many flows at once.

Resuming after a reload decodes every flow's arguments and the outcomes of its complete
steps. Parsing each JSON text on its own costs one ``json.loads`` call per text, which for
thousands of flows is most of the decoding; here all of them are parsed in one call instead.
A damaged text could run into its neighbours in the joined text, so the result is checked
against the rows' shape, and any doubt gives None: the flows are then decoded one by one,
exactly as before (a damaged flow stops with its own message, the others go on).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ember.scheduling._journal import FlowRow, StepRow

__all__ = ["KINDS", "Parsed", "check_steps", "parse_all"]

KINDS = frozenset(("pause", "ask", "job", "random", "now"))

#: One flow's parsed arguments (a list and a dict when undamaged) and the parsed outcomes of
#: its complete steps (None where they could not be parsed together: parsed step by step).
Parsed = tuple[Any, Any, list[Any] | None]


def parse_all(
    flows: Sequence[FlowRow], steps: dict[str, list[StepRow]]
) -> dict[str, Parsed] | None:
    """Parse every flow's arguments and step outcomes in one ``json.loads``; None if some
    text is damaged (or not text), so that the caller decodes flow by flow."""
    parts: list[str] = []
    counts: list[int] = []
    try:
        for row in flows:
            if type(row[2]) is not str or type(row[3]) is not str:
                return None  # as damaged: json.loads of each says what is wrong with it
            texts = [step[4] for step in steps.get(row[0], ())]
            # As DurableRun parses them: only when no step but the last lacks its outcome.
            done = [text for text in texts if text is not None]
            if None in texts[:-1]:
                counts.append(-1)
                parts.append(f"[{row[2]},{row[3]},null]")
            else:
                counts.append(len(done))
                parts.append(f"[{row[2]},{row[3]},[{','.join(done)}]]")
        parsed = json.loads(f"[{','.join(parts)}]")
    except (TypeError, ValueError):
        return None
    if not isinstance(parsed, list) or len(parsed) != len(flows):
        return None
    result: dict[str, Parsed] = {}
    for row, count, entry in zip(flows, counts, parsed, strict=True):
        if not (isinstance(entry, list) and len(entry) == 3):
            return None
        outcomes = entry[2]
        if count < 0:
            if outcomes is not None:
                return None
        elif not (isinstance(outcomes, list) and len(outcomes) == count):
            return None
        result[row[0]] = (entry[0], entry[1], outcomes)
    return result


def check_steps(steps: list[StepRow]) -> None:
    """``ValueError`` naming what is wrong with a flow's stored steps."""
    for index, step in enumerate(steps):
        _, seq, kind, key, value, until = step
        if seq != index:
            raise ValueError(f"step {index} is missing (found step {seq})")
        if kind not in KINDS or not isinstance(key, str):
            raise ValueError(f"step {seq} has the unknown kind {kind!r}")
        if value is None and (kind != "pause" or until is None or index != len(steps) - 1):
            raise ValueError(f"step {seq} ({kind}) has no outcome")
