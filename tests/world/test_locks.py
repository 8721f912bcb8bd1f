"""Locks on game objects: parsing when set (clear errors), checking, defaults, the function
registry, and the lock string as part of the stored, journaled object."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.testing import WorldKit
from ember.world import (
    MAX_LOCK_DEPTH,
    MAX_LOCK_LENGTH,
    Character,
    LockError,
    LockFunctions,
    LocksChanged,
    Room,
    Thing,
    World,
    apply_changes,
    create_object,
    load_world,
    lock_functions,
)


@pytest.fixture
def box(kit: WorldKit) -> Thing:
    return kit.create(Thing, "box")


def give(kit: WorldKit, key: str, **options: Any) -> Thing:
    return kit.create(Thing, key, location=kit.character, **options)


# -- checking ----------------------------------------------------------------------------------


def test_perm_or_holds_lets_builders_and_key_holders_through(kit: WorldKit, box: Thing) -> None:
    player = kit.character
    box.locks.add("get: perm(Builder) or holds(brass key)")
    assert not box.access(player, "get")
    key = give(kit, "brass key")
    assert box.access(player, "get")
    key.move_to(kit.room)
    assert not box.access(player, "get")
    player.permissions = {"admin"}  # Admin includes Builder
    assert box.access(player, "get")


def test_holds_matches_aliases_and_ids(kit: WorldKit, box: Thing) -> None:
    key = give(kit, "brass key", aliases=["key"])
    box.locks.add(f"get: holds(KEY); open: holds(#{key.id})")
    assert box.access(kit.character, "get")
    assert box.access(kit.character, "open")
    key.move_to(kit.room)
    assert not box.access(kit.character, "open")


def test_and_or_not_and_parentheses(kit: WorldKit, box: Thing) -> None:
    player = kit.character
    box.locks.add("use: not perm(Builder) and (tag(thief) or attr(level, 5))")
    assert not box.access(player, "use")
    player.add_tag("thief")
    assert box.access(player, "use")
    player.remove_tag("thief")
    player.db.level = 5
    assert box.access(player, "use")
    player.db.level = 4
    assert not box.access(player, "use")
    player.db.level = 5
    player.permissions = {"Builder"}
    assert not box.access(player, "use")


def test_or_binds_looser_than_and(kit: WorldKit, box: Thing) -> None:
    box.locks.add("a: all() or none() and none(); b: (all() or none()) and none()")
    assert box.access(kit.character, "a")
    assert not box.access(kit.character, "b")


def test_the_other_builtins(kit: WorldKit, box: Thing) -> None:
    player = kit.character
    box.db.colour = "red"
    box.add_tag("cursed")
    box.locks.add(
        f"a: id(#{player.id}); b: id({player.id + 1000}); c: objattr(colour, red); "
        "d: objattr(colour, 'blue'); e: objtag(cursed); f: self(); g: inside(); "
        "h: attr(flag); i: none()"
    )
    results = {kind: box.access(player, kind) for kind in box.locks.types()}
    assert results == dict(a=True, b=False, c=True, d=False, e=True, f=False, g=False,
                           h=False, i=False)  # fmt: skip
    assert player.locks.add("me: self()") and player.access(player, "me")
    player.move_to(box, quiet=True)
    assert box.access(player, "g")
    player.db.flag = True
    assert box.access(player, "h")


def test_attr_compares_booleans_numbers_and_text(kit: WorldKit, box: Thing) -> None:
    player = kit.character
    player.db.ready, player.db.score, player.db.name = False, 2.5, "Ann"
    box.locks.add(
        "a: attr(ready, false); b: attr(score, 2.50); c: attr(name, Ann); d: attr(score, x)"
    )
    assert [box.access(player, t) for t in "abcd"] == [True, True, True, False]


def test_keywords_and_access_types_ignore_case(kit: WorldKit, box: Thing) -> None:
    box.locks.add("GET: NOT Perm(Builder) AND All()")
    assert box.locks.types() == ["get"]
    assert box.access(kit.character, "Get")


def test_accessor_is_anything_with_permissions(box: Thing) -> None:
    class Visitor:
        permissions = frozenset({"Developer"})

    box.locks.add("get: perm(Admin) and not holds(anything)")
    assert box.access(Visitor(), "get")
    assert not box.access(object(), "get")  # nothing held: no permission


# -- defaults ----------------------------------------------------------------------------------


def test_missing_access_types_fall_back_to_documented_defaults(kit: WorldKit, box: Thing) -> None:
    player = kit.character
    assert box.access(player, "get") and box.access(player, "traverse")
    assert not box.access(player, "examine") and not box.access(player, "control")
    assert not box.access(player, "sit")  # a game's own type: staff only
    assert box.access(player, "sit", default=True)
    player.permissions = {"Builder"}
    assert box.access(player, "examine") and not box.access(player, "control")
    player.permissions = {"Admin"}
    assert box.access(player, "control") and box.access(player, "sit")


def test_removing_a_lock_restores_the_default(kit: WorldKit, box: Thing) -> None:
    box.locks.add("get: none(); examine: all()")
    assert not box.access(kit.character, "get")
    assert box.locks.remove("GET") is True
    assert box.locks.remove("get") is False
    assert box.access(kit.character, "get")
    assert str(box.locks) == "examine: all()"
    box.locks.replace("")
    assert str(box.locks) == "" and box.locks.types() == []
    with pytest.raises(LockError, match="must be a str"):
        box.locks.replace(None)  # type: ignore[arg-type]


# -- bad lock strings: refused when set, naming the place --------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("get: perm(Builder) or", "expected a function .* found the end", 21),
        ("get perm(Builder)", "expected ':' after the access type 'get'", 4),
        (
            "get: perm(Builder) holds(key)",
            "expected 'and', 'or', ';' or the end, found 'holds'",
            19,
        ),
        ("get: perm(Builder", "expected ',' or '\\)' in the arguments of perm", 17),
        ("get: (all()", "expected '\\)' or an operator, found the end", 11),
        ("get: all", "expected '\\(' after all", 8),
        ("get: all())", "expected 'and', 'or', ';' or the end, found '\\)'", 10),
        ("get: holds('key)", "a quote that never closes", 11),
        ("9get: all()", "expected an access type", 0),
        (": all()", "expected an access type", 0),
        ("", "found no lock at all", 0),
        ("  ;  ", "found no lock at all", 0),
        ("get: all(); get: none()", "access type 'get' is given twice", 12),
        ("get: and()", "expected a function such as perm", 5),
        ("get: perm(,)", "expected an argument of perm", 10),
    ],
)
def test_a_string_that_does_not_parse_is_refused_when_set(
    box: Thing, text: str, message: str, position: int
) -> None:
    box.locks.add("get: all()")
    with pytest.raises(LockError, match=message) as caught:
        box.locks.add(text)
    assert caught.value.position == position
    assert f"at character {position + 1} of the lock" in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert str(box.locks) == "get: all()"  # nothing changed


def test_unknown_function_is_named_with_the_known_ones(box: Thing) -> None:
    with pytest.raises(LockError, match=r"unknown lock function 'level' \(known: all, attr,"):
        box.locks.add("get: perm(Player) or level(5)")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("get: perm()", r"perm\(\) takes 1 argument\(s\), 0 given"),
        ("get: perm(Builder, Admin)", r"perm\(\) takes 1 argument\(s\), 2 given"),
        ("get: all(x)", r"all\(\) takes 0 argument\(s\), 1 given"),
        ("get: attr(a, b, c)", r"attr\(\) takes 1 to 2 argument\(s\), 3 given"),
        ("get: perm(Wizard)", "unknown permission 'Wizard'; the permissions are Player, Builder"),
        ("get: id(twelve)", "'twelve' is not an object id such as #12"),
        ("get: id(#0)", "'#0' is not an object id"),
    ],
)
def test_wrong_arguments_are_refused_when_set(box: Thing, text: str, message: str) -> None:
    with pytest.raises(LockError, match=message):
        box.locks.add(text)
    assert box.locks.types() == []


def test_deep_nesting_is_refused_with_the_limit_named(box: Thing) -> None:
    fine = "get: " + "(" * (MAX_LOCK_DEPTH - 1) + "all()" + ")" * (MAX_LOCK_DEPTH - 1)
    box.locks.add(fine)
    assert box.access(box, "get")
    too_deep = "get: " + "(" * 10_000 + "all()" + ")" * 10_000
    with pytest.raises(LockError, match=f"nests deeper than {MAX_LOCK_DEPTH} levels"):
        box.locks.add(too_deep[:MAX_LOCK_LENGTH])
    nots = "get: " + "not " * (MAX_LOCK_DEPTH + 1) + "all()"
    with pytest.raises(LockError, match="MAX_LOCK_DEPTH") as caught:
        box.locks.add(nots)
    assert caught.value.position == 5 + 4 * MAX_LOCK_DEPTH


def test_long_flat_chains_are_fine_and_length_is_bounded(box: Thing) -> None:
    chain = "get: " + " or ".join(["none()"] * 150) + " or all()"
    box.locks.add(chain)  # 150 terms: flat, no recursion
    assert box.access(box, "get")
    with pytest.raises(LockError, match=f"the limit is {MAX_LOCK_LENGTH}"):
        box.locks.add("get: " + "all() and " * 400 + "all()")
    with pytest.raises(LockError, match="must be a str"):
        box.locks.add(None)  # type: ignore[arg-type]


def test_the_combined_locks_are_bounded_too(box: Thing) -> None:
    entry = "x{}: " + " or ".join(["none()"] * 40)
    for n in range(4):  # about 400 characters each
        box.locks.add(entry.format(n))
    with pytest.raises(LockError, match=r"would hold 20\d\d characters of locks"):
        box.locks.add(entry.format(4))
    assert len(str(box.locks)) <= MAX_LOCK_LENGTH


def test_a_deleted_object_cannot_take_locks(box: Thing) -> None:
    box.delete()
    with pytest.raises(Exception, match="was deleted"):
        box.locks.add("get: all()")


@settings(max_examples=300)
@given(st.text(alphabet="()abc,;: notdrpem'\"#12", max_size=60))
def test_random_strings_parse_or_fail_cleanly(text: str) -> None:
    world = World()
    thing = create_object(Thing, "thing", world=world)
    failure: LockError | None = None
    try:
        thing.locks.add(text)
    except LockError as error:
        failure = error
    if failure is not None:
        assert failure.position is None or 0 <= failure.position <= len(text)
        assert "at character" in str(failure) or failure.position is None
    for kind in thing.locks.types():
        thing.access(thing, kind)  # whatever parsed can be checked


# -- game-made lock functions ------------------------------------------------------------------


def _level_at_least(accessor: Any, obj: Any, level: str) -> bool:
    return int(accessor.get_attribute("level") or 0) >= int(level)


def _need_number(args: Any) -> None:
    if not args[0].isdigit():
        raise ValueError(f"{args[0]!r} is not a whole number")


def _own_world() -> tuple[World, Character, LockFunctions]:
    functions = LockFunctions()
    world = World(lock_functions=functions)
    room = create_object(Room, "Room", world=world)
    return world, create_object(Character, "Ann", location=room, world=world), functions


def test_a_game_adds_lock_functions() -> None:
    world, ann, functions = _own_world()
    gate = create_object(Thing, "gate", world=world)
    with pytest.raises(LockError, match="unknown lock function 'level'"):
        gate.locks.add("traverse: level(3)")
    functions.register("level", _level_at_least, check=_need_number)
    gate.locks.add("traverse: level(3) or perm(Admin)")
    assert not gate.access(ann, "traverse")
    ann.db.level = 3
    assert gate.access(ann, "traverse")
    with pytest.raises(LockError, match=r"level\(\) takes 1 argument\(s\), 2 given"):
        gate.locks.add("get: level(1, 2)")
    with pytest.raises(LockError, match=r"level\(three\): 'three' is not a whole number"):
        gate.locks.add("get: level(three)")
    assert lock_functions.get("level") is None  # the shared registry was not touched


def test_registering_checks_names_and_signatures() -> None:
    functions = LockFunctions()
    for bad in ("Level", "and", "1x", "a-b", "x" * 33, ""):
        with pytest.raises(ValueError, match="must be a lower-case identifier"):
            functions.register(bad, _level_at_least)
    with pytest.raises(ValueError, match="built-in lock function"):
        functions.register("perm", _level_at_least)
    with pytest.raises(TypeError, match=r"must accept \(accessor, obj, \*args\)"):
        functions.register("one", lambda accessor: True)
    with pytest.raises(TypeError, match="required keyword-only"):
        functions.register("kw", lambda accessor, obj, *, x: True)
    with pytest.raises(TypeError, match="must be callable"):
        functions.register("nope", 42)  # type: ignore[arg-type]
    functions.register("any_args", lambda accessor, obj, *args: len(args) > 1)
    functions.register("opt", lambda accessor, obj, a, b="": True)
    assert (functions.get("any_args").min_args, functions.get("any_args").max_args) == (0, None)  # type: ignore[union-attr]
    assert (functions.get("opt").min_args, functions.get("opt").max_args) == (1, 2)  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="registered already"):
        functions.register("opt", _level_at_least)
    functions.register("opt", _level_at_least, replace=True)
    assert functions.unregister("opt") and not functions.unregister("opt")
    with pytest.raises(ValueError, match="cannot be removed"):
        functions.unregister("all")


def test_a_lock_function_that_raises_is_logged_and_refuses(
    caplog: pytest.LogCaptureFixture,
) -> None:
    world, ann, functions = _own_world()

    def broken(accessor: Any, obj: Any) -> bool:
        raise RuntimeError("boom")

    functions.register("broken", broken)
    gate = create_object(Thing, "gate", world=world)
    gate.locks.add("get: broken() or all()")
    with caplog.at_level(logging.ERROR, logger="ember.world"):
        assert not gate.access(ann, "get")
    record = next(r for r in caplog.records if "failed checking" in r.getMessage())
    assert record.exc_info is not None and "boom" in str(record.exc_info[1])


# -- stored with the object --------------------------------------------------------------------


def test_setting_locks_is_journaled_and_replays(kit: WorldKit, box: Thing) -> None:
    before = kit.world.snapshot()
    kit.world.drain_changes()
    box.locks.add("get: perm(Builder)")
    box.locks.add("traverse: all(); get: holds('brass key')")
    box.locks.remove("traverse")
    changes = kit.world.drain_changes()
    assert changes == [
        LocksChanged(box.id, "get: perm(Builder)"),
        LocksChanged(box.id, "get: holds('brass key'); traverse: all()"),
        LocksChanged(box.id, "get: holds('brass key')"),
    ]
    assert apply_changes(before, changes) == kit.world.snapshot()
    assert kit.world.snapshot()[box.id]["locks"] == "get: holds('brass key')"


def test_a_failed_set_records_nothing(kit: WorldKit, box: Thing) -> None:
    kit.world.drain_changes()
    with pytest.raises(LockError):
        box.locks.add("get: all(); traverse: nope()")
    assert kit.world.drain_changes() == []
    assert box.locks.types() == []


def test_locks_survive_a_reload(kit: WorldKit, box: Thing) -> None:
    key = give(kit, "brass key")
    box.locks.add("get: holds(brass key) and not perm(Admin); examine: all()")
    again = World()
    report = load_world(kit.world.snapshot().values(), again)
    assert report.corrupt == ()
    box_again, player_again = again.get(box.id), again.get(kit.character.id)
    assert box_again is not None and player_again is not None
    assert str(box_again.locks) == str(box.locks)
    assert box_again.access(player_again, "get")
    assert again.snapshot() == kit.world.snapshot()
    del key


def test_rows_without_locks_load_unlocked(kit: WorldKit, box: Thing) -> None:
    rows = [{k: v for k, v in row.items() if k != "locks"} for row in kit.world.snapshot().values()]
    again = World()
    load_world(rows, again)
    loaded = again.get(box.id)
    assert loaded is not None and str(loaded.locks) == "" and loaded.access(loaded, "get")


def test_stored_locks_that_no_longer_compile_refuse_and_are_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    world, ann, functions = _own_world()
    functions.register("level", _level_at_least)
    gate = create_object(Thing, "gate", world=world)
    gate.locks.add("get: level(1)")
    rows = world.snapshot().values()
    again = World(lock_functions=LockFunctions())  # the game dropped level()
    with caplog.at_level(logging.ERROR, logger="ember.world"):
        report = load_world(rows, again)
    assert report.corrupt == ()
    loaded = again.get(gate.id)
    assert loaded is not None
    assert "unknown lock function 'level'" in (loaded.locks.broken or "")
    assert "stored locks no longer compile" in caplog.text
    assert not loaded.access(again.get(ann.id), "get")
    assert not loaded.access(again.get(ann.id), "traverse")  # fail closed, even defaults
    assert again.snapshot()[gate.id]["locks"] == "get: level(1)"  # never rewritten
    loaded.locks.replace("get: all()")  # mending them
    assert loaded.locks.broken is None and loaded.access(ann, "get")


def test_a_row_whose_locks_are_not_text_is_kept_aside(kit: WorldKit, box: Thing) -> None:
    rows = list(kit.world.snapshot().values())
    for row in rows:
        if row["id"] == box.id:
            row["locks"] = ["get: all()"]
    again = World()
    report = load_world(rows, again)
    assert [c.row["id"] for c in report.corrupt] == [box.id]  # type: ignore[index]
    assert "locks" in report.corrupt[0].reason


CALLS = st.sampled_from(
    ["all()", "none()", "perm(Builder)", "perm(player)", "holds(key)", "self()", "tag(x)"]
)
EXPRESSIONS = st.recursive(
    CALLS,
    lambda inner: st.one_of(
        st.builds("not {}".format, inner),
        st.builds("({})".format, inner),
        st.builds("{} and {}".format, inner, inner),
        st.builds("{} OR {}".format, inner, inner),
    ),
    max_leaves=8,
)


@settings(max_examples=200)
@given(
    st.dictionaries(st.sampled_from(["get", "traverse", "open", "x_1"]), EXPRESSIONS, min_size=1)
)
def test_the_stored_text_parses_back_to_the_same_locks(entries: dict[str, str]) -> None:
    world = World()
    thing = create_object(Thing, "thing", world=world)
    holder = create_object(Character, "holder", world=world)
    create_object(Thing, "key", location=holder, world=world)
    thing.locks.add("; ".join(f"{kind}: {text}" for kind, text in entries.items()))
    again = create_object(Thing, "again", world=world)
    again.locks.add(str(thing.locks))
    assert str(again.locks) == str(thing.locks)
    for kind, text in entries.items():
        assert thing.locks.get(kind) == text
        assert thing.access(holder, kind) == again.access(holder, kind) == _expected(text)


_TRUTH = {"all()": "True", "none()": "False", "perm(Builder)": "False", "perm(player)": "True",
          "holds(key)": "True", "self()": "False", "tag(x)": "False", "OR": "or"}  # fmt: skip


def _expected(text: str) -> bool:
    """What the holder's check must give, by Python's own not/and/or precedence (the test
    may use Python to judge generated text; Ember itself never evaluates lock text)."""
    for call, value in _TRUTH.items():
        text = text.replace(call, value)
    return bool(eval(text, {"__builtins__": {}}))
