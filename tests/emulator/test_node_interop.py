"""The official Node.js node-agent-sdk (1.2.0) against the emulator, over TLS.

``tests/interop/node_agent.js`` drives the SDK and prints one JSON line per milestone; this test
plays the consumer (through the emulator's Python API or its HTTP control endpoints), then checks
the milestones and what the emulator recorded: the agent's replies, one login per token, and the
four sockets (connect, ``reconnect(true)`` with the same bearer, ``reconnect(false)`` with a new
one, and ``reconnect(false)`` again after the emulator closed the socket with 4401). At the end
the script shows what this SDK version can of the service's finer answers: a private message
with request metadata (echoed and in history), a chat state, the ParticipantsChange texts and,
in one run, an idle period longer than its (shortened) ping interval and the emulator's
(shortened) idle timeout.

Needs ``node`` and ``npm``; skipped with the reason printed when either is missing. The SDK is
installed once with ``npm ci`` into ``tests/interop/node_modules`` (git-ignored).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from rx_lpagent.emulator import Emulator
from tests.emulator.node_sdk import INTEROP_DIR, NodeRun, node_env, run_node

NODE_SCRIPT = INTEROP_DIR / "node_agent.js"
CONSUMER_TEXT = "hello from the python consumer"
REPLY_PREFIX = "echo from node: "
AFTER_RECONNECT_TEXT = "node agent is back after reconnect(false)"
PRIVATE_TEXT = "private note from node"
METADATA = [{"type": "ExternalId", "id": "node-interop-card"}]
PING_S = 1.0
IDLE_TIMEOUT_S = 2.5
IDLE_S = 6.0
NODE_TIMEOUT_S = 45.0

pytestmark = pytest.mark.interop

# the milestones node_agent.js must print, in this order (other lines may come in between)
EXPECTED_STEPS = [
    "connected",
    "subscribed",
    "ring_accepted",
    "joined",
    "message",
    "published",
    "reconnecting",
    "connected",
    "reconnected",
    "reconnecting",
    "connected",
    "reconnected",
    "resubscribed",
    "published",
    "awaiting_server_close",
    "closed",
    "server_closed",
    "connected",
    "reconnected",
    "private_published",
    "chat_state_published",
    "participant_added",
    "participant_removed",
    "private_history",
    "done",
]


def _node_env(emu: Emulator, control_url: str | None, *, idle: bool = False) -> dict[str, str]:
    settings = {"LP_REFRESH_MS": "1000", "LP_LINGER_MS": "1500", "LP_TIMEOUT_MS": "30000"}
    if idle:
        settings.update(LP_PING_MS=str(int(PING_S * 1000)), LP_IDLE_MS=str(int(IDLE_S * 1000)))
    if control_url is not None:
        settings.update(LP_CONTROL_URL=control_url, LP_CONSUMER_ID="node-http-consumer")
    return node_env(emu, emu.username, emu.password, **settings)


def _subsequence_missing(names: list[str], expected: list[str]) -> Iterator[str]:
    it = iter(names)
    for want in expected:
        if not any(name == want for name in it):
            yield want
            return


def _texts(messages: list[dict[str, Any]]) -> list[str]:
    """The texts of the ContentEvents recorded in a conversation."""
    events = [m.get("event") or {} for m in messages]
    return [str(e.get("message")) for e in events if e.get("type") == "ContentEvent"]


def _assert_node_run(emu: Emulator, run: NodeRun, conv_id: str, consumer_text: str) -> None:
    assert run.returncode == 0, run.transcript()
    assert run.named("error") == [], run.transcript()
    names = [str(s.get("step")) for s in run.steps]
    missing = list(_subsequence_missing(names, EXPECTED_STEPS))
    assert missing == [], f"milestone {missing} missing or out of order\n{run.transcript()}"

    assert [s["n"] for s in run.named("connected")] == [1, 2, 3, 4], run.transcript()
    # agent.agentId is the login's config.userPid
    assert {s["agentId"] for s in run.named("connected")} == {emu.agent.pid}
    joined = run.one("joined")
    assert joined["conversationId"] == conv_id
    assert joined["myRole"] == "ASSIGNED_AGENT", run.transcript()
    assert {"id": emu.agent.pid, "role": "ASSIGNED_AGENT"} in joined["participants"]
    profile = run.one("profile")
    assert {"ctmrinfo", "personal"} <= set(profile["sdeTypes"]), run.transcript()

    message = run.one("message")
    assert message["conversationId"] == conv_id
    assert message["text"] == consumer_text
    assert message["role"] == "CONSUMER"

    first = run.one("published", phase="first_reply")
    assert isinstance(first["sequence"], int), run.transcript()
    later = run.one("published", phase="after_reconnect")
    assert isinstance(later["sequence"], int)
    assert later["sequence"] > first["sequence"]
    # real LivePerson echoes an agent's own event back to it, flagged as "me"
    assert run.named("own_echo_missing") == [], run.transcript()
    own_echo = run.one("own_echo")
    assert own_echo["sequence"] == first["sequence"]
    assert own_echo["originatorId"] == emu.agent.pid

    _assert_extras(run)
    run.one("reconnected", skipToken=True)
    assert len(run.named("reconnected")) == 3, run.transcript()
    # the emulator's close code reaches the SDK's "closed" event; a new token brings it back
    assert run.one("server_closed")["code"] == 4401
    run.one("reconnected", skipToken=False, cause="server_close")
    assert run.one("resubscribed")["conversationId"] == conv_id


def _assert_extras(run: NodeRun) -> None:
    """What the service answers beyond the basics, as the SDK saw it."""
    for missing in ("private_echo", "chat_state_echo", "private_history"):
        assert run.named(missing + "_missing") == [], run.transcript()
    sequence = run.one("private_published")["sequence"]
    for kept in (run.one("private_echo"), run.one("private_history")):
        assert kept["sequence"] == sequence, run.transcript()
        assert kept["metadata"] == METADATA, run.transcript()
        assert kept["messageAudience"] == "AGENTS_AND_MANAGERS", run.transcript()
    assert run.one("chat_state_published")["response"] == {"sequence": 0}
    chat_echo = run.one("chat_state_echo")
    assert chat_echo["chatState"] == "COMPOSING"
    assert not chat_echo["hasServerTimestamp"], run.transcript()
    assert not chat_echo["hasSequence"], run.transcript()
    assert run.one("participant_added")["response"] == "OK Agent added successfully"
    assert run.one("participant_removed")["response"] == "OK Agent removed successfully"


def _assert_emulator_record(emu: Emulator, conv_id: str, consumer_text: str) -> None:
    # the accepted ring made the Node agent the conversation's assigned agent
    assert emu.conversation(conv_id).assigned_agent == emu.agent.old_id
    texts = _texts(emu.conversation(conv_id).messages)
    assert consumer_text in texts
    assert REPLY_PREFIX + consumer_text in texts
    assert AFTER_RECONNECT_TEXT in texts
    (private,) = [
        m for m in emu.conversation(conv_id).messages if m["event"].get("message") == PRIVATE_TEXT
    ]
    assert (private["metadata"], private["messageAudience"]) == (METADATA, "AGENTS_AND_MANAGERS")

    calls = list(emu.calls)
    endpoints = [call.endpoint for call in calls]
    count = Counter(endpoints)
    # CSDS is cached by the SDK for 60 s: only connect asks
    assert count["csds"] >= 1, endpoints
    # connect and both reconnect(false) log in, reconnect(true) reuses the bearer: the handshakes
    # and logins must interleave as login, ws, ws, login, ws, login, ws
    handshakes = [e for e in endpoints if e in ("login", "ws")]
    assert handshakes == ["login", "ws", "ws", "login", "ws", "login", "ws"], endpoints
    # one ring accepted, two history queries, the reply, the post-reconnect message, the private
    # one and a chat state; the participant ADD and REMOVE
    assert count[".ams.routing.UpdateRingState"] == 1, endpoints
    assert count[".ams.ms.QueryMessages"] == 2, endpoints
    assert count[".ams.ms.PublishEvent"] == 4, endpoints
    assert count[".ams.cm.UpdateConversationField"] == 2, endpoints
    # the SDK sent its own PID in agentIds as the account's user id form
    first_subscribe = next(c for c in calls if c.endpoint == ".ams.aam.SubscribeExConversations")
    assert first_subscribe.body["agentIds"] == [emu.agent.old_id], first_subscribe
    # every request was answered with success
    assert all(c.code is None or c.code < 400 for c in calls if c.endpoint.startswith(".")), calls
    # the SDK terminates its old socket without a close frame on each reconnect(); the emulator
    # closed one with 4401
    closes = [call.code for call in calls if call.endpoint == "ws.close"]
    assert closes[:3] == [1006, 1006, 4401], closes
    # refreshSessionInterval is 1 s and the script lingers 1.5 s after the last login
    assert count["refresh"] >= 1, endpoints
    for call in calls:
        if call.endpoint in ("csds", "login", "refresh"):
            assert call.status == 200, call
        elif call.endpoint == "ws":
            assert call.status == 101, call


@pytest.mark.timeout(120)
@pytest.mark.asyncio
async def test_node_sdk_driven_through_python_api(node_executable: str) -> None:
    async with Emulator(tls=True, idle_timeout=IDLE_TIMEOUT_S) as emu:
        consumer = emu.consumer("py-consumer")
        conv_ids: list[str] = []

        async def on_step(step: dict[str, Any]) -> None:
            if step["step"] == "subscribed":
                conv_ids.append(await consumer.open_conversation())
            elif step["step"] == "joined":
                await consumer.send_text(conv_ids[0], CONSUMER_TEXT)
            elif step["step"] == "awaiting_server_close":
                assert await emu.faults.close_sockets(4401) == 1

        run = await run_node(
            node_executable, NODE_SCRIPT, _node_env(emu, None, idle=True), on_step, NODE_TIMEOUT_S
        )
        assert len(conv_ids) == 1, run.transcript()
        _assert_node_run(emu, run, conv_ids[0], CONSUMER_TEXT)
        # idle longer than both the ping interval and the idle timeout: the pings kept it open
        survived = run.one("idle_survived")
        assert (survived["idleMs"], survived["pingMs"]) == (IDLE_S * 1000, PING_S * 1000)
        assert survived["connected"] is True
        assert IDLE_S > 2 * IDLE_TIMEOUT_S > 2 * PING_S
        _assert_emulator_record(emu, conv_ids[0], CONSUMER_TEXT)


@pytest.mark.timeout(120)
@pytest.mark.asyncio
async def test_node_sdk_driven_through_http_control(node_executable: str) -> None:
    async with Emulator(tls=True) as emu:
        run = await run_node(
            node_executable,
            NODE_SCRIPT,
            _node_env(emu, emu.base_url),
            lambda _: None,
            NODE_TIMEOUT_S,
        )
        opened = run.one("conversation_opened")
        conv_id = opened["conversationId"]
        assert isinstance(conv_id, str), run.transcript()
        assert isinstance(run.one("consumer_sent")["sequence"], int), run.transcript()
        node_consumer_text = "hello from the consumer"
        _assert_node_run(emu, run, conv_id, node_consumer_text)
        _assert_emulator_record(emu, conv_id, node_consumer_text)
