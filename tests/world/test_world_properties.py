"""Property-based tests of moving and deleting: whatever happens, every object is in exactly
one place, no location loops exist, contents agree with locations, and the journal replays
to the live world."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from ember.testing import build_world
from ember.world import Character, Exit, GameObject, MoveError, Room, Thing, World, apply_changes

KINDS = [Room, Thing, Character, Exit]
OPS = st.lists(
    st.tuples(
        st.sampled_from(["create", "move", "move", "move", "delete", "set", "home", "rename"]),
        st.integers(0, 40),
        st.integers(0, 40),
        st.integers(0, 3),
    ),
    max_size=60,
)


def check_invariants(world: World, deleted: list[GameObject]) -> None:
    live = list(world)
    ids = {obj.id for obj in live}
    for obj in live:
        location = obj.location
        if location is not None:
            assert location.id in ids and not location.deleted
            assert obj in location.contents
        for content in obj.contents:
            assert content.location is obj
        # no loops: walking up ends within the number of objects
        steps, holder = 0, obj.location
        while holder is not None:
            assert holder is not obj, f"{obj!r} is inside itself"
            steps += 1
            assert steps <= len(live)
            holder = holder.location
    # exactly one place: each object is counted once, in one contents or nowhere
    in_contents = [content for obj in live for content in obj.contents]
    assert len(in_contents) == len(set(map(id, in_contents)))
    assert len(in_contents) + sum(obj.location is None for obj in live) == len(live)
    leading = {
        (exit_.id, exit_.destination.id) for exit_ in world.objects_of(Exit) if exit_.destination
    }
    indexed = {(e.id, dest) for dest, exits in world._exits_to.items() for e in exits}
    assert leading == indexed  # the index of exits by destination agrees with the exits
    for obj in live:  # the name index finds every object by its key and each alias
        for name in (obj.key, *obj.aliases):
            assert obj in world.find(name)
    for gone in deleted:
        assert gone.deleted and gone.location is None and gone not in world
        assert gone not in world.find(gone.key)
        assert all(gone not in obj.contents for obj in live)


def pick(objects: list[GameObject], index: int) -> GameObject | None:
    live = [obj for obj in objects if not obj.deleted]
    return live[index % len(live)] if live and index % (len(live) + 1) else None


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_moves_and_deletes_keep_the_world_consistent(ops: list[tuple[str, int, int, int]]) -> None:
    kit = build_world(install=False)
    world = kit.world
    start = world.snapshot()
    world.drain_changes()
    objects: list[GameObject] = list(world)
    deleted: list[GameObject] = []
    for op, a, b, kind in ops:
        subject, other = pick(objects, a), pick(objects, b)
        if op == "create":
            cls = KINDS[kind]
            extra = {"destination": other} if cls is Exit else {}
            objects.append(
                world.create(cls, f"{cls.__name__.lower()} {a}", location=other, **extra)
            )
        elif subject is None:
            continue
        elif op == "move":
            before = world.snapshot()
            try:
                subject.move_to(other, quiet=bool(kind % 2))
            except MoveError:
                assert world.snapshot() == before  # a refused move changes nothing
        elif op == "delete" and subject.delete():
            deleted.append(subject)
            deleted.extend(obj for obj in objects if obj.deleted and obj not in deleted)
        elif op == "set":
            subject.db.value = [a, other] if other is not None else a
        elif op == "home":
            subject.home = other
        elif op == "rename":
            subject.key = f"name {b}"
            subject.aliases = [f"alias {a}", f"name {kind}"]
        check_invariants(world, deleted)
    assert apply_changes(start, world.drain_changes()) == world.snapshot()


@settings(max_examples=50, deadline=None)
@given(OPS)
def test_every_journal_prefix_is_a_world_with_one_place_per_object(
    ops: list[tuple[str, int, int, int]],
) -> None:
    kit = build_world(install=False)
    world = kit.world
    start = world.snapshot()
    world.drain_changes()
    objects: list[GameObject] = list(world)
    for op, a, b, kind in ops:
        subject, other = pick(objects, a), pick(objects, b)
        if op == "create":
            objects.append(world.create(KINDS[kind % 3], f"o{a}", location=other))
        elif subject is not None and op == "delete":
            subject.delete()
        elif subject is not None:
            with contextlib.suppress(MoveError):
                subject.move_to(other)
            subject.db.step = a
    changes = world.drain_changes()
    for cut in range(0, len(changes) + 1, max(1, len(changes) // 10)):
        state = apply_changes(start, changes[:cut])
        for row in state.values():
            holder, steps = row["location"], 0
            while holder is not None:  # locations exist and never loop, at every moment
                assert holder in state and holder != row["id"]
                holder, steps = state[holder]["location"], steps + 1
                assert steps <= len(state)
