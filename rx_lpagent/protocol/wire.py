"""Conventions shared by every body struct: camelCase names, lenient decoding, one-or-many lists.

Three rules of the wire (PROTOCOL.md section 3) are handled here, once:

* **Unknown fields are ignored**: :class:`WireStruct` never forbids them.
* **Unknown enum values are accepted**: closed value sets are plain ``str`` fields; the
  :mod:`~rx_lpagent.protocol.values` StrEnums are constants to compare with and to send, never
  a decode-time check.
* **A one-element array may arrive as the bare element**: annotate such a field
  ``OneOrMany[X]`` and normalise it in ``__post_init__`` with :func:`as_list`. The decoder then
  accepts ``[x, ...]`` and ``x``; after decoding (and after construction) the attribute is always
  a ``list[X]``, which is also what the type checker sees. Encoding always writes the array form.

``OneOrMany[X]`` means ``list[X] | X`` to msgspec at run time and ``list[X]`` to the type
checker; the ``__post_init__`` call is what makes the two agree. ``one_or_many_fields`` finds
such fields, so a test can check no struct forgets the normalisation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import msgspec

__all__ = ["OneOrMany", "WireStruct", "as_list", "one_or_many_fields"]

_T = TypeVar("_T")

if TYPE_CHECKING:
    OneOrMany: TypeAlias = list[_T]
else:

    class OneOrMany:
        """``OneOrMany[X]`` is ``list[X] | X`` for the decoder (see the module docstring)."""

        def __class_getitem__(cls, item: Any) -> Any:
            return list[item] | item


class WireStruct(msgspec.Struct, rename="camel", omit_defaults=True, forbid_unknown_fields=False):
    """Base of the body structs: snake_case attributes, camelCase on the wire, lenient decode."""


def as_list(value: list[_T] | _T) -> list[_T]:
    """The value as a list: a bare element becomes a one-element list, a list is kept."""
    if isinstance(value, list):
        return value
    return [value]


def one_or_many_fields(struct_type: type[msgspec.Struct]) -> tuple[str, ...]:
    """Names of the fields of ``struct_type`` declared ``OneOrMany[X]`` (a list or its element)."""
    info = msgspec.inspect.type_info(struct_type)
    if not isinstance(info, msgspec.inspect.StructType):
        raise TypeError(f"not a Struct type: {struct_type!r}")
    names = []
    for field in info.fields:
        if isinstance(field.type, msgspec.inspect.UnionType) and any(
            isinstance(t, msgspec.inspect.ListType) for t in field.type.types
        ):
            names.append(field.name)
    return tuple(names)
