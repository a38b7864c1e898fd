"""A recording of our Agent, replayed to the official Node.js node-agent-sdk (1.2.0).

The Agent records a session against the emulator (``AgentConfig(record_to=...)``): it connects,
asks for the clock, subscribes to conversations, sets its state; its keep-alive asks for the
clock a few more times (the Node SDK has no such timer: it pings); a consumer opens a
conversation and writes; the socket drops (1006) and the Agent, on a new socket with the same
bearer, sets its state and subscribes again; the consumer closes the conversation; the Agent
refreshes its session.

``Emulator(replay=..., tls=True)`` then serves that recording to ``tests/interop/replay_agent.js``,
which drives the Node SDK through the same requests in the same order on each socket, meets the
drop with the SDK's ``reconnect(true)``, and prints what it gets: the recorded answers (to the
SDK's own request ids), the recorded notifications as the SDK delivers them (after its own
transforms), the drop, all in the recorded order (nothing waits for the keep-alives the SDK
never sends), and refreshes of the SDK's own timer answered as recorded.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rx_lpagent.agent import Agent
from rx_lpagent.emulator import Emulator
from rx_lpagent.emulator.replay_script import Pace
from rx_lpagent.events import Connected
from rx_lpagent.protocol import ExConversationChangeNotification
from rx_lpagent.recording import FrameRecord, Recording, SocketClosed, read_recording
from tests.agent.waiting import first, settled, until
from tests.emulator.node_sdk import INTEROP_DIR, NodeRun, node_env, run_node
from tests.recording.conftest import FAST_RECOVERY, recording_config

pytestmark = [pytest.mark.interop, pytest.mark.asyncio]

NODE_SCRIPT = INTEROP_DIR / "replay_agent.js"
NODE_TIMEOUT_S = 15.0
KEEPALIVE_S = 0.05
CONSUMER = "replayed-consumer"
TEXT = "is my parcel on its way?"
GET_CLOCK = ".GetClock"
EX_CONVERSATION = ".ams.aam.ExConversationChangeNotification"
NODE_METHODS = {
    GET_CLOCK: "getClock",
    ".ams.aam.SubscribeExConversations": "subscribeExConversations",
    ".ams.routing.SetAgentState": "setAgentState",
}
"""The recorded request types and the Node SDK's methods for them (replay_agent.js knows their
bodies)."""
NODE_NOTIFICATIONS = {EX_CONVERSATION: "cqm.ExConversationChangeNotification"}
"""The recorded notification types and the names the Node SDK renames them to."""

Plan = list[list[dict[str, Any]]]
"""Per socket, the recorded requests the Node SDK makes again."""
Line = tuple[str, Any]
"""A line the Node script printed, as (step, what): the method answered, the notification's
name, the close code."""


def clock_queries(emu: Emulator) -> int:
    return sum(1 for call in emu.calls if call.endpoint == GET_CLOCK)


def changed(kind: str) -> Callable[[ExConversationChangeNotification], bool]:
    def matches(notification: ExConversationChangeNotification) -> bool:
        return any(change.type == kind for change in notification.changes)

    return matches


async def record_session(path: Path) -> None:
    async with Emulator() as live:
        config = recording_config(live, path, keepalive_interval=KEEPALIVE_S)
        async with Agent(config, recovery=FAST_RECOVERY) as agent:
            changes = agent.notifications_of(ExConversationChangeNotification)
            await agent.connect()
            await agent.get_clock()
            await agent.subscribe_ex_conversations({"convState": ["OPEN"]})
            await agent.set_agent_state({"availability": "ONLINE"})
            await until(lambda: clock_queries(live) >= 3)  # ours, then two keep-alives
            consumer = live.consumer(CONSUMER)
            opened = first(changes, changed("UPSERT"))
            conv_id = await consumer.open_conversation()
            await settled(opened)
            written = first(changes, changed("UPSERT"))
            await consumer.send_text(conv_id, TEXT)
            await settled(written)
            reconnected = first(agent.events, lambda event: isinstance(event, Connected))
            resubscribed = first(changes, changed("UPSERT"))  # the new subscription's snapshot
            assert await live.faults.close_sockets(1006) == 1
            await settled(reconnected)
            await settled(resubscribed)
            closed = first(changes, changed("DELETE"))
            await consumer.close_conversation(conv_id)
            await settled(closed)
            await agent.refresh_session()


def node_plan(recording: Recording) -> Plan:
    """Per recorded socket, the requests the Node SDK makes again: all but the keep-alive's
    clock queries (every one after the first, which the session asked for)."""
    plan: dict[int, list[dict[str, Any]]] = defaultdict(list)
    clock_asked = False
    for frame in recording.frames():
        if frame.direction != "out":
            continue
        if frame.data["type"] == GET_CLOCK:
            if clock_asked:
                continue
            clock_asked = True
        plan[frame.connection].append(frame.data)
    return [plan[connection] for connection in sorted(plan)]


def what_the_node_sdk_gets(recording: Recording, plan: Plan) -> list[Line]:
    """What the SDK must get, in recorded order: the answers to its requests, every
    notification, the drops."""
    methods = {
        (connection, request["id"]): NODE_METHODS[request["type"]]
        for connection, requests in enumerate(plan, start=1)
        for request in requests
    }
    wanted: list[Line] = []
    for record in recording.records:
        if isinstance(record, SocketClosed) and record.by == "server":
            wanted.append(("closed", record.code))
        if not isinstance(record, FrameRecord) or record.direction != "in":
            continue
        frame = record.data
        if frame["kind"] == "notification":
            wanted.append(("notification", NODE_NOTIFICATIONS[frame["type"]]))
        elif (record.connection, frame["reqId"]) in methods:
            wanted.append(("answer", methods[record.connection, frame["reqId"]]))
    return wanted


def printed(run: NodeRun) -> list[Line]:
    """The answers, notifications and drops the Node script printed, in order."""
    what = {"answer": "request", "notification": "type", "closed": "code"}
    return [(s["step"], s[what[s["step"]]]) for s in run.steps if s["step"] in what]


def replay_env(emu: Emulator, plan: Plan, notifications: int) -> dict[str, str]:
    return node_env(
        emu,
        "node-bot",  # a replay accepts any credentials
        "not-the-recorded-password",
        LP_PLAN=json.dumps([[NODE_METHODS[r["type"]] for r in requests] for requests in plan]),
        LP_NOTIFICATIONS=str(notifications),
        LP_REFRESH_MS="300",
        LP_TIMEOUT_MS=str(int(NODE_TIMEOUT_S * 1000) - 2000),
    )


def conversation_changes(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(change type, conversation id, state) of each change of a conversation notification."""
    return [
        (c["type"], c["result"]["convId"], c["result"]["conversationDetails"]["state"])
        for c in body["changes"]
    ]


