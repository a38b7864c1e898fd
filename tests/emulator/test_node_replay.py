"""A recording of our Agent, replayed to the official Node.js node-agent-sdk (1.2.0).

The Agent records a session against the emulator (``AgentConfig(record_to=...)``): it connects,
asks for the clock, subscribes to conversations, sets its state; its keep-alive asks for the
clock a few more times (the Node SDK has no such timer: it pings); a consumer opens a
conversation, writes and closes it (three conversation notifications, after the subscription's
empty snapshot); the Agent refreshes its session. ``Emulator(replay=..., tls=True)`` then serves
that recording to ``tests/interop/replay_agent.js``, which drives the Node SDK through the same
requests in the same order and prints what it gets: the recorded answers (to the SDK's own
request ids), the recorded notifications as the SDK delivers them (after its own transforms), in
the recorded order (none of them waits for the keep-alives the SDK never sends), and refreshes
of the SDK's own timer answered as recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rx_lpagent.agent import Agent
from rx_lpagent.emulator import Emulator
from rx_lpagent.emulator.replay_script import Pace
from rx_lpagent.protocol import ExConversationChangeNotification
from rx_lpagent.recording import FrameRecord, HttpRecord, Recording, read_recording
from tests.agent.waiting import first, settled, until
from tests.emulator.node_sdk import INTEROP_DIR, NodeRun, node_env, run_node
from tests.recording.conftest import recording_config

pytestmark = [pytest.mark.interop, pytest.mark.asyncio]

NODE_SCRIPT = INTEROP_DIR / "replay_agent.js"
NODE_TIMEOUT_S = 15.0
CONSUMER = "replayed-consumer"
TEXT = "is my parcel on its way?"
EX_CONVERSATION = ".ams.aam.ExConversationChangeNotification"
KEEPALIVE_S = 0.05
NODE_REQUESTS = {
    ".GetClock": "getClock",
    ".ams.aam.SubscribeExConversations": "subscribeExConversations",
    ".ams.routing.SetAgentState": "setAgentState",
}
"""The recorded request types and the Node SDK's methods for them."""
NODE_NOTIFICATIONS = {EX_CONVERSATION: "cqm.ExConversationChangeNotification"}
"""The recorded notification types and the names the Node SDK renames them to."""


def clock_queries(emu: Emulator) -> int:
    return sum(1 for call in emu.calls if call.endpoint == ".GetClock")


def changed(kind: str) -> Callable[[ExConversationChangeNotification], bool]:
    def matches(notification: ExConversationChangeNotification) -> bool:
        return any(change.type == kind for change in notification.changes)

    return matches


async def record_session(path: Path) -> None:
    async with Emulator() as live:
        config = recording_config(live, path, keepalive_interval=KEEPALIVE_S)
        async with Agent(config) as agent:
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
            closed = first(changes, changed("DELETE"))
            await consumer.close_conversation(conv_id)
            await settled(closed)
            await agent.refresh_session()


def server_frames(recording: Recording) -> list[dict[str, Any]]:
    """What the server sent on the recorded socket (there is one), in order."""
    frames = [r for r in recording.records if isinstance(r, FrameRecord)]
    assert {f.connection for f in frames} == {1}
    return [f.data for f in frames if f.direction == "in"]


def replay_env(emu: Emulator, notifications: int) -> dict[str, str]:
    return node_env(
        emu,
        "node-bot",  # a replay accepts any credentials
        "not-the-recorded-password",
        LP_NOTIFICATIONS=str(notifications),
        LP_REFRESH_MS="300",
        LP_TIMEOUT_MS=str(int(NODE_TIMEOUT_S * 1000) - 2000),
    )


def node_requests(recording: Recording) -> list[dict[str, Any]]:
    """The recorded requests the Node SDK makes again, in recorded order: the first of each type
    (the later clock queries were our keep-alive's)."""
    asked: dict[str, dict[str, Any]] = {}
    for frame in recording.frames():
        if frame.direction == "out":
            asked.setdefault(frame.data["type"], frame.data)
    assert list(asked) == list(NODE_REQUESTS)
    return list(asked.values())


