"""Did-you-mean suggestions for a mistyped command word: close typos only, never lookalikes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ember.game.commands._command import CmdSet

__all__ = ["MAX_SUGGESTIONS", "suggest", "unknown_message"]

#: At most this many names are suggested, closest first.
MAX_SUGGESTIONS = 3
#: Words longer than this get no suggestion (no command name is that long, and comparing a
#: megabyte-long word with every name would hold the game loop up).
MAX_WORD = 40


def edit_distance(a: str, b: str) -> int:
    """Return the optimal-string-alignment distance of ``a`` and ``b``: insertions,
    deletions, substitutions and swaps of two neighbouring letters each count one."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def allowed_distance(word: str) -> int:
    """Return how many typing slips a word of this length may contain and still be matched:
    none for one letter, one up to five letters, two beyond (``tell`` is two edits from
    ``hello``: no match; ``sya`` is one swap from ``say``: a match)."""
    if len(word) <= 1:
        return 0
    return 1 if len(word) <= 5 else 2


def suggest(word: str, names: Iterable[str]) -> list[str]:
    """Return the names ``word`` is probably a typo of, closest first (at most
    :data:`MAX_SUGGESTIONS`): within :func:`allowed_distance` edits, or names that start
    with ``word`` when it has at least two letters."""
    word = word.lower()
    if not word or len(word) > MAX_WORD:
        return []
    allowed = allowed_distance(word)
    scored: list[tuple[int, str]] = []
    for name in names:
        if name == word:
            continue
        # The distance is at least the difference in length: skip the work when that is over.
        distance = allowed + 1
        if abs(len(name) - len(word)) <= allowed:
            distance = edit_distance(word, name)
        if distance <= allowed:
            scored.append((distance, name))
        elif len(word) >= 2 and name.startswith(word):
            scored.append((len(name) - len(word), name))
    scored.sort()
    return [name for _, name in scored[:MAX_SUGGESTIONS]]


def unknown_message(
    word: str, cmdset: CmdSet, caller: object, *, lead: str = "Unknown command"
) -> str:
    """Return the answer to an unknown command word (``lead`` names what was not found),
    with the known names ``caller`` may use that it is probably a typo of (see
    :func:`suggest`)."""
    names = [
        name for name in cmdset.names() if (found := cmdset.get(name)) and found.allowed(caller)
    ]
    close = suggest(word, names)
    shown = word if len(word) <= MAX_WORD else word[:MAX_WORD] + "..."
    text = f"{lead} '{shown}'."
    if close:
        text += f" Did you mean: {', '.join(close)}?"
    return text + " Type 'help' for a list of commands."
