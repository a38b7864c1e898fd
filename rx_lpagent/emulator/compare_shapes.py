"""What a compare looks at in two JSON values: their shapes, not their values, and the ids the
live side uses for the recorded ones.

A shape is the kinds a value has (``object``, ``array``, ``string``, ``number``, ``boolean``,
``null``), the shapes of an object's fields and the merged shape of an array's items (every
item's fields together: arrays of different lengths compare by what their items look like).
Pure functions; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from rx_lpagent.recording import is_placeholder

__all__ = ["IdMap", "Shape", "shape_differences", "shape_of"]


@dataclass
class Shape:
    kinds: set[str] = field(default_factory=set)
    fields: dict[str, Shape] = field(default_factory=dict)
    items: Shape | None = None
    """The merged shape of an array's items (None: no array, or only empty ones)."""

    def merge(self, other: Shape) -> Shape:
        self.kinds |= other.kinds
        for name, each in other.fields.items():
            mine = self.fields.get(name)
            self.fields[name] = each if mine is None else mine.merge(each)
        if other.items is not None:
            self.items = other.items if self.items is None else self.items.merge(other.items)
        return self

    def describe(self) -> str:
        return "|".join(sorted(self.kinds)) or "nothing"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_of(value: Any) -> Shape:
    shape = Shape({_kind(value)})
    if isinstance(value, dict):
        shape.fields = {str(name): shape_of(item) for name, item in value.items()}
    elif isinstance(value, list):
        for item in value:
            each = shape_of(item)
            shape.items = each if shape.items is None else shape.items.merge(each)
    return shape


def shape_differences(recorded: Any, live: Any, path: str = "$") -> list[tuple[str, str]]:
    """``(JSON path, problem)`` for every way ``live`` is shaped otherwise than ``recorded``."""
    found: list[tuple[str, str]] = []
    _compare(shape_of(recorded), shape_of(live), path, found)
    return found


def _compare(recorded: Shape, live: Shape, path: str, found: list[tuple[str, str]]) -> None:
    if recorded.kinds != live.kinds:
        found.append(
            (path, f"other type: recorded {recorded.describe()}, emulator {live.describe()}")
        )
    if "object" in recorded.kinds and "object" in live.kinds:
        for name, each in recorded.fields.items():
            where = f"{path}.{name}"
            if name not in live.fields:
                found.append(
                    (where, f"missing: the emulator does not send it (recorded {each.describe()})")
                )
            else:
                _compare(each, live.fields[name], where, found)
        for name, each in live.fields.items():
            if name not in recorded.fields:
                found.append(
                    (
                        f"{path}.{name}",
                        f"extra: the emulator sends it ({each.describe()}), the recording "
                        "does not have it",
                    )
                )
    if recorded.items is not None and live.items is not None:
        _compare(recorded.items, live.items, f"{path}[]", found)


_ID_KEY: Final = re.compile(r"(?i).*(id|ids)$")
_NOT_MAPPED: Final = frozenset({"reqId", "id"})
"""Request ids: the compare sends the recorded ones, so they need no mapping."""
_MIN_EMBEDDED: Final = 6
"""Shorter ids are replaced only as whole strings (a short one could hide in another value)."""


class IdMap:
    """Recorded ids and placeholders -> the live values that first stood in their place."""

    def __init__(self) -> None:
        self.live: dict[str, str] = {}

    def add(self, recorded: str, live: str) -> None:
        if recorded and recorded not in self.live:
            self.live[recorded] = live

    def learn(self, recorded: Any, live: Any, key: str = "", parent: str = "") -> None:
        """Walk both values side by side; a placeholder, or a string under an id-like key
        (``convId``, ``agentIds``, ``participantsPId``...), maps to the live string there."""
        if isinstance(recorded, dict) and isinstance(live, dict):
            for name, item in recorded.items():
                if name in live and name not in _NOT_MAPPED:
                    self.learn(item, live[name], str(name), key)
        elif isinstance(recorded, list) and isinstance(live, list):
            for mine, theirs in zip(recorded, live, strict=False):
                self.learn(mine, theirs, key, parent)
        elif (
            isinstance(recorded, str)
            and isinstance(live, str)
            and recorded != live
            and (is_placeholder(recorded) or _ID_KEY.match(key) or _ID_KEY.match(parent))
        ):
            self.add(recorded, live)

    def apply(self, value: Any) -> Any:
        """``value`` with the recorded ids and placeholders replaced by their live values."""
        if isinstance(value, str):
            return self.apply_text(value)
        if isinstance(value, dict):
            return {name: self.apply(item) for name, item in value.items()}
        if isinstance(value, list):
            return [self.apply(item) for item in value]
        return value

    def apply_text(self, text: str) -> str:
        exact = self.live.get(text)
        if exact is not None:
            return exact
        for recorded in sorted(self.live, key=len, reverse=True):
            if len(recorded) >= _MIN_EMBEDDED and recorded in text:
                text = text.replace(recorded, self.live[recorded])
        return text
