"""Record, replay, compare, end to end: the agent records a session against the emulator
(``AgentConfig(record_to=...)``, all 16 request types, consumer traffic, a dropped socket and
the reconnect, a refresh); nothing secret is in the file; the recording, replayed to a fresh
agent making the same calls, gives it the same events and the same notifications in the same
order; compared with a fresh emulator, it shows only what the compare cannot play (the
consumer's side).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rx_lpagent.agent import Agent
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.emulator import Emulator, compare_recording
from rx_lpagent.events import Backfilled, Connected
from rx_lpagent.protocol import RoutingTaskNotification, UpdateRingState
from rx_lpagent.protocol.request_specs import REQUEST_TYPES
from rx_lpagent.recording import read_recording
from tests.agent.conftest import FAST_RECOVERY
from tests.agent.waiting import first, settled
from tests.recording.conftest import CANARY_PASSWORD, Secrets, closing_requests

pytestmark = pytest.mark.asyncio

TEXT = "where is my parcel?"


def config_for(emu: Emulator, username: str, password: str, **settings: Any) -> AgentConfig:
    return AgentConfig(
        emu.account,
        PasswordCredentials(username, password),
        csds_domain=emu.csds_domain,
        refresh_interval=None,
        keepalive_interval=None,
        **settings,
    )


def watch(agent: Agent) -> tuple[list[tuple[str, str]], list[str]]:
    """What the agent reports: (event kind, location) pairs, and notification types in order."""
    events: list[tuple[str, str]] = []
    notifications: list[str] = []
    agent.events.subscribe(lambda event: events.append((type(event).__name__, event.location)))
    agent.notifications.subscribe(lambda notification: notifications.append(notification.type))
    return events, notifications


async def agent_calls(agent: Agent, emu: Emulator | None, consumer_id: str) -> None:
    """The agent's side of the session; ``emu`` plays the consumer and the fault when live
    (None in the replay, where the recording plays them)."""
    await agent.connect()
    await agent.get_clock()
    conversations = await agent.subscribe_ex_conversations({"convState": ["OPEN"]})
    await agent.subscribe_agents_state()
    await agent.set_agent_state({"availability": "ONLINE"})
    ringing = first(
        agent.notifications_of(RoutingTaskNotification),
        lambda n: any(c.result and c.result.rings_details for c in n.changes),
    )
    routing = await agent.subscribe_routing_tasks()
    await agent.update_routing_task_subscription({"subscriptionId": routing.subscription_id})
    if emu is not None:
        conv_id = await emu.consumer(consumer_id).open_conversation()
    task = (await settled(ringing)).changes[0].result
    assert task is not None
    conv_id = task.conversation_id
    answered = first(agent.notifications, lambda n: n.type == ".ams.ms.OnlineEventDistribution")
    await agent.update_ring_state(
        UpdateRingState(ring_id=task.rings_details[0].ring_id, ring_state="ACCEPTED")
    )
    if emu is not None:
        await emu.consumer(consumer_id).send_text(conv_id, TEXT)
    await settled(answered)
    await agent.subscribe_messaging_events({"dialogId": conv_id})
    await agent.publish_event(
        {"dialogId": conv_id, "event": {"type": "ContentEvent", "message": "on its way"}}
    )
    if emu is not None:
        emu.consumer("consumer-2")
    await closing_requests(agent, "consumer-2", conversations.subscription_id)
    reconnected = first(agent.events, lambda event: isinstance(event, Connected))
    # the backfill after the reconnect runs beside what follows: wait for it, so that the
    # session ends the same way every time
    backfilled = first(agent.events, lambda event: isinstance(event, Backfilled))
    await agent.get_user_profile(consumer_id)
    if emu is not None:
        await emu.faults.close_sockets(1006)
    await settled(reconnected)
    await settled(backfilled)
    await agent.refresh_session()
    await agent.get_clock()


async def test_a_recorded_session_replays_to_a_fresh_agent_as_it_happened(
    tmp_path: Path,
) -> None:
    path = tmp_path / "session.jsonl"
    async with Emulator(password=CANARY_PASSWORD) as live:
        secrets = Secrets(live)
        config = config_for(live, live.username, live.password, record_to=str(path))
        async with Agent(config, recovery=FAST_RECOVERY) as agent:
            recorded_events, recorded_notifications = watch(agent)
            await agent_calls(agent, live, "consumer-1")
            secrets.collect()
    recording = read_recording(path)
    assert recording.header.account == live.account
    sent = {f.data["type"] for f in recording.frames() if f.direction == "out"}
    assert set(REQUEST_TYPES) <= sent, set(REQUEST_TYPES) - sent
    assert secrets.found_in(path.read_bytes()) == []

    for pace in ("fast", "recorded"):
        async with Emulator(replay=path, pace=pace) as replayed:
            config = config_for(replayed, "someone", "else")
            async with Agent(config, recovery=FAST_RECOVERY) as agent:
                events, notifications = watch(agent)
                await agent_calls(agent, None, "consumer-1")
        assert notifications == recorded_notifications, pace
        assert events == recorded_events, pace

    async with Emulator() as fresh:
        found = await compare_recording(path, fresh, wait=0.3)
    # the consumer and the fault are not the client's side: what they caused is reported,
    # the agent's own calls up to them are answered alike
    assert not [d for d in found if d.what.endswith(("csds response", "login response"))]
    problems = {(d.what, d.problem) for d in found}
    assert (
        "connection 1 notification .ams.routing.RoutingTaskNotification",
        "never sent by the emulator",
    ) in problems
    assert ("connection 1 close", "recorded 1006 by the server, the emulator kept it open") in (
        problems
    )
