"""Settings: Ember's defaults, a game directory's overrides, and clear errors for mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from ember.game.settings import Settings, SettingsError, load_settings


def test_defaults_without_a_settings_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings == Settings()
    assert (settings.telnet_port, settings.web_port, settings.bind) == (4000, 4001, "127.0.0.1")
    assert settings.idle_timeout is None and settings.hash_concurrency == 2
    assert settings.database_url(tmp_path) == str(tmp_path.resolve() / "server" / "ember.db")


def test_overrides(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text(
        "import os\n"
        "TELNET_PORT = 4100\n"
        "LOG_LEVEL = 'DEBUG'\n"
        "IDLE_TIMEOUT = 600\n"
        "LOGIN_COOLDOWN = 10\n"
        "DATABASE = 'postgresql://ember@db/game'\n"
        "helper_value = 3  # lower-case names are the file's own business\n"
    )
    settings = load_settings(tmp_path)
    assert settings.telnet_port == 4100 and settings.log_level == "DEBUG"
    assert settings.idle_timeout == 600 and settings.login_cooldown == 10
    assert settings.database_url(tmp_path) == "postgresql://ember@db/game"
    assert settings.web_port == 4001


def test_an_unknown_setting_names_the_closest_one(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("TELNETPORT = 4100\n")
    with pytest.raises(
        SettingsError, match=r"unknown setting TELNETPORT .*did you mean TELNET_PORT\?"
    ):
        load_settings(tmp_path)


def test_a_wrong_type_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("TELNET_PORT = '4100'\n")
    with pytest.raises(SettingsError, match="TELNET_PORT must be int, not '4100'"):
        load_settings(tmp_path)
    (tmp_path / "settings.py").write_text("TELNET_PORT = True\n")
    with pytest.raises(SettingsError, match="TELNET_PORT must be int"):
        load_settings(tmp_path)


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.telnet_port = 1  # type: ignore[misc]


def test_values_out_of_range(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("TELNET_PORT = 70000\nHASH_CONCURRENCY = 0\n")
    with pytest.raises(
        SettingsError, match=r"TELNET_PORT must be a port.*HASH_CONCURRENCY must be"
    ):
        load_settings(tmp_path)
    (tmp_path / "settings.py").write_text("HASH_MEMORY_COST = 16\n")  # parallelism 4 needs 32
    with pytest.raises(SettingsError, match="HASH_MEMORY_COST must be at least 8"):
        load_settings(tmp_path)
