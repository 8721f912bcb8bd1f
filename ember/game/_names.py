"""Look-alike account names: the skeleton two names share when they read the same."""

from __future__ import annotations

import unicodedata

__all__ = ["name_skeleton"]

# Look-alikes: characters, then runs of characters, that read as another in common fonts.
_CONFUSABLE_RUNS = (("rn", "m"), ("vv", "w"))
_CONFUSABLE_CHARS = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "5": "s", "-": "_"})


def name_skeleton(name: str) -> str:
    """Return what ``name`` looks like: two names with one skeleton are look-alikes.

    NFKC-normalised, case-folded (so ``I`` and ``l`` meet as ``i``/``l``), then ``rn`` is
    ``m``, ``vv`` is ``w``, and ``0``/``o``, ``1``/``l``/``i``, ``5``/``s`` and ``-``/``_``
    are one character each: ``AIice`` and ``Alice`` share ``allce``. Call it on a name
    already limited in length (``validate_name``).
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    for run, replacement in _CONFUSABLE_RUNS:
        text = text.replace(run, replacement)
    return text.translate(_CONFUSABLE_CHARS)
