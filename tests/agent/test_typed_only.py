"""Typed notifications the short way (only ``notifications_of`` watches dialog events, so their
frames are decoded in one pass and go from the intake straight to the typed stream), on both
socket transports: every guarantee of the long way still holds."""

from __future__ import annotations

import asyncio
import json

import msgspec
import pytest

from rx_lpagent.emulator import Emulator
from rx_lpagent.errors import CallbackError, MalformedFrameError
from rx_lpagent.events import ErrorEvent
from rx_lpagent.protocol import OnlineEventDistribution
from tests.agent.conftest import MakeAgent, Recorder
from tests.agent.test_backfill import CONSUMER, GAP_RECOVERY, WITHIN, across, barrier, send
from tests.agent.test_notifications import in_conversation
from tests.agent.waiting import error_at, first, settled, until

pytestmark = pytest.mark.asyncio

ONLINE_EVENT = ".ams.ms.OnlineEventDistribution"


def dialog_event(dialog_id: str, sequence: int | str, text: str) -> str:
    body = {
        "dialogId": dialog_id,
        "sequence": sequence,
        "originatorId": CONSUMER,
        "event": {"type": "ContentEvent", "contentType": "text/plain", "message": text},
    }
    return json.dumps({"kind": "notification", "type": ONLINE_EVENT, "body": body})


async def typed_only(make_agent: MakeAgent, emulator: Emulator) -> tuple[Recorder, list[str]]:
    rec = make_agent()
    await rec.agent.connect()
    seen: list[str] = []
    rec.agent.notifications_of(OnlineEventDistribution).subscribe(
        lambda event: seen.append(event.text or "")
    )
    return rec, seen


async def test_a_repeated_live_event_is_delivered_once(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    _, seen = await typed_only(make_agent, emulator)
    for frame in (
        dialog_event("d-1", 7, "once"),
        dialog_event("d-1", 7, "once"),  # at least once on the wire: a repeat
        dialog_event("d-1", 6, "older"),  # late, but never delivered: delivered
        dialog_event("d-1", 8, "after"),
    ):
        emulator.faults.send_malformed(frame)
    await until(lambda: "after" in seen)
    assert seen == ["once", "older", "after"]


async def test_a_raising_subscriber_is_reported_and_the_others_get_every_event(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, seen = await typed_only(make_agent, emulator)

    def explode(_: OnlineEventDistribution) -> None:
        raise RuntimeError("a bug in the caller's handler")

    rec.agent.notifications_of(OnlineEventDistribution).subscribe(explode)
    also: list[str] = []
    rec.agent.notifications_of(OnlineEventDistribution).subscribe(
        lambda event: also.append(event.text or "")
    )
    reported = first(rec.agent.events, error_at("Callback#Raised"))
    emulator.faults.send_malformed(dialog_event("d-2", 1, "one"))
    emulator.faults.send_malformed(dialog_event("d-2", 2, "two"))
    await until(lambda: len(also) == 2)
    assert seen == also == ["one", "two"]
    event = await settled(reported)
    assert isinstance(event, ErrorEvent)
    assert isinstance(event.error, CallbackError)


async def test_a_bad_body_is_reported_and_the_stream_goes_on(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, seen = await typed_only(make_agent, emulator)
    reported = first(rec.agent.events, error_at("Notification#Transform"))
    emulator.faults.send_malformed(dialog_event("d-3", "not a sequence", "bad"))
    emulator.faults.send_malformed(dialog_event("d-3", 1, "good"))
    event = await settled(reported)
    assert isinstance(event, ErrorEvent)
    assert isinstance(event.error, MalformedFrameError)
    await until(lambda: seen == ["good"])


async def test_a_raw_watcher_coming_later_gets_the_frames_from_then_on(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, seen = await typed_only(make_agent, emulator)
    emulator.faults.send_malformed(dialog_event("d-4", 1, "typed only"))
    await until(lambda: seen == ["typed only"])
    raw = first(rec.agent.notifications_of(ONLINE_EVENT))
    emulator.faults.send_malformed(dialog_event("d-4", 2, "both"))
    notification = await settled(raw)
    assert msgspec.json.decode(notification.body)["event"]["message"] == "both"
    await until(lambda: seen == ["typed only", "both"])


async def test_messages_across_a_drop_arrive_once_in_order_with_only_a_typed_watcher(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, conv_id = await in_conversation(make_agent, emulator, recovery=GAP_RECOVERY)
    seen: list[str] = []
    rec.agent.notifications_of(OnlineEventDistribution).subscribe(
        lambda event: seen.append(event.text) if event.text else None
    )
    count = 60
    sending = asyncio.ensure_future(send(emulator, conv_id, count))
    await until(lambda: len(seen) >= 20, WITHIN)
    await across(rec, lambda: emulator.faults.close_sockets(1006))
    await sending
    await until(lambda: len(seen) >= count, WITHIN)
    await barrier(rec)
    assert seen == [f"m{i}" for i in range(count)]
