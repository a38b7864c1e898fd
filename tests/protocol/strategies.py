"""Hypothesis strategies: JSON values, protocol-shaped JSON, and instances of any body Struct."""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import strategies as st

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)

json_scalars = st.none() | st.booleans() | INT64 | FLOATS | st.text(max_size=8)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)

# Keys and values the transforms look at, so random bodies reach their deep paths.
_KEYS = [
    "changes",
    "result",
    "conversationDetails",
    "participants",
    "participantsPId",
    "dialogs",
    "participantsDetails",
    "role",
    "state",
    "id",
    "convId",
    "ringsDetails",
    "agentUserId",
    "originatorId",
    "originatorPId",
    "dialogId",
    "lp_sdes",
    "claims",
    "authenticatedData",
    "privateData",
    "acr",
    "iss",
    "mobileNum",
    "email",
    "userId",
    "firstName",
    "lastName",
    "CONSUMER",
    "ASSIGNED_AGENT",
    "conversationField",
    "field",
    "agentIds",
    "fromSeq",
]
_SCALARS = json_scalars | st.sampled_from(
    ["123.5551234", "3b5b7ec6", "CONSUMER", "ASSIGNED_AGENT", "SUGGESTED", "ParticipantsChange"]
)
protocol_json: st.SearchStrategy[Any] = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=4), inner, max_size=5)
    ),
    max_leaves=30,
)


def _for_type(info: msgspec.inspect.Type) -> st.SearchStrategy[Any]:
    mi = msgspec.inspect
    if isinstance(info, mi.StrType):
        return st.text(max_size=8)
    if isinstance(info, mi.BoolType):
        return st.booleans()
    if isinstance(info, mi.IntType):
        return INT64
    if isinstance(info, mi.FloatType):
        return FLOATS
    if isinstance(info, mi.NoneType):
        return st.none()
    if isinstance(info, mi.AnyType):
        return json_values
    if isinstance(info, mi.RawType):
        return json_values.map(lambda v: msgspec.Raw(msgspec.json.encode(v)))
    if isinstance(info, mi.ListType):
        return st.lists(_for_type(info.item_type), max_size=2)
    if isinstance(info, mi.DictType):
        return st.dictionaries(st.text(max_size=6), _for_type(info.value_type), max_size=2)
    if isinstance(info, mi.UnionType):
        return st.one_of([_for_type(t) for t in info.types])
    if isinstance(info, mi.StructType):
        return st.deferred(lambda: structs(info.cls))
    raise NotImplementedError(info)


def structs(struct_type: type[Any]) -> st.SearchStrategy[Any]:
    """Instances of ``struct_type`` with every field drawn (optional ones too)."""
    info = msgspec.inspect.type_info(struct_type)
    assert isinstance(info, msgspec.inspect.StructType)
    return st.builds(struct_type, **{f.name: _for_type(f.type) for f in info.fields})
