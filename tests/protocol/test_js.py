"""The JavaScript semantics the transforms mimic for exact parity with the Node SDK."""

from __future__ import annotations

import math
from typing import Any

import pytest

from rx_lpagent.protocol._js import UNDEFINED, JSTypeError, js_delete, js_get, js_string, js_truthy


@pytest.mark.parametrize(
    ("value", "truthy"),
    [
        (None, False),
        (UNDEFINED, False),
        (False, False),
        (0, False),
        (0.0, False),
        (math.nan, False),
        ("", False),
        ([], True),
        ({}, True),
        ("0", True),
        (-1, True),
        (True, True),
    ],
)
def test_js_truthy(value: object, truthy: bool) -> None:
    assert js_truthy(value) is truthy


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (UNDEFINED, "undefined"),
        (None, "null"),
        (True, "true"),
        (False, "false"),
        ("ROLE", "ROLE"),
        (3, "3"),
        (3.0, "3"),
        (2.5, "2.5"),
        (math.nan, "NaN"),
        (["A"], "A"),
        (["A", None, 1], "A,,1"),
        ({"a": 1}, "[object Object]"),
    ],
)
def test_js_string(value: object, text: str) -> None:
    assert js_string(value) == text


@pytest.mark.parametrize(
    ("target", "key", "value"),
    [
        ({"a": 1}, "a", 1),
        ({"a": 1}, "b", UNDEFINED),
        ([7, 8], "1", 8),
        ([7, 8], "01", UNDEFINED),
        ([7, 8], "2", UNDEFINED),
        ([7, 8], "length", 2),
        ("ab", "length", 2),
        ("ab", "0", "a"),
        (5, "a", UNDEFINED),
        (True, "length", UNDEFINED),
    ],
)
def test_js_get(target: Any, key: str, value: Any) -> None:
    assert js_get(target, key) is value or js_get(target, key) == value


@pytest.mark.parametrize("target", [None, UNDEFINED])
def test_reading_or_deleting_a_property_of_nothing_throws(target: Any) -> None:
    with pytest.raises(JSTypeError):
        js_get(target, "x")
    with pytest.raises(JSTypeError):
        js_delete(target, "x")


def test_js_delete_is_a_no_op_on_primitives_and_arrays() -> None:
    target = {"a": 1, "b": 2}
    js_delete(target, "a")
    assert target == {"b": 2}
    for primitive in ("s", 1, True, [1]):
        js_delete(primitive, "a")
