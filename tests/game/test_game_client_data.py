"""The default client data (Room.Info, Char.Vitals, Char.Status): built from the world, sent to
every session playing a character at login and after each move, changed or turned off by a game."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import pytest

from ember.game._players import Players
from ember.game.sessions import Session
from ember.link import Message
from ember.testing import build_world
from ember.world import Character, Exit, Room, create_object


def playing(
    character_class: type[Character] = Character,
    client_data: Iterable[str] = ("Room.Info", "Char.Vitals", "Char.Status"),
    sessions: int = 1,
) -> tuple[Any, Players, list[Message]]:
    """A world of Hall and Garden whose character is played by ``sessions`` sessions; every
    message to them lands in the returned list."""
    kit = build_world(character_class=character_class)
    players = Players(kit.world, start=kit.room, client_data=client_data)
    kit.world.message_sink = players
    sent: list[Message] = []
    for sid in range(1, sessions + 1):
        players.play(Session(sid, sent.append), kit.character)
    return kit, players, sent


def oob(sent: list[Message], package: str) -> list[tuple[int, Any]]:
    return [(m.args[0], m.args[2]) for m in sent if m.name == "oob" and m.args[1] == package]


def test_room_info_follows_every_move_to_every_session() -> None:
    kit, _, sent = playing(sessions=2)
    hall, garden = kit.rooms["Hall"], kit.rooms["Garden"]
    garden.db.area = "Grounds"
    create_object(Exit, "up", location=garden, destination=hall, aliases=["ladder"])
    create_object(Exit, "hatch", location=garden, destination=hall, aliases=["d"])
    kit.character.move_to(garden)
    expected = {
        "num": garden.id,
        "name": "Garden",
        "area": "Grounds",
        "exits": {"hall": hall.id, "u": hall.id, "d": hall.id},
    }
    assert oob(sent, "Room.Info") == [(1, expected), (2, expected)]
    sent.clear()
    kit.character.move_to(hall)
    assert [data["name"] for _, data in oob(sent, "Room.Info")] == ["Hall", "Hall"]
    # Things moving, and characters nobody plays, send nothing.
    sent.clear()
    create_object(Character, "npc", location=hall).move_to(garden)
    assert oob(sent, "Room.Info") == []
    assert [(m.name, m.args) for m in sent] == [("multicast", ([1, 2], "npc leaves.\n"))]


def test_login_sends_status_and_vitals_from_attributes() -> None:
    kit = build_world()
    kit.character.db.hp, kit.character.db.maxhp = 7, 20
    kit.character.db.mp = True  # not a number: left out
    kit.room.add_tag("keep")
    kit.room.add_tag("castle")  # with no db.area, the first tag names the area
    players = Players(kit.world, start=kit.room)
    kit.world.message_sink = players
    sent: list[Message] = []
    players.play(Session(1, sent.append), kit.character)
    players.send_client_data(kit.character)
    assert oob(sent, "Char.Vitals") == [(1, {"hp": 7, "maxhp": 20})]
    assert oob(sent, "Char.Status") == [(1, {"name": "Tester", "room": "Hall", "area": "castle"})]
    assert oob(sent, "Room.Info")[0][1]["exits"] == {"garden": kit.rooms["Garden"].id}


def test_a_character_without_vitals_sends_none() -> None:
    kit, players, sent = playing()
    players.send_client_data(kit.character)
    assert oob(sent, "Char.Vitals") == [] and len(oob(sent, "Char.Status")) == 1


def test_client_data_setting_turns_packages_off() -> None:
    kit, players, sent = playing(client_data=("Char.Status",))
    kit.character.move_to(kit.rooms["Garden"])
    players.send_client_data(kit.character)
    assert [m.args[1] for m in sent if m.name == "oob"] == ["Char.Status"]


class Mapped(Character):
    """A game's character: its own Room.Info, and no Char.Status at all."""

    def at_gmcp_room_info(self) -> dict[str, Any] | None:
        room = self.location
        return {"num": room.id, "name": room.key.upper(), "exits": {}} if room else None

    def at_gmcp_status(self) -> dict[str, Any] | None:
        return None


def test_a_game_overrides_the_hooks() -> None:
    kit, players, sent = playing(Mapped)
    kit.character.move_to(kit.rooms["Garden"])
    players.send_client_data(kit.character)
    infos = oob(sent, "Room.Info")
    assert [data["name"] for _, data in infos] == ["GARDEN", "GARDEN"]
    assert oob(sent, "Char.Status") == []


class Broken(Character):
    def at_gmcp_room_info(self) -> dict[str, Any] | None:
        raise RuntimeError("map code failed")


def test_a_failing_hook_is_logged_and_the_move_stands(caplog: pytest.LogCaptureFixture) -> None:
    kit, _, sent = playing(Broken)
    with caplog.at_level(logging.ERROR):
        assert kit.character.move_to(kit.rooms["Garden"])
    assert kit.character.location is kit.rooms["Garden"]
    assert oob(sent, "Room.Info") == []
    assert "sending Room.Info" in caplog.text and "map code failed" in caplog.text


def test_character_msg_with_oob_reaches_every_session_and_is_checked() -> None:
    kit, _, sent = playing(sessions=2)
    kit.character.msg("Ouch.", oob=("Char.Vitals", {"hp": 3}))
    assert [m for m in sent if m.name in ("oob", "text")] == [
        Message("oob", (1, "Char.Vitals", {"hp": 3})),
        Message("text", (1, "Ouch.\n")),
        Message("oob", (2, "Char.Vitals", {"hp": 3})),
        Message("text", (2, "Ouch.\n")),
    ]
    sent.clear()
    kit.character.msg(oob=("Char.Vitals", {"hp": 2}))  # data alone
    assert [m.name for m in sent] == ["oob", "oob"]
    with pytest.raises(ValueError, match="without spaces"):
        kit.character.msg(oob=("Char Vitals", {}))


def test_a_room_with_very_many_exits_lists_a_bounded_number() -> None:
    kit, _, sent = playing()
    hall, garden = kit.rooms["Hall"], kit.rooms["Garden"]
    for number in range(300):
        create_object(Exit, f"way{number}", location=garden, destination=hall)
    kit.character.move_to(garden)
    assert len(oob(sent, "Room.Info")[0][1]["exits"]) == 100
    assert isinstance(garden, Room)


class NotJson(Character):
    def at_gmcp_status(self) -> dict[str, Any] | None:
        return {"seen": {1, 2}}  # a set is not JSON


def test_data_that_is_not_json_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    kit, players, sent = playing(NotJson)
    with caplog.at_level(logging.ERROR):
        players.send_client_data(kit.character)
    assert [m.args[1] for m in sent if m.name == "oob"] == ["Room.Info"]
    assert "sending Char.Status" in caplog.text and "not JSON" in caplog.text


def test_unknown_client_data_names_are_refused_by_the_settings() -> None:
    from ember.game.settings import SettingsError, settings_from_mapping

    assert settings_from_mapping({"CLIENT_DATA": []}).client_data == []
    with pytest.raises(SettingsError, match=r"CLIENT_DATA may name only Room\.Info"):
        settings_from_mapping({"CLIENT_DATA": ["Room.Info", "Char.Items"]})
    with pytest.raises(SettingsError, match="CLIENT_DATA must be list"):
        settings_from_mapping({"CLIENT_DATA": "Room.Info"})
