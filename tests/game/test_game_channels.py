"""Channels in a running game (in-process, scripted portal): the bounds of CHANNEL_LIMITS,
the DEFAULT_CHANNEL setting, exits before channel names, the login screen, deleted members,
and the settings check. The telnet end-to-end tests are tests/cli/test_cli_channels_e2e.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from gamekit import FAST, make_developer, running_game

from ember.game import Settings, SettingsError
from ember.game.channels import (
    DEFAULT_CHANNEL_TAG,
    ChannelError,
    ChannelLimits,
    all_channels,
    create_channel,
    find_channel,
)
from ember.game.settings import settings_from_mapping
from ember.testing import build_world
from ember.world import Character, Exit, Room, create_object


def with_limits(**limits: int) -> Settings:
    return FAST.with_overrides(channel_limits=limits)


async def test_the_default_channel_is_made_once_and_new_characters_join_it(
    tmp_path: Path,
) -> None:
    async with running_game(tmp_path) as game:
        public = find_channel(game.world, "pub")
        assert public is not None and public.key == "public" and public.aliases == ("pub",)
        assert public.has_tag(DEFAULT_CHANNEL_TAG)
        await game.login(1, "ann")
        assert public.has_member(game.character("ann"))
        public_id = public.id
    async with running_game(tmp_path) as game:  # the stored one is found again, not remade
        assert [c.id for c in all_channels(game.world)] == [public_id]
        assert find_channel(game.world, "public").members == [game.character("ann")]  # type: ignore[union-attr]


async def test_another_default_channel_takes_the_tag_and_none_gives_none(tmp_path: Path) -> None:
    async with running_game(tmp_path):
        pass
    async with running_game(tmp_path, FAST.with_overrides(default_channel="ooc;o")) as game:
        ooc, public = find_channel(game.world, "o"), find_channel(game.world, "public")
        assert ooc is not None and ooc.has_tag(DEFAULT_CHANNEL_TAG)
        assert public is not None and not public.has_tag(DEFAULT_CHANNEL_TAG)
        await game.login(1, "ann")
        assert ooc.has_member(game.character("ann"))
        assert not public.has_member(game.character("ann"))
    async with running_game(tmp_path, FAST.with_overrides(default_channel="")) as game:
        assert not any(c.has_tag(DEFAULT_CHANNEL_TAG) for c in all_channels(game.world))
        await game.login(1, "bob")
        await game.portal.command(1, "channels", "ooc (o)")
        assert not any(c.has_member(game.character("bob")) for c in all_channels(game.world))


async def test_no_channels_at_all(tmp_path: Path) -> None:
    async with running_game(tmp_path, FAST.with_overrides(default_channel="")) as game:
        await game.login(1, "ann")
        await game.portal.command(1, "channels", "There are no channels.")
        await game.portal.command(1, "pub hi", "Unknown command 'pub'")


async def test_history_keeps_the_last_lines_only(tmp_path: Path) -> None:
    async with running_game(tmp_path, with_limits(max_history=3)) as game:
        await game.login(1, "ann")
        for number in range(1, 6):
            await game.portal.command(1, f"pub line {number}", f"ann: line {number}")
        public = find_channel(game.world, "public")
        assert public is not None
        assert [line for _, line in public.history()] == [
            f"|c[public]|n ann: line {n}|n" for n in (3, 4, 5)
        ]
        await game.portal.command(1, "pub/history 4", "give 1 to 3")
        shown = await game.portal.command(1, "pub/history 3", "The last 3 lines of public:")
        assert "line 3" in shown and "line 5" in shown and "line 2" not in shown


async def test_a_character_joins_at_most_max_joined_channels(tmp_path: Path) -> None:
    async with running_game(tmp_path, with_limits(max_joined=2)) as game:
        for name in ("one", "two"):
            create_channel(game.world, name)
        await game.login(1, "ann")  # on public already
        await game.portal.command(1, "channels/join one", "You join one.")
        await game.portal.command(
            1, "channels/join two", "You are on 2 channels, the most allowed; leave one first"
        )
        await game.portal.command(1, "channels/join one", "You are on one already.")
        await game.portal.command(1, "channels/leave two", "You are not on two.")
        await game.portal.command(1, "one/leave", "You leave one.")
        await game.portal.command(1, "two/join", "You join two.")


async def test_an_exit_wins_over_a_channel_of_the_same_name(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "ann")
        here = game.character("ann").location
        inn = create_object(Room, "The Pub Room", world=game.world)
        create_object(Exit, "pub", location=here, destination=inn, world=game.world)
        await game.portal.command(1, "pub", "The Pub Room")  # walks
        await game.portal.command(1, "pub cheers", "[public]|n ann: cheers")  # talks


async def test_the_login_screen_has_no_channel_commands(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.portal.connect(1)
        await game.portal.command(1, "pub hello", "Unknown command 'pub'")


async def test_a_deleted_member_is_left_out(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "ann")
        await game.login(2, "bob")
        public = find_channel(game.world, "public")
        assert public is not None and len(public.members) == 2
        game.character("bob").delete()
        assert public.members == [game.character("ann")]
        await game.portal.command(1, "pub/who", "public: 1 member, 1 online: ann.")


async def test_history_and_who_need_membership_or_a_name(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await make_developer(game, "dev")
        await game.login(1, "ann")
        await game.login(2, "dev", new=False)
        await game.portal.command(2, "channels/create staff = For the staff", "Made the channel")
        await game.portal.command(1, "staff/history", "You are not on the channel staff")
        await game.portal.command(1, "staff/who", "staff: 1 member, 1 online: dev.")
        await game.portal.command(1, "staff/bogus", "staff has no switch /bogus")
        await game.portal.command(2, "staff", "Say what on staff?")
        await game.portal.command(2, "staff :", "Say what on staff?")
        await game.portal.command(2, "staff/history", "Nothing has been said on staff yet.")
        await game.portal.command(
            1, "channels/join staff now", "/join takes a channel's name and nothing more; 'now'"
        )
        await game.portal.command(1, "staff/who all", "/who takes a channel's name and nothing")
        await game.portal.command(2, "channels/history staff 5 6", "'5 6' is not a number")


def test_create_channel_checks_its_bounds(tmp_path: Path) -> None:
    world = build_world(["Hall"], install=False).world
    limits = ChannelLimits(max_channels=2, max_aliases=1, max_description_length=5)
    create_channel(world, "a", limits=limits)
    for kwargs, message in (
        ({"aliases": ["x", "y"]}, "2 aliases given; a channel has at most 1."),
        ({"description": "toolong"}, "The description is 7 characters long; the most is 5."),
        ({"aliases": ["b"]}, "An alias repeats the channel's name."),
        ({"aliases": ["a"]}, "'a' is taken by the channel a."),
        ({"reserved": {"b"}}, "'b' is a command; a channel cannot have that name."),
    ):
        with pytest.raises(ChannelError) as raised:
            create_channel(world, "b", limits=limits, **kwargs)  # type: ignore[arg-type]
        assert str(raised.value) == message
    create_channel(world, "b", limits=limits)
    with pytest.raises(ChannelError, match="There are 2 channels, the most allowed"):
        create_channel(world, "c", limits=limits)


def test_only_members_receive_and_names_in_a_line_are_shown_as_typed() -> None:
    kit = build_world(["Hall"], install=False)
    channel = create_channel(kit.world, "ooc")
    other = kit.create(Character, "other")
    assert channel.join(kit.character) and not channel.join(kit.character)
    channel.send(other, "hi")  # game code may speak as anyone; the command checks members
    assert kit.messages.to(kit.character) == ["|c[ooc]|n other: hi|n"]
    assert kit.messages.to(other) == []
    assert channel.leave(kit.character) and not channel.leave(kit.character)
    channel.send("system", "again")
    assert len(kit.messages.to(kit.character)) == 1
    assert [line for _, line in channel.history()] == [
        "|c[ooc]|n other: hi|n",
        "|c[ooc]|n system: again|n",
    ]
    assert channel.format_message("a|rb", "|ghi") == "|c[ooc]|n a||rb: |ghi|n"
    assert channel.format_message("ann", "waves", pose=True) == "|c[ooc]|n ann waves|n"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"CHANNEL_LIMITS": {"max_chanels": 3}}, "CHANNEL_LIMITS has no 'max_chanels'"),
        ({"CHANNEL_LIMITS": {"max_history": 0}}, "'max_history' must be a whole number"),
        ({"CHANNEL_LIMITS": {"max_joined": True}}, "'max_joined' must be a whole number"),
        ({"DEFAULT_CHANNEL": "Two Words"}, "DEFAULT_CHANNEL 'Two Words': 'two words' cannot"),
        (
            {"DEFAULT_CHANNEL": "public;" + "p" * 30},
            "is 30 characters long; channel names have at most 20",
        ),
        (
            {"DEFAULT_CHANNEL": "public;a;b", "CHANNEL_LIMITS": {"max_aliases": 1}},
            "DEFAULT_CHANNEL 'public;a;b' has 2 aliases; the limit is 1",
        ),
    ],
)
def test_bad_channel_settings_are_refused_at_load(values: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")):
        settings_from_mapping(values)


def test_good_channel_settings_load() -> None:
    settings = settings_from_mapping(
        {"DEFAULT_CHANNEL": "OOC;o", "CHANNEL_LIMITS": {"max_channels": 3}}
    )
    assert ChannelLimits.from_mapping(settings.channel_limits).max_channels == 3
    assert settings_from_mapping({"DEFAULT_CHANNEL": ""}).default_channel == ""


async def test_locks_on_a_channel_decide_who_joins_and_who_speaks(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await make_developer(game, "dev")
        await game.login(1, "ann")
        await game.login(2, "dev", new=False)
        staff = create_channel(game.world, "staff")
        staff.locks.add("join: perm(Builder)")
        public = find_channel(game.world, "public")
        assert public is not None
        public.locks.add("speak: perm(Admin)")
        await game.portal.command(1, "channels/join staff", "You may not join staff.")
        await game.portal.command(2, "channels/join staff", "You join staff.")
        await game.portal.command(1, "pub hi", "You may listen on public but not speak on it.")
        await game.portal.command(2, "pub announcement", "dev: announcement")
        await game.portal.expect(1, "dev: announcement")  # ann still hears it
