"""The one JSON-safety rule the telnet and web sides apply to client data (issue 12, item 5)."""

from __future__ import annotations

from ember.portal.json_values import MAX_DATA_DEPTH, json_safe


def nested(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = [value]
    return value


def test_json_values_pass_unchanged() -> None:
    value = {"a": [1, 2.5, True, None, "x"], "b": {"c": []}}
    assert json_safe(value) == value


def test_keys_become_strings_and_tuples_lists() -> None:
    assert json_safe({1: (2, 3)}) == {"1": [2, 3]}


def test_other_values_travel_as_their_repr() -> None:
    assert json_safe({"s": {1, 2}}) == {"s": repr({1, 2})}


def test_nesting_beyond_the_limit_becomes_none() -> None:
    kept = json_safe(nested(MAX_DATA_DEPTH))
    assert kept == nested(MAX_DATA_DEPTH)
    cut = json_safe(nested(MAX_DATA_DEPTH + 1))
    assert cut != nested(MAX_DATA_DEPTH + 1)
    inner = cut
    for _ in range(MAX_DATA_DEPTH + 1):
        assert isinstance(inner, list)
        inner = inner[0]
    assert inner is None