def what_the_node_sdk_gets(
    frames: list[dict[str, Any]], asked: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    """The recorded server frames the SDK must get, in order, as (line, what): the answers to
    its requests (by its method) and every notification (by its name of it)."""
    methods = {request["id"]: NODE_REQUESTS[request["type"]] for request in asked}
    wanted: list[tuple[str, str]] = []
    for frame in frames:
        if frame["kind"] == "notification":
            wanted.append(("notification", NODE_NOTIFICATIONS[frame["type"]]))
        elif frame["reqId"] in methods:
            wanted.append(("answer", methods[frame["reqId"]]))
    return wanted


def conversation_changes(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(change type, conversation id, state) of each change of a conversation notification."""
    return [
        (c["type"], c["result"]["convId"], c["result"]["conversationDetails"]["state"])
        for c in body["changes"]
    ]


def assert_answers(run: NodeRun, frames: list[dict[str, Any]], asked: list[dict[str, Any]]) -> None:
    """Each request the SDK sent got the recorded answer, under its own id."""
    recorded_answers = {f["reqId"]: f for f in frames if f["kind"] == "resp"}
    answers = run.named("answer")
    assert [a["request"] for a in answers] == [NODE_REQUESTS[r["type"]] for r in asked]
    node_ids = [s["id"] for s in run.named("sent")]
    # the SDK's ids are UUIDs, ours were counters: the replay answered to the SDK's ids
    assert len(set(node_ids)) == len(node_ids) == len(asked)
    assert not set(node_ids) & {r["id"] for r in asked}
    for answer, request in zip(answers, asked, strict=True):
        assert answer["body"] == recorded_answers[request["id"]]["body"], run.transcript()


def assert_notifications(run: NodeRun, frames: list[dict[str, Any]]) -> None:
    recorded = [f for f in frames if f["kind"] == "notification"]
    delivered = run.named("notification")
    assert [n["type"] for n in delivered] == [NODE_NOTIFICATIONS[f["type"]] for f in recorded]
    for node, frame in zip(delivered, recorded, strict=True):
        assert node["body"]["subscriptionId"] == frame["body"]["subscriptionId"]
        assert conversation_changes(node["body"]) == conversation_changes(frame["body"])
    snapshot, opened, written, closed = (n["body"]["changes"] for n in delivered)
    assert snapshot == []
    # the SDK's transform made its participant list out of the recorded participantsPId
    for change in (opened, written, closed):
        details = change[0]["result"]["conversationDetails"]
        assert details["participants"] == [{"id": CONSUMER, "role": "CONSUMER"}]
    last_event = written[0]["result"]["lastContentEventNotification"]["event"]
    assert last_event["message"] == TEXT


@pytest.mark.timeout(40)
@pytest.mark.parametrize("pace", ["fast", "recorded"])
async def test_a_recording_of_our_agent_replays_to_the_node_sdk(
    node_executable: str, tmp_path: Path, pace: Pace
) -> None:
    path = tmp_path / "session.jsonl"
    await record_session(path)
    recording = read_recording(path)
    frames = server_frames(recording)
    asked = node_requests(recording)
    notifications = sum(1 for f in frames if f["kind"] == "notification")
    assert notifications == 4, frames

    async with Emulator(replay=path, pace=pace, tls=True) as replayed:
        run = await run_node(
            node_executable,
            NODE_SCRIPT,
            replay_env(replayed, notifications),
            lambda _: None,
            NODE_TIMEOUT_S,
        )
    assert run.returncode == 0, run.transcript()
    assert run.named("error") == [], run.transcript()
    (login,) = [r for r in recording.records if isinstance(r, HttpRecord) and r.service == "login"]
    # the SDK's agentId is the recorded login's userPid
    assert run.one("connected")["agentId"] == login.response["config"]["userPid"]
    # answers and notifications in the recorded order
    lines = [(s["step"], s.get("request") or s.get("type")) for s in run.steps]
    got = [line for line in lines if line[0] in ("answer", "notification")]
    assert got == what_the_node_sdk_gets(frames, asked), run.transcript()
    assert_answers(run, frames, asked)
    assert_notifications(run, frames)
    # the SDK's own refresh timer (every 0.3 s here): the recorded refresh answer
    assert run.one("refreshed")["error"] is None, run.transcript()
