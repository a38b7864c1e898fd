"""The shared wire conventions: one-or-many lists, lenient decoding, JavaScript truthiness."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from rx_lpagent.protocol import messaging_events, notifications, requests
from rx_lpagent.protocol.wire import OneOrMany, WireStruct, as_list, one_or_many_fields


class _Sample(WireStruct):
    item_ids: OneOrMany[str] = msgspec.field(default_factory=list)
    maybe_ids: OneOrMany[int] | None = None

    def __post_init__(self) -> None:
        self.item_ids = as_list(self.item_ids)
        if self.maybe_ids is not None:
            self.maybe_ids = as_list(self.maybe_ids)


def test_a_bare_element_decodes_as_a_one_element_list() -> None:
    sample = msgspec.json.decode(b'{"itemIds":"a","maybeIds":3}', type=_Sample)
    assert sample == _Sample(item_ids=["a"], maybe_ids=[3])


def test_an_array_decodes_unchanged_and_absent_fields_keep_their_defaults() -> None:
    assert msgspec.json.decode(b'{"itemIds":["a","b"]}', type=_Sample) == _Sample(["a", "b"])
    assert msgspec.json.decode(b"{}", type=_Sample) == _Sample()


def test_encoding_always_writes_the_array_form() -> None:
    bare: Any = "a"
    assert msgspec.json.encode(_Sample(item_ids=bare)) == b'{"itemIds":["a"]}'


def test_a_wrong_element_type_is_still_a_validation_error() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"itemIds":[1]}', type=_Sample)


def test_unknown_fields_are_ignored() -> None:
    assert msgspec.json.decode(b'{"itemIds":[],"other":{"x":1}}', type=_Sample) == _Sample()


def test_one_or_many_fields_finds_the_declared_fields() -> None:
    assert one_or_many_fields(_Sample) == ("item_ids", "maybe_ids")


def _structs() -> list[type[msgspec.Struct]]:
    found = []
    for module in (requests, notifications, messaging_events):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, msgspec.Struct)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


@pytest.mark.parametrize("struct_type", _structs(), ids=lambda t: t.__name__)
def test_every_struct_with_one_or_many_fields_normalises_them(
    struct_type: type[msgspec.Struct],
) -> None:
    # The type checker sees list[X]; only __post_init__ makes that true after a decode.
    if one_or_many_fields(struct_type):
        assert "__post_init__" in vars(struct_type)


def test_one_or_many_fields_rejects_a_non_struct() -> None:
    with pytest.raises(TypeError):
        one_or_many_fields(dict)  # type: ignore[arg-type]
