"""No consumer message lost across reconnects, none delivered twice, each dialog in order: the
agent against the emulator on both socket transports, with drops, token expiry and a half-open
socket while a consumer is typing away."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import msgspec
import pytest

from rx_lpagent.agent import Agent
from rx_lpagent.emulator import Emulator
from rx_lpagent.errors import BackfillError
from rx_lpagent.events import AgentEvent, Backfilled, Connected, ErrorEvent
from rx_lpagent.protocol import ExConversationChangeNotification, OnlineEventDistribution
from rx_lpagent.protocol.transforms import NodeView
from rx_lpagent.recovery import Recovery
from tests.agent.conftest import MakeAgent, Recorder
from tests.agent.test_notifications import in_conversation
from tests.agent.waiting import first, settled, until

pytestmark = pytest.mark.asyncio

CONSUMER = "consumer-1"
ONLINE_EVENT = ".ams.ms.OnlineEventDistribution"
GAP_RECOVERY = Recovery().scaled(0.05)
"""LivePerson's policy at 1/20: a reconnect waits 50 ms, so messages sent meanwhile are missed
live and only a backfill brings them."""
WITHIN = 15.0


class Inbox:
    """The consumer's messages as the bot sees them on the typed, raw and Node-view streams."""

    def __init__(self, agent: Agent) -> None:
        self.typed: list[str] = []
        self.raw: list[str] = []
        self.node: list[str] = []
        agent.notifications_of(OnlineEventDistribution).subscribe(self._on_typed)
        agent.notifications_of(ONLINE_EVENT).subscribe(
            lambda n: self._on_body(msgspec.json.decode(n.body), self.raw)
        )
        agent.node_notifications.subscribe(self._on_node_view)

    def _on_typed(self, event: OnlineEventDistribution) -> None:
        if event.originator_id == CONSUMER and event.text is not None:
            self.typed.append(event.text)

    def _on_node_view(self, view: NodeView) -> None:
        if view.type == "ms.MessagingEventNotification":
            for change in view.body["changes"]:
                self._on_body(change, self.node)

    @staticmethod
    def _on_body(body: dict[str, object], into: list[str]) -> None:
        event = body.get("event")
        if body.get("originatorId") == CONSUMER and isinstance(event, dict):
            message = event.get("message")
            if isinstance(message, str):
                into.append(message)

    async def holds(self, count: int) -> None:
        await until(lambda: len(self.typed) >= count, WITHIN)

    def assert_exactly_once_in_order(self, count: int) -> None:
        expected = [f"m{i}" for i in range(count)]
        for stream in (self.typed, self.raw, self.node):
            assert stream == expected, (len(stream), len(set(stream)))


def is_backfilled(event: AgentEvent) -> bool:
    return isinstance(event, Backfilled)


async def send(emulator: Emulator, conv_id: str, count: int, start: int = 0) -> None:
    consumer = emulator.consumer(CONSUMER)
    for index in range(start, count):
        await consumer.send_text(conv_id, f"m{index}")
        await asyncio.sleep(0.005)


async def across(rec: Recorder, fault: Callable[[], Awaitable[object]]) -> None:
    """Cause ``fault`` and wait for the reconnect and its backfill."""
    backfilled = first(rec.agent.events, is_backfilled)
    await fault()
    await settled(backfilled, WITHIN)


async def barrier(rec: Recorder) -> None:
    """A manual reconnect and its backfill: whatever an earlier backfill was to deliver (twice or
    not) has been delivered by then."""
    backfilled = first(rec.agent.events, is_backfilled)
    await rec.agent.reconnect(skip_token_generation=True)
    last = await settled(backfilled, WITHIN)
    assert isinstance(last, Backfilled)
    assert last.delivered == 0


def backfills(rec: Recorder) -> list[Backfilled]:
    return [e for e in rec.events if isinstance(e, Backfilled)]


