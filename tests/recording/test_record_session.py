"""A whole session of the agent against the emulator, recorded and read back: every request
type, notifications from a consumer, a bad frame, a dropped socket and the reconnect after it
(whose first handshake is refused), a refresh and the logout. Nothing secret reaches the file."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from rx_lpagent.agent import Agent
from rx_lpagent.config import (
    AppKeyCredentials,
    AssertionCredentials,
    Credentials,
    TokenCredentials,
)
from rx_lpagent.emulator import Emulator
from rx_lpagent.events import Connected, Location
from rx_lpagent.protocol import RoutingTaskNotification, UpdateRingState
from rx_lpagent.protocol.request_specs import REQUEST_TYPES
from rx_lpagent.recording import (
    FrameRecord,
    HttpRecord,
    Recording,
    SocketClosed,
    SocketOpened,
    is_placeholder,
    read_recording,
)
from rx_lpagent.transport.live import LiveLink
from tests.agent.waiting import error_at, first, settled
from tests.recording.conftest import FAST_RECOVERY, Secrets, closing_requests, recording_config

pytestmark = pytest.mark.asyncio

CONSUMER_TEXT = "consumer says the parcel never came"
AGENT_TEXT = "agent answers: sorry, resending it"


async def play_session(agent: Agent, lp: Emulator, secrets: Secrets) -> None:
    """Every one of the 16 request types, consumer traffic, a fault, a reconnect, a refresh."""
    await agent.connect()
    secrets.collect()
    consumer = lp.consumer(profile={"firstName": "Ada"})
    await agent.get_clock()
    conversations = await agent.subscribe_ex_conversations({"convState": ["OPEN"]})
    await agent.subscribe_agents_state()
    await agent.set_agent_state({"availability": "ONLINE"})
    routing = await agent.subscribe_routing_tasks()
    await agent.update_routing_task_subscription({"subscriptionId": routing.subscription_id})
    ringing = first(
        agent.notifications_of(RoutingTaskNotification),
        lambda n: any(c.result and c.result.rings_details for c in n.changes),
    )
    conv_id = await consumer.open_conversation()
    task = (await settled(ringing)).changes[0].result
    assert task is not None
    await agent.update_ring_state(
        UpdateRingState(ring_id=task.rings_details[0].ring_id, ring_state="ACCEPTED")
    )
    await consumer.send_text(conv_id, CONSUMER_TEXT)
    await agent.subscribe_messaging_events({"dialogId": conv_id})
    await agent.publish_event(
        {"dialogId": conv_id, "event": {"type": "ContentEvent", "message": AGENT_TEXT}}
    )
    await consumer.send_text(conv_id, CONSUMER_TEXT)
    await agent.get_user_profile(consumer.consumer_id)
    other = lp.consumer()
    await closing_requests(agent, other.consumer_id, conversations.subscription_id)
    # a bad frame, then the socket drops; the first handshake of the reconnect is refused
    bad_frame = first(agent.events, error_at(Location.FRAME_DECODE))
    lp.faults.send_malformed()
    await settled(bad_frame)
    reconnected = first(agent.events, lambda event: isinstance(event, Connected))
    lp.faults.fail("ws", 503)
    await lp.faults.close_sockets(1006)
    await settled(reconnected)
    secrets.collect()
    await agent.refresh_session()
    await agent.get_clock()


def check_http(recording: Recording) -> None:
    services = [record.service for record in recording.http()]
    assert services[:2] == ["csds", "login"]
    assert services[-2:] == ["refresh", "logout"]
    login = next(recording.http("login"))
    assert (login.method, login.status) == ("POST", 200)
    assert login.request == {"username": "bot", "password": "<password#1>"}
    assert (login.response["bearer"], login.response["csrf"]) == ("<bearer#1>", "<csrf#1>")
    # refresh and logout send the csrf the login answered with: the same placeholder
    assert next(recording.http("refresh")).request == {"csrf": "<csrf#1>"}
    assert next(recording.http("logout")).request == {"csrf": "<csrf#1>"}
    assert all(record.status == 200 for record in recording.http())


def check_sockets(recording: Recording) -> None:
    opens = [r for r in recording.records if isinstance(r, SocketOpened)]
    assert [o.connection for o in opens] == [1, 2, 3]
    assert [o.status for o in opens] == [101, 503, 101]
    assert opens[1].error
    for opened in opens:
        # the bearer in the URL is the one the login answered with
        assert opened.url.endswith("/messaging/brand/<bearer#1>?v=2.1")
    closes = [r for r in recording.records if isinstance(r, SocketClosed)]
    assert [(c.connection, c.code, c.by) for c in closes] == [
        (1, 1006, "server"),
        (3, 1000, "client"),
    ]
    assert closes[1].reason == "agent disposed"
    # every frame of a socket lies between its open and its close
    for connection, opened_at, closed_at in ((1, opens[0], closes[0]), (3, opens[2], closes[1])):
        times = [f.t for f in recording.frames(connection)]
        assert times
        assert opened_at.t <= min(times) <= max(times) <= closed_at.t
    assert list(recording.frames(2)) == []


def check_frames(recording: Recording) -> None:
    out = [f for f in recording.frames() if f.direction == "out"]
    incoming = [f for f in recording.frames() if f.direction == "in"]
    sent_types = {f.data["type"] for f in out}
    assert set(REQUEST_TYPES) <= sent_types, set(REQUEST_TYPES) - sent_types
    # each request is answered once, on its socket, after it left
    for request in out:
        answers = [
            f
            for f in incoming
            if f.connection == request.connection
            and f.data is not None
            and f.data.get("reqId") == request.data["id"]
        ]
        assert len(answers) == 1, request
        assert answers[0].t >= request.t
    kinds = {f.data["kind"] for f in incoming if f.data is not None}
    assert kinds == {"resp", "notification"}
    (bad,) = [f for f in incoming if f.raw is not None]
    assert bad.connection == 1
    assert (bad.raw or "").startswith('{"kind":"notification"')
    texts = [
        f.data["body"]["event"]["message"]
        for f in incoming
        if f.data is not None and f.data.get("type") == ".ams.ms.OnlineEventDistribution"
    ]
    assert CONSUMER_TEXT in texts  # not masked unless asked


def check_secrets(recording: Recording, data: bytes, secrets: Secrets) -> None:
    assert secrets.found_in(data) == []
    assert b"Session_id" not in data
    token = next(
        f
        for f in recording.frames()
        if f.data is not None
        and f.data.get("kind") == "resp"
        and isinstance(f.data.get("body"), dict)
        and "token" in f.data["body"]
    )
    assert is_placeholder(token.data["body"]["token"])


async def test_a_whole_session_is_recorded_and_nothing_secret_reaches_the_file(
    lp: Emulator, transport: str, tmp_path: Path
) -> None:
    path = tmp_path / "session.jsonl"
    secrets = Secrets(lp)
    config = recording_config(lp, path, transport=transport)
    async with Agent(config, recovery=FAST_RECOVERY) as agent:
        await play_session(agent, lp, secrets)
    recording = read_recording(path)
    assert recording.header.account == lp.account
    assert not recording.header.masked_text
    assert isinstance(recording.records[0], HttpRecord)
    check_http(recording)
    check_sockets(recording)
    check_frames(recording)
    check_secrets(recording, path.read_bytes(), secrets)


async def test_mask_text_leaves_no_message_text_in_the_file(lp: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "masked.jsonl"
    config = recording_config(lp, path, record_mask_text=True)
    async with Agent(config, recovery=FAST_RECOVERY) as agent:
        await play_session(agent, lp, Secrets(lp))
    data = path.read_bytes()
    assert CONSUMER_TEXT.encode() not in data
    assert AGENT_TEXT.encode() not in data
    recording = read_recording(path)
    assert recording.header.masked_text
    masked = [
        f.data["body"]["event"]["message"]
        for f in recording.frames()
        if f.data is not None and f.data.get("type") == ".ams.ms.OnlineEventDistribution"
    ]
    assert masked
    assert all(is_placeholder(text) and text.startswith("<text#") for text in masked)
    published = next(
        f
        for f in recording.frames()
        if isinstance(f, FrameRecord)
        and f.data is not None
        and f.data.get("type") == ".ams.ms.PublishEvent"
    )
    assert is_placeholder(published.data["body"]["event"]["message"])


def _other_credentials(kind: str, lp: Emulator, bearer: str, user_id: str) -> Credentials:
    app = lp.app_credentials
    if kind == "app_key":
        return AppKeyCredentials(
            app.username, app.app_key, app.secret, app.access_token, app.access_token_secret
        )
    if kind == "assertion":
        return AssertionCredentials(lp.assertion)
    return TokenCredentials(bearer, user_id)


@pytest.mark.parametrize("kind", ["app_key", "assertion", "token"])
async def test_every_credential_kind_is_redacted(lp: Emulator, tmp_path: Path, kind: str) -> None:
    secrets = Secrets(lp)
    async with Agent(recording_config(lp, tmp_path / "plain.jsonl")) as first_agent:
        await first_agent.connect()  # a bearer for the token agent
        session = first_agent.session
        assert session is not None
        credentials = _other_credentials(kind, lp, session.bearer, session.user_id)  # type: ignore[attr-defined]
        path = tmp_path / f"{kind}.jsonl"
        config = msgspec.structs.replace(recording_config(lp, path), credentials=credentials)
        async with Agent(config) as agent:
            await agent.connect()
            secrets.collect()
            await agent.get_clock()
    data = path.read_bytes()
    secrets.values |= {lp.assertion, *lp.app_credentials.values()} - {lp.app_credentials.username}
    assert secrets.found_in(data) == []
    recording = read_recording(path)
    (opened,) = [r for r in recording.records if isinstance(r, SocketOpened)]
    assert opened.url.endswith("/messaging/brand/<bearer#1>?v=2.1")
    if kind == "token":  # no login call: the bearer is known from the credentials
        assert list(recording.http("login")) == []
    else:
        login = next(recording.http("login"))
        assert all(
            is_placeholder(value) for key, value in login.request.items() if key != "username"
        )
        assert login.response["bearer"] == "<bearer#1>"


async def test_without_recording_the_socket_is_not_tapped(lp: Emulator, transport: str) -> None:
    """Recording off costs nothing per frame: the plain link, sending straight to the socket."""
    config = msgspec.structs.replace(
        recording_config(lp, Path("unused")), record_to=None, transport=transport
    )
    async with Agent(config) as agent:
        await agent.connect()
        link = agent._socket.link
        assert type(link) is LiveLink
        assert link.send == link._connection.send_soon
