"""Secret fields of frozen msgspec Structs that encoding cannot reveal.

msgspec encodes a Struct straight from its slots, with no hook a library could use. So a secret
field's slot holds a :class:`Sealed` value, which encodes as ``{"secret": "***"}``, while the
attribute of the same name (a property put over the slot) still reads as the plain string::

    @concealed("password")
    class Login(msgspec.Struct, frozen=True):
        username: str
        password: str

        def __post_init__(self) -> None:
            seal(self)

    Login("bot", "pw").password                # "pw"
    msgspec.json.encode(Login("bot", "pw"))    # {"username":"bot","password":{"secret":"***"}}

Equality, hashing, ``msgspec.structs.replace``, copy and pickle keep the real value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

__all__ = ["Sealed", "concealed", "seal"]

_HIDDEN = "***"
_C = TypeVar("_C", bound=type[msgspec.Struct])


class Sealed(msgspec.Struct, dict=True, tag_field="secret", tag=_HIDDEN):
    """A secret string that shows and encodes as ``***``; :meth:`reveal` gives it back."""

    def reveal(self) -> str:
        value: str = self.__dict__["value"]
        return value

    def __repr__(self) -> str:
        return repr(_HIDDEN)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.reveal() == self.reveal()

    def __hash__(self) -> int:
        return hash(self.reveal())

    def __reduce__(self) -> tuple[Any, ...]:
        return (sealed, (self.reveal(),))


def sealed(value: str) -> Sealed:
    holder = Sealed()
    holder.__dict__["value"] = value
    return holder


def _slots(cls: type[msgspec.Struct]) -> dict[str, Any]:
    slots: dict[str, Any] = getattr(cls, "_sealed_slots", {})
    return slots


def concealed(*names: str) -> Callable[[_C], _C]:
    """Class decorator: the fields ``names`` read as plain strings and encode sealed."""

    def conceal(cls: _C) -> _C:
        slots = {**_slots(cls)}
        for name in names:
            slot = cls.__dict__[name]
            slots[name] = slot

            def read(self: msgspec.Struct, slot: Any = slot) -> Any:
                value = slot.__get__(self)
                return value.reveal() if isinstance(value, Sealed) else value

            setattr(cls, name, property(read))
        cls._sealed_slots = slots  # type: ignore[attr-defined]
        return cls

    return conceal


def seal(struct: msgspec.Struct) -> None:
    """Seal the concealed fields of a freshly built ``struct`` (call it from ``__post_init__``)."""
    for slot in _slots(type(struct)).values():
        value = slot.__get__(struct)
        if not isinstance(value, Sealed):
            slot.__set__(struct, sealed(value))
