"""Parsing the whole flow journal in one go: correct values, and None (flow by flow) on any
damage, including a damaged text that would run into its neighbours."""

from __future__ import annotations

import pytest

from ember.interaction._durable_load import check_steps, parse_all


def _flow(ident: str, args: str = "[1]", kwargs: str = "{}") -> tuple:
    return (ident, '{"function":"m:f"}', args, kwargs, None, "f", 0.0)


def _step(flow: str, seq: int, value: str | None, kind: str = "random") -> tuple:
    return (flow, seq, kind, "", value, None if value is not None else 5.0)


def test_every_flow_parsed_with_its_outcomes() -> None:
    flows = [_flow("a", '[{"$entity":["object",5]},2]', '{"x":[1]}'), _flow("b")]
    steps = {"a": [_step("a", 0, "[0.5]"), _step("a", 1, None, "pause")], "b": []}
    parsed = parse_all(flows, steps)
    assert parsed == {
        "a": ([{"$entity": ["object", 5]}, 2], {"x": [1]}, [[0.5]]),
        "b": ([1], {}, []),
    }


def test_a_text_spanning_its_neighbours_gives_none() -> None:
    flows = [_flow("a"), _flow("b")]
    # As text, "[1]],[[2]" closes flow a's outcomes early and opens another entry.
    steps = {"a": [_step("a", 0, "[1]],[[2]")], "b": [_step("b", 0, "[3]")]}
    assert parse_all(flows, steps) is None
    assert parse_all([_flow("a", "[1],{},[2]")], {}) is None  # extra values in one entry


def test_invalid_json_or_not_text_gives_none() -> None:
    assert parse_all([_flow("a", "[1")], {}) is None
    assert parse_all([_flow("a", 5)], {}) is None  # type: ignore[arg-type]
    assert parse_all([_flow("a")], {"a": [_step("a", 0, "[nope]")]}) is None


def test_a_missing_outcome_before_the_last_step_is_left_to_check_steps() -> None:
    steps = [_step("a", 0, None, "pause"), _step("a", 1, "[1]")]
    parsed = parse_all([_flow("a")], {"a": steps})
    assert parsed == {"a": ([1], {}, None)}
    with pytest.raises(ValueError, match=r"step 0 \(pause\) has no outcome"):
        check_steps(steps)  # type: ignore[arg-type]
