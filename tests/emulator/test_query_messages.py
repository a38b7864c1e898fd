"""The history query as the backfill uses it: from a sequence on (inclusive), up to a quantity,
oldest first, below a sequence; bad values refused."""

from __future__ import annotations

from typing import Any

import pytest

from rx_lpagent.emulator import Emulator
from tests.emulator.conftest import Client, Socket

pytestmark = pytest.mark.asyncio


async def history(socket: Socket, body: dict[str, Any]) -> list[str]:
    response = await socket.request(".ams.ms.QueryMessages", body)
    assert response["code"] == 200, response
    return [event["event"]["message"] for event in response["body"]]


async def test_a_dialog_pages_from_the_last_sequence_on(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    consumer = emu.consumer()
    conv_id = await consumer.open_conversation()
    sequences = [await consumer.send_text(conv_id, f"m{i}") for i in range(7)]
    assert sequences == list(range(7))
    dialog = {"dialogId": conv_id}
    assert await history(socket, dialog) == [f"m{i}" for i in range(7)]  # no paging of its own
    assert await history(socket, {**dialog, "newerThanSequence": 0, "maxQuantity": 3}) == [
        "m0",
        "m1",
        "m2",
    ]
    assert await history(socket, {**dialog, "newerThanSequence": 2, "maxQuantity": 3}) == [
        "m2",
        "m3",
        "m4",
    ]
    assert await history(socket, {**dialog, "newerThanSequence": 4, "maxQuantity": 3}) == [
        "m4",
        "m5",
        "m6",
    ]
    assert await history(socket, {**dialog, "newerThanSequence": 6, "maxQuantity": 3}) == ["m6"]
    assert await history(socket, {**dialog, "olderThanSequence": 2}) == ["m0", "m1"]
    assert await history(socket, {**dialog, "maxQuantity": 0}) == []


@pytest.mark.parametrize(
    "bad",
    [
        {"newerThanSequence": -1},
        {"newerThanSequence": "0"},
        {"maxQuantity": -1},
        {"maxQuantity": True},
        {"olderThanSequence": 1.5},
    ],
)
async def test_bad_sequences_and_quantities_are_refused(
    bad: dict[str, Any], client: Client, emu: Emulator
) -> None:
    socket = await client.connect()
    conv_id = await emu.consumer().open_conversation()
    response = await socket.request(".ams.ms.QueryMessages", {"dialogId": conv_id, **bad})
    assert response["code"] == 400
    # a wrong type fails the emulator's schema, a wrong value its own check: both name the field
    assert next(iter(bad)) in response["body"]
    assert response["body"].startswith(("invalid field: ", "invalid request body: "))
