"""EMBER_TEST_TIMEOUT_SCALE stretches the test kit's safety-net waits (ember/testing/_scale.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ember.errors import EmberError
from ember.testing import TIMEOUT_SCALE_VARIABLE, TimeoutScaleError, scaled, timeout_scale


def test_unset_means_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TIMEOUT_SCALE_VARIABLE, raising=False)
    assert timeout_scale() == 1.0
    assert scaled(10) == 10.0


def test_a_factor_multiplies_every_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TIMEOUT_SCALE_VARIABLE, "2.5")
    assert scaled(10) == 25.0


@pytest.mark.parametrize("text", ["0", "-1", "abc", "inf", "nan"])
def test_a_bad_factor_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv(TIMEOUT_SCALE_VARIABLE, text)
    with pytest.raises(TimeoutScaleError) as caught:
        timeout_scale()
    assert isinstance(caught.value, EmberError) and isinstance(caught.value, ValueError)
    assert f"EMBER_TEST_TIMEOUT_SCALE={text!r}" in str(caught.value)


def test_the_game_kits_wait_follows_the_variable() -> None:
    probe = "from ember.testing import WAIT; print(WAIT)"
    env_out = subprocess.run(
        [sys.executable, "-c", probe],
        env={"EMBER_TEST_TIMEOUT_SCALE": "3", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert float(env_out) == 30.0
