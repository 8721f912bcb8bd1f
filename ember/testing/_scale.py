"""One factor for every real-time wait of the test kit: ``EMBER_TEST_TIMEOUT_SCALE``."""

from __future__ import annotations

import os

from ember.errors import EmberError

__all__ = ["TIMEOUT_SCALE_VARIABLE", "TimeoutScaleError", "scaled", "timeout_scale"]

#: The environment variable that multiplies every safety-net timeout of the tests (default 1;
#: e.g. 3 on a slow or busy machine). Read when asked, never at import.
TIMEOUT_SCALE_VARIABLE = "EMBER_TEST_TIMEOUT_SCALE"


class TimeoutScaleError(EmberError, ValueError):
    """``EMBER_TEST_TIMEOUT_SCALE`` is not a positive number."""


def timeout_scale() -> float:
    """Return the factor from ``EMBER_TEST_TIMEOUT_SCALE`` (1.0 when unset).

    Raises:
        TimeoutScaleError: the value is not a finite number above zero.
    """
    text = os.environ.get(TIMEOUT_SCALE_VARIABLE, "").strip()
    if not text:
        return 1.0
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (0 < value < float("inf")):
        raise TimeoutScaleError(
            f"{TIMEOUT_SCALE_VARIABLE}={text!r}: expected a number above zero, such as 2 or 0.5"
        )
    return value


def scaled(seconds: float) -> float:
    """Return ``seconds`` times :func:`timeout_scale`, for a wait that is a safety net only."""
    return seconds * timeout_scale()