def gaps(rec: Recorder) -> list[ErrorEvent]:
    return [e for e in rec.events if isinstance(e, ErrorEvent) and _is_gap(e)]


Fault = Callable[[], Awaitable[object]]


async def converse(
    rec: Recorder, emulator: Emulator, conv_id: str, count: int, *faults: tuple[int, Fault]
) -> None:
    """The consumer sends ``count`` messages; once the bot holds ``n`` of them, each ``(n,
    fault)`` is caused and its reconnect and backfill awaited. In the end every stream holds each
    message once, in order."""
    inbox = Inbox(rec.agent)
    sending = asyncio.ensure_future(send(emulator, conv_id, count))
    for held, fault in faults:
        await inbox.holds(held)
        await across(rec, fault)
    await sending
    await inbox.holds(count)
    await barrier(rec)
    inbox.assert_exactly_once_in_order(count)


async def test_120_messages_across_a_drop_and_a_token_close_arrive_once_in_order(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, conv_id = await in_conversation(make_agent, emulator, recovery=GAP_RECOVERY)
    await converse(
        rec,
        emulator,
        conv_id,
        120,
        (30, lambda: emulator.faults.close_sockets(1006)),
        (70, lambda: emulator.faults.close_sockets(4401)),
    )
    made = backfills(rec)
    assert len(made) == 3
    assert sum(b.delivered for b in made) > 0  # the 50 ms gaps did miss messages
    assert all(b.dialog_id == conv_id for b in made)
    assert not gaps(rec)
    assert emulator.calls.count("login") == 2  # 4401 asked for a new token


async def test_a_drop_during_the_backfill_is_backfilled_by_the_next_socket(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, conv_id = await in_conversation(make_agent, emulator, recovery=GAP_RECOVERY)

    async def drop_twice() -> None:
        emulator.faults.close_on(".ams.ms.QueryMessages", 1006)  # the first backfill's query
        await emulator.faults.close_sockets(1006)

    await converse(rec, emulator, conv_id, 60, (20, drop_twice))
    assert emulator.calls.count("ws") == 4  # connect, two recoveries, the barrier
    assert emulator.calls.count(".ams.ms.QueryMessages") == 3
    assert len(backfills(rec)) == 2
    assert not gaps(rec)


async def test_a_token_expiry_loses_nothing(make_agent: MakeAgent, emulator: Emulator) -> None:
    rec, conv_id = await in_conversation(make_agent, emulator, recovery=GAP_RECOVERY)
    await converse(rec, emulator, conv_id, 60, (20, emulator.faults.expire_bearer))
    assert emulator.calls.count("login") == 2
    assert sum(b.delivered for b in backfills(rec)) > 0


async def test_a_half_open_socket_caught_by_the_keepalive_loses_nothing(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, conv_id = await in_conversation(
        make_agent,
        emulator,
        recovery=GAP_RECOVERY,
        keepalive_interval=0.05,
        keepalive_timeout=0.1,
    )

    async def half_open() -> None:
        emulator.faults.half_open()

    await converse(rec, emulator, conv_id, 60, (20, half_open))
    assert ("error", "KeepAlive#Watchdog") in rec.outcomes()
    assert sum(b.delivered for b in backfills(rec)) > 0


async def first_message(rec: Recorder, emulator: Emulator, conv_id: str) -> Inbox:
    """The bot's inbox, once it holds the consumer's first message ``m0`` (its dialog is one
    the agent now tracks)."""
    inbox = Inbox(rec.agent)
    await emulator.consumer(CONSUMER).send_text(conv_id, "m0")
    await inbox.holds(1)
    return inbox


async def down_while(rec: Recorder, emulator: Emulator, conv_id: str, count: int) -> None:
    """The socket closes (no recovery) and the consumer sends ``count`` messages meanwhile."""
    await emulator.faults.close_sockets(1000)
    await until(lambda: not rec.agent.connected)
    await send(emulator, conv_id, count, start=1)


async def test_a_long_gap_is_fetched_page_by_page(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, conv_id = await in_conversation(make_agent, emulator, recovery=None)
    inbox = await first_message(rec, emulator, conv_id)
    await down_while(rec, emulator, conv_id, 250)
    backfilled = first(rec.agent.events, is_backfilled)
    await rec.agent.reconnect()
    done = await settled(backfilled)
    assert isinstance(done, Backfilled)
    inbox.assert_exactly_once_in_order(250)
    assert (done.delivered, done.pages) == (249, 3)
    queries = [c.body for c in emulator.calls.of(".ams.ms.QueryMessages")]
    assert queries == [
        {"dialogId": conv_id, "newerThanSequence": 0, "maxQuantity": 100},
        {"dialogId": conv_id, "newerThanSequence": 99, "maxQuantity": 100},
        {"dialogId": conv_id, "newerThanSequence": 198, "maxQuantity": 100},
    ]


async def test_a_backfill_stopped_by_its_limit_reports_the_gap(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, conv_id = await in_conversation(make_agent, emulator, recovery=None, backfill_limit=30)
    inbox = await first_message(rec, emulator, conv_id)
    await down_while(rec, emulator, conv_id, 50)
    await rec.agent.reconnect()
    await until(lambda: bool(gaps(rec)))
    (gap,) = gaps(rec)
    assert isinstance(gap.error, BackfillError)
    assert (gap.error.dialog_id, gap.error.after_sequence) == (conv_id, 29)
    assert "limit of 30 events" in gap.error.message
    assert inbox.typed == [f"m{i}" for i in range(30)]


async def test_a_failing_backfill_is_retried_then_its_gap_reported(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, conv_id = await in_conversation(make_agent, emulator, recovery=GAP_RECOVERY)
    inbox = await first_message(rec, emulator, conv_id)
    emulator.faults.fail(".ams.ms.QueryMessages", 503, times=2)
    await across(rec, lambda: emulator.faults.close_sockets(1006))
    assert emulator.calls.count(".ams.ms.QueryMessages") == 3
    assert not gaps(rec)
    emulator.faults.fail(".ams.ms.QueryMessages", 503, times=None)
    gap_reported = first(rec.agent.events, _is_gap)
    reconnected = first(rec.agent.events, lambda e: isinstance(e, Connected))
    await emulator.faults.close_sockets(1006)
    await settled(reconnected)
    await emulator.consumer(CONSUMER).send_text(conv_id, "m1")
    gap = await settled(gap_reported, WITHIN)
    assert isinstance(gap, ErrorEvent)
    assert isinstance(gap.error, BackfillError)
    assert gap.error.after_sequence == 0
    assert "gave up after 5 retries" in gap.error.message
    await inbox.holds(2)  # the live message held during the backfill is delivered after all
    assert inbox.typed == ["m0", "m1"]


def _is_gap(event: AgentEvent) -> bool:
    return isinstance(event, ErrorEvent) and event.location == "Subscription#Backfill"


async def test_backfill_off_sends_no_history_query(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, conv_id = await in_conversation(make_agent, emulator, backfill=False)
    inbox = await first_message(rec, emulator, conv_id)
    await rec.agent.reconnect(skip_token_generation=True)
    await emulator.consumer(CONSUMER).send_text(conv_id, "m1")
    await inbox.holds(2)
    assert emulator.calls.count(".ams.ms.QueryMessages") == 0
    assert not backfills(rec)


async def test_a_conversation_closed_in_the_gap_leaves_the_open_view(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent(recovery=None)
    agent = rec.agent
    changes: list[tuple[str, str, str]] = []
    agent.notifications_of(ExConversationChangeNotification).subscribe(
        lambda n: changes.extend(
            (c.type, c.result.conv_id, c.result.conversation_details.state)
            for c in n.changes
            if c.result is not None and c.result.conversation_details is not None
        )
    )
    node_deletes: list[str] = []
    agent.node_notifications.subscribe(
        lambda view: (
            node_deletes.extend(
                c["result"]["convId"] for c in view.body["changes"] if c["type"] == "DELETE"
            )
            if view.type == "cqm.ExConversationChangeNotification"
            else None
        )
    )
    await agent.connect()
    await agent.subscribe_ex_conversations({"convState": ["OPEN"]})
    consumer, other = emulator.consumer(CONSUMER), emulator.consumer("consumer-2")
    closing = await consumer.open_conversation()
    staying = await other.open_conversation()
    await until(lambda: {c[1] for c in changes} == {closing, staying})
    await emulator.faults.close_sockets(1000)
    await until(lambda: not agent.connected)
    await consumer.close_conversation(closing)
    opened = await emulator.consumer("consumer-3").open_conversation()
    changes.clear()
    await agent.reconnect()
    await until(lambda: ("DELETE", closing, "OPEN") in changes)
    assert sorted(changes) == sorted(
        [("UPSERT", staying, "OPEN"), ("UPSERT", opened, "OPEN"), ("DELETE", closing, "OPEN")]
    )
    assert node_deletes == [closing]
    unexpected = [
        e for e in rec.events if isinstance(e, ErrorEvent) and e.location != "Socket#Close"
    ]
    assert not unexpected


async def test_a_joined_conversation_without_events_yet_is_backfilled(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent(recovery=None)
    agent = rec.agent
    inbox = Inbox(agent)
    await agent.connect()
    await agent.subscribe_ex_conversations({"convState": ["OPEN"]})
    consumer = emulator.consumer(CONSUMER)
    joined = first(agent.notifications_of(ExConversationChangeNotification))
    reply = await agent.agent_request_conversation({"consumerId": consumer.consumer_id})
    conv_id: str = reply["conversationId"]
    await settled(joined)
    await down_while(rec, emulator, conv_id, 3)  # m1, m2: the agent never saw an event of it
    backfilled = first(agent.events, is_backfilled)
    await agent.reconnect()
    done = await settled(backfilled)
    assert isinstance(done, Backfilled)
    assert (done.dialog_id, done.delivered) == (conv_id, 2)
    assert inbox.typed == ["m1", "m2"]


async def test_a_dialog_subscribed_before_its_first_event_is_backfilled(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    """The soak's lost sequences 0 and 1: the caller subscribed to a dialog with no events yet
    (an empty history), the socket dropped before the first message, and that dialog was not
    tracked, so the reconnect backfilled nothing and the gap's messages never arrived."""
    rec, conv_id = await in_conversation(make_agent, emulator, recovery=None)
    inbox = Inbox(rec.agent)
    assert await rec.agent.subscribe_messaging_events({"dialogId": conv_id}) == []
    await emulator.faults.close_sockets(1000)
    await until(lambda: not rec.agent.connected)
    await send(emulator, conv_id, 2)
    backfilled = first(rec.agent.events, is_backfilled)
    await rec.agent.reconnect()
    done = await settled(backfilled)
    assert isinstance(done, Backfilled)
    assert (done.dialog_id, done.fetched, done.delivered) == (conv_id, 2, 2)
    inbox.assert_exactly_once_in_order(2)
    backfill_query = emulator.calls.of(".ams.ms.QueryMessages")[-1].body
    assert backfill_query == {"dialogId": conv_id, "newerThanSequence": 0, "maxQuantity": 100}


async def test_dispose_during_a_backfill_ends_it_quietly(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, conv_id = await in_conversation(make_agent, emulator, recovery=GAP_RECOVERY)
    await first_message(rec, emulator, conv_id)
    emulator.faults.delay(".ams.ms.QueryMessages", 30.0)
    # with nothing to re-subscribe, the query goes out as the new socket is attached
    await rec.agent.reconnect(skip_token_generation=True)
    await asyncio.wait_for(rec.agent.dispose(), 5)
    assert not backfills(rec)
    assert not gaps(rec)
