"""Building from inside the game, over real telnet against a game started by the CLI: a
builder digs rooms a player then walks, locks refuse and allow, destroy asks first, a Player
is refused, and every command answers bad input with a clear message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from support.cli_harness import ember, make_game, started

from ember.game._account_store import account_store_from_url
from ember.game.accounts import Accounts
from ember.game.settings import load_settings
from ember.testing import TelnetClient

PASSWORD = "long-password-1"
BUILDERS = ("bea", "flood")  # the flood test spends its own budget
PLAYERS = ("pia", "pete")
PER_MINUTE = 40


async def _grant(game: Path, names: tuple[str, ...], permission: str) -> None:
    """Give accounts a permission through the account API, while the game is stopped."""
    settings = load_settings(game)
    store = account_store_from_url(settings.database_url(game))
    await store.open()
    try:
        accounts = Accounts.from_settings(store, settings)
        await accounts.load()
        for name in names:
            account = accounts.registry.by_name(name)
            assert account is not None
            await accounts.set_permissions(account, (permission,))
    finally:
        await store.close()


@pytest.fixture(scope="module")
def game(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    path = make_game(tmp_path_factory.mktemp("building"))
    # Ember's own commands only: the template's demo `dig` and `open` would take those words.
    (path / "commands.py").write_text('"""No commands of this game\'s own."""\n')
    with (path / "settings.py").open("a") as settings:
        settings.write(f"\nBUILD_OBJECTS_PER_MINUTE = {PER_MINUTE}\n")
    for name in (*BUILDERS, *PLAYERS):
        done = ember("account", "create", name, cwd=path, stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
    asyncio.run(_grant(path, BUILDERS, "Builder"))
    with started(path) as status:
        yield int(status["telnet_port"])


async def log_in(port: int, name: str) -> TelnetClient:
    client = await TelnetClient.connect(port)
    await client.expect("connect NAME PASSWORD")
    client.send(f"connect {name} {PASSWORD}")
    await client.expect(f"Welcome, {name}")
    await client.expect("Here: you")
    return client


async def says(client: TelnetClient, line: str, *wanted: str) -> str:
    """Send ``line``; wait for each of ``wanted`` in order; return the text up to the last."""
    client.send(line)
    text = ""
    for piece in wanted:
        try:
            text += await client.expect(piece)
        except TimeoutError:
            raise AssertionError(f"{line!r}: no {piece!r} in {client.tail(800)!r}") from None
    return text


@pytest.fixture
async def clients(game: int) -> AsyncIterator[dict[str, TelnetClient]]:
    opened: dict[str, TelnetClient] = {}

    async def one(name: str) -> TelnetClient:
        opened[name] = await log_in(game, name)
        return opened[name]

    made = {name: await one(name) for name in ("bea", "pia")}
    await says(made["bea"], "tel The Hearth", "Here: you")  # where the last test left her
    yield made
    for client in opened.values():
        await client.close()


async def test_a_builder_digs_three_rooms_and_a_player_walks_them(
    clients: dict[str, TelnetClient],
) -> None:
    bea, pia = clients["bea"], clients["pia"]
    await says(bea, "dig Kitchen = east;e, west;w", "Dug Kitchen (#", "Exit east (#", "Exit west")
    await says(bea, "east", "Kitchen")
    await says(bea, "dig Pantry;larder = north;n, south;s", "Dug Pantry (#")
    await says(bea, "n", "Pantry")
    await says(bea, "dig Cellar = down;d, up;u", "Dug Cellar (#")
    await says(bea, "desc cellar = Cold stone and the smell of apples.", "Described Cellar (#")
    await says(bea, "desc A shelf of jars.", "Described Pantry (#")
    await says(bea, "examine larder", "Pantry (#", "class: ember.world:Room", "desc = ")

    await says(pia, "e", "Kitchen")
    await says(pia, "north", "Pantry", "A shelf of jars.", "Exits: south, down.")
    await says(pia, "d", "Cellar", "Cold stone and the smell of apples.", "Exits: up.")
    await says(pia, "u", "Pantry")
    await says(pia, "s", "Kitchen")
    await says(pia, "w", "The Hearth")


async def test_a_player_is_refused_every_builder_command(
    clients: dict[str, TelnetClient],
) -> None:
    pia = clients["pia"]
    for line in (
        "dig Attic = up, down",
        "open hole = #1",
        "create rock",
        "desc Nice.",
        "name me = Queen",
        "destroy me",
        "teleport #1",
        "tel #1",
        "set me/level = 99",
        "find Garden",
        "lock me = get: all()",
    ):
        word = line.split()[0]
        key = "teleport" if word == "tel" else word
        await says(pia, line, f"{key}: permission denied (you need Builder).")
    # examine is open to all, behind each object's examine lock (Builders by default).
    await says(pia, "examine here", "You may not examine The Hearth (#")
    await says(pia, "examine Garden", "You see no 'Garden' here.")  # nothing far away
    text = await says(pia, "help", "Type 'help <command>'")
    assert " dig " not in text and " lock " not in text and "examine" in text


async def test_locks_set_in_game_refuse_and_allow(
    clients: dict[str, TelnetClient], game: int
) -> None:
    bea, pia = clients["bea"], clients["pia"]
    await says(bea, "dig Vault = vault, hall", "Dug Vault (#")
    await says(bea, "lock vault = traverse: perm(Builder) or holds(brass key)", "Locked vault")
    await says(bea, "lock vault", "traverse: perm(Builder) or holds(brass key)", "(default)")
    await says(pia, "vault", "You cannot go vault.")
    await says(bea, "create brass key;key", "Created brass key (#", "You hold it.")
    await says(bea, "teleport key = pia", "Teleported brass key (#")
    await says(pia, "vault", "Vault")
    await says(pia, "hall", "The Hearth")
    # examine: refused by default, allowed by a lock the builder sets.
    await says(bea, "create gem", "Created gem (#")
    await says(bea, "teleport gem = here", "Teleported gem (#")
    await says(pia, "examine gem", "You may not examine gem (#")
    await says(bea, "set gem/shine = 3", "= 3")
    await says(bea, "lock gem = examine: all()", "Locked gem")
    await says(pia, "examine gem", "gem (#", "shine = 3")
    # A lock that does not parse is refused when set, and the old locks stay.
    await says(
        bea, "lock vault = traverse: perm(Builder) or", "lock: expected a function", "unchanged"
    )
    await says(bea, "lock vault = traverse: perm(Wizard)", "unknown permission 'Wizard'")
    await says(bea, "lock vault = traverse: fly(high)", "unknown lock function 'fly'")
    await says(bea, "lock vault", "traverse: perm(Builder) or holds(brass key)")
    # Locks outside what the builder controls: the starting room is the Admins'.
    await says(bea, "lock here = traverse: none()", "You do not control The Hearth (#")
    await says(bea, "lock/del vault = traverse", "Removed the traverse lock of vault")


async def test_destroy_asks_and_both_answers_work(clients: dict[str, TelnetClient]) -> None:
    bea, pia = clients["bea"], clients["pia"]
    await says(bea, "create old chair;chair", "Created old chair (#")
    await says(bea, "destroy chair", "Really destroy old chair (#", "[y/N]")
    await says(bea, "no", "old chair (#", "was not destroyed.")
    await says(bea, "examine chair", "old chair (#")
    await says(bea, "destroy chair", "Really destroy old chair")
    await says(bea, "maybe", "Please answer yes or no")
    await says(bea, "yes", "Destroyed old chair (#")
    await says(bea, "examine chair", "Nothing called 'chair' here or anywhere")
    # A room: its exits go with it and whoever stood there goes home.
    dug = await says(bea, "dig Shack = shack, yard", "Dug Shack (#", ")")
    shack = "#" + dug.rpartition("(#")[2].rstrip(")")
    await says(pia, "shack", "Shack")
    await says(bea, f"destroy {shack}", "Really destroy Shack (#", "It holds 2 objects.")
    await says(bea, "y", "Destroyed Shack (#")
    await says(pia, "look", "The Hearth")
    text = await says(bea, "look", "Here: you")
    assert "shack" not in text.lower()


async def test_bad_input_gets_a_clear_message_from_every_command(
    clients: dict[str, TelnetClient],
) -> None:
    bea = clients["bea"]
    await says(bea, "create sword", "Created sword (#")
    await says(bea, "create sword", "Created sword (#")
    cases = [
        # no arguments
        ("dig", "Usage: dig <room>"),
        ("open", "Usage: open <exit>"),
        ("create", "Usage: create <name>"),
        ("desc", "Usage: desc <text>"),
        ("name", "Usage: name <object> = <new name>"),
        ("destroy", "Usage: destroy <object>"),
        ("teleport", "Usage: teleport <destination>"),
        ("set", "Usage: set <object>/<attribute>"),
        ("find", "Usage: find <name>"),
        ("lock", "Usage: lock <object>"),
        # too many
        ("dig Hall = a, b, c", "dig makes at most two exits (there, and back); that names 3."),
        ("dig One, Two, Three", "dig makes one room at a time; that names 3."),
        ("open a, b = #1", "open makes one exit at a time; that names 2."),
        ("name 1-sword = blade;" + ";".join(f"a{i}" for i in range(40)), "at most 32 aliases"),
        ("lock 1-sword = get: all(); get: none()", "access type 'get' is given twice"),
        ("teleport me = #1 = #2", "Nothing called '#1 = #2' here or anywhere"),
        # unknown targets
        ("open hole = Narnia", "Nothing called 'Narnia' here or anywhere"),
        ("desc unicorn = White.", "Nothing called 'unicorn' here or anywhere"),
        ("name #999999 = x", "Nothing called '#999999' here or anywhere"),
        ("destroy unicorn", "Nothing called 'unicorn' here or anywhere"),
        ("teleport Narnia", "Nothing called 'Narnia' here or anywhere"),
        ("set unicorn/horn = 1", "Nothing called 'unicorn' here or anywhere"),
        ("examine unicorn", "Nothing called 'unicorn' here or anywhere"),
        ("find unicorn", "No object is called 'unicorn'"),
        ("lock unicorn = get: all()", "Nothing called 'unicorn' here or anywhere"),
        # ambiguous names: a numbered choice, and the number picks one
        ("examine sword", "More than one 'sword' fits: 1-sword (sword #"),
        ("set sword/edge = 1", "More than one 'sword' fits"),
        ("set 2-sword/edge = 1", "/edge = 1"),
        ("examine 3-sword", "There are only 2 of 'sword' here."),
        # bad names, JSON, locks, classes
        # the portal drops control and format characters before the game sees the line
        ("dig Kit\u202echen", "Dug Kitchen (#"),
        ("dig " + "x" * 200, "the limit is 80"),
        ("name 1-sword = ;blade", "the new name needs a name"),
        ("set 1-sword/edge = sharp", "the value is not JSON"),
        ("set 1-sword/edge = {'a': 1}", "the value is not JSON"),
        ("set 1-sword/_secret = 1", "must be an identifier not starting with '_'"),
        ("set 1-sword/edge = " + "[" * 5000 + "]" * 5000, "nest"),
        ("set me/account_id = 1", "only a Developer changes it"),
        ("lock 1-sword = get perm(Builder)", "expected ':' after the access type"),
        ("lock 1-sword = get: perm()", "perm() takes 1 argument(s), 0 given"),
        ("create rock:os.system", "no class 'os.system'"),
        ("create rock:ember.world.Exit", "create makes no exits"),
        ("open hole = here", "An exit leading to the room it is in would go nowhere."),
        ("teleport me = me", "bea cannot be teleported into itself."),
        ("teleport me = 1-sword", "would make a loop"),
        ("destroy me", "You cannot destroy yourself."),
        ("destroy pia", "is an account's character; not destroyed."),
        ("desc here = Mine now.", "You do not control The Hearth (#"),
    ]
    for line, wanted in cases:
        await says(bea, line, wanted)
    await says(bea, "set 2-sword/edge", "sword (#", "/edge = 1")
    await says(bea, "set 2-sword/edge =", "Deleted sword (#")


async def test_ten_thousand_rooms_in_one_line_and_a_flood_of_digs(game: int) -> None:
    flood = await log_in(game, "flood")
    try:
        names = ",".join(f"R{i}" for i in range(10_000))  # 49 KB: under the line limit
        await says(flood, f"dig {names}", "dig makes one room at a time; that names 10,000.")
        await says(flood, "find R1", "No object is called 'R1'")
        # One room per dig, and the budget: PER_MINUTE objects, then a clear refusal.
        refused = ""
        for number in range(PER_MINUTE * 2):
            flood.send(f"dig Cell{number}")
            reply = await flood.expect("\n")
            if "built as much as you may" in reply:
                refused = reply
                break
        assert f"{PER_MINUTE} objects a minute (BUILD_OBJECTS_PER_MINUTE)" in refused
        assert number >= PER_MINUTE  # the budget held at least what it promises
    finally:
        await flood.close()
