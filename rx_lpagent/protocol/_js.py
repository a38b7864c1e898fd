"""The few JavaScript semantics the Node SDK's transforms rely on, for exact parity.

Reading a property of a primitive gives ``undefined``; deleting one is a no-op; property keys
are strings (``obj[["A"]]`` reads ``obj["A"]``); a property set on an array is invisible in its
JSON. Only ``null``/``undefined`` make those operations throw. Integer-like keys, which
JavaScript would enumerate first, are not reordered: no protocol object uses them.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["UNDEFINED", "JSTypeError", "js_delete", "js_get", "js_string", "js_truthy"]


class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()
"""A property that is absent (``undefined``); it never appears in a JSON result."""


class JSTypeError(TypeError):
    """What JavaScript would throw: reading or writing a property of null or undefined."""


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness: ``[]`` and ``{}`` are true; null, false, 0, NaN and "" are false."""
    if value is UNDEFINED:
        return False
    if isinstance(value, list | dict):
        return True
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def js_get(target: Any, key: str) -> Any:
    """``target[key]`` for a JSON value (``UNDEFINED`` when absent)."""
    if target is None or target is UNDEFINED:
        raise JSTypeError(f"Cannot read properties of {js_string(target)} (reading '{key}')")
    if isinstance(target, dict):
        return target.get(key, UNDEFINED)
    if isinstance(target, list | str):
        if key == "length":
            return len(target)
        if key.isdigit() and (key == "0" or not key.startswith("0")) and int(key) < len(target):
            return target[int(key)]
    return UNDEFINED


def js_delete(target: Any, key: str) -> None:
    """``delete target[key]``: a no-op on primitives and arrays (for non-index keys)."""
    if target is None or target is UNDEFINED:
        raise JSTypeError(f"Cannot convert {js_string(target)} to object (deleting '{key}')")
    if isinstance(target, dict):
        target.pop(key, None)


def js_string(value: Any) -> str:
    """``String(value)``, which is also how JavaScript turns a value into a property key."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, list):
        return ",".join("" if item is None else js_string(item) for item in value)
    return "[object Object]"