def assert_answers(run: NodeRun, recording: Recording, plan: Plan) -> None:
    """Each request the SDK sent got the recorded answer, under its own id."""
    recorded = {
        (f.connection, f.data["reqId"]): f.data["body"]
        for f in recording.frames()
        if f.direction == "in" and f.data["kind"] == "resp"
    }
    asked = [(n, request) for n, requests in enumerate(plan, start=1) for request in requests]
    answers = run.named("answer")
    assert [a["request"] for a in answers] == [NODE_METHODS[r["type"]] for _, r in asked]
    for answer, (connection, request) in zip(answers, asked, strict=True):
        assert answer["body"] == recorded[connection, request["id"]], run.transcript()
    # the SDK's ids are UUIDs, ours were counters: the replay answered to the SDK's ids
    node_ids = [s["id"] for s in run.named("sent")]
    assert len(set(node_ids)) == len(node_ids) == len(asked)
    assert not set(node_ids) & {request["id"] for _, request in asked}


def assert_notifications(run: NodeRun, recording: Recording) -> None:
    recorded = [f.data for f in recording.frames() if f.data.get("kind") == "notification"]
    delivered = run.named("notification")
    assert len(delivered) == len(recorded) == 5, run.transcript()
    for node, frame in zip(delivered, recorded, strict=True):
        assert node["body"]["subscriptionId"] == frame["body"]["subscriptionId"]
        assert conversation_changes(node["body"]) == conversation_changes(frame["body"])
    changes = [n["body"]["changes"] for n in delivered]
    assert changes[0] == [], "the first subscription's snapshot is empty"
    for change in changes[1:]:
        details = change[0]["result"]["conversationDetails"]
        # the SDK's transform made its participant list out of the recorded participantsPId
        assert details["participants"] == [{"id": CONSUMER, "role": "CONSUMER"}]
    written = changes[2][0]["result"]["lastContentEventNotification"]["event"]
    assert written["message"] == TEXT


@pytest.mark.timeout(40)
@pytest.mark.parametrize("pace", ["fast", "recorded"])
async def test_a_recording_of_our_agent_replays_to_the_node_sdk(
    node_executable: str, tmp_path: Path, pace: Pace
) -> None:
    path = tmp_path / "session.jsonl"
    await record_session(path)
    recording = read_recording(path)
    plan = node_plan(recording)
    asked = [[r["type"] for r in requests] for requests in plan]
    assert asked[0] == list(NODE_METHODS), asked
    # after the drop, the Agent set its state and subscribed again
    assert [sorted(types) for types in asked[1:]] == [sorted(NODE_METHODS)[1:]], asked
    notifications = sum(1 for f in recording.frames() if f.data.get("kind") == "notification")

    async with Emulator(replay=path, pace=pace, tls=True) as replayed:
        env = replay_env(replayed, plan, notifications)
        run = await run_node(node_executable, NODE_SCRIPT, env, lambda _: None, NODE_TIMEOUT_S)
    assert run.returncode == 0, run.transcript()
    assert run.named("error") == [], run.transcript()
    assert [c["n"] for c in run.named("connected")] == [1, 2], run.transcript()
    (login,) = recording.http("login")
    # the SDK's agentId is the recorded login's userPid
    assert run.one("connected", n=1)["agentId"] == login.response["config"]["userPid"]
    assert printed(run) == what_the_node_sdk_gets(recording, plan), run.transcript()
    assert_answers(run, recording, plan)
    assert_notifications(run, recording)
    # the SDK's own refresh timer (every 0.3 s here): the recorded refresh answer
    assert run.one("refreshed")["error"] is None, run.transcript()
