"""The per-session input limits as pure code (ember.portal.input_limits), on a virtual clock."""

from __future__ import annotations

import pytest

from ember.portal.input_limits import InputLimiter, InputLimits

LIMITS = InputLimits(
    lines_per_second=10.0,
    line_burst=5,
    bytes_per_second=1000.0,
    byte_burst=2000,
    abuse_seconds=3.0,
)


def test_a_burst_passes_and_the_rest_is_dropped_with_one_notice() -> None:
    limiter = InputLimiter(LIMITS)
    assert [limiter.admit_line(0.0) for _ in range(7)] == [True] * 5 + [False] * 2
    verdict = limiter.settle(0.0)
    assert verdict.notify and verdict.dropped == 2 and not verdict.abusive
    assert verdict.pause == pytest.approx(0.1)  # until one line token is back
    assert not limiter.admit_line(0.05)
    assert not limiter.settle(0.05).notify  # one notice per episode
    assert limiter.admit_line(0.2)  # refilled at 10 lines per second
    assert limiter.settle(0.2).pause == 0  # a batch within budget ends the episode
    assert limiter.total_dropped == 3


def test_bytes_over_budget_pause_reading_for_the_debt() -> None:
    limiter = InputLimiter(LIMITS)
    limiter.charge_bytes(2000, 0.0)
    assert limiter.settle(0.0).pause == 0
    limiter.charge_bytes(500, 0.0)
    assert limiter.settle(0.0).pause == pytest.approx(0.5)  # 500 bytes at 1000/s
    limiter.charge_bytes(100, 1.0)  # the debt was paid and 400 more came in meanwhile
    verdict = limiter.settle(1.0)
    assert verdict.pause == 0 and not verdict.abusive


def test_only_a_sustained_excess_is_abusive() -> None:
    limiter = InputLimiter(LIMITS)
    now = 0.0
    limiter.charge_bytes(10_000, now)
    assert not limiter.settle(now).abusive
    for _ in range(10):
        now += 0.5  # reading resumed; the flooder sends at once again
        limiter.charge_bytes(10_000, now)
        verdict = limiter.settle(now)
        if now < 3.0:
            assert not verdict.abusive
    assert verdict.abusive


def test_admit_lines_counts_the_rest_as_dropped() -> None:
    limiter = InputLimiter(LIMITS)
    assert limiter.admit_lines(100_000, 0.0) == 5
    assert limiter.settle(0.0).dropped == 99_995


@pytest.mark.parametrize(
    "field", ["lines_per_second", "line_burst", "bytes_per_second", "byte_burst", "abuse_seconds"]
)
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        InputLimits(**{field: 0})  # type: ignore[arg-type]
