"""The frame fast path on bytes: whatever the chunking, the reader in front of websockets' own
Sans-I/O client protocol gives exactly what that protocol gives alone (messages, control frames,
replies, close codes, state), and it takes the plain data frames itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from rx_lpagent.transport._frames import LARGEST_MASKED_HERE, FrameReader, FrameWriter
from tests.transport.ws_bytes import (
    BINARY,
    CLOSE,
    CONT,
    PING,
    PONG,
    RSV1,
    TEXT,
    client_frames,
    close,
    frame,
    opened_client,
    text,
)

SMALL = 1000
"""max_size of most cases here, so oversized frames stay small."""


@dataclass
class Observed:
    """What a client saw of a stream: messages and control frames in order, what it sent
    back, and how it ended."""

    received: list[tuple[str, bytes]] = field(default_factory=list)
    replies: list[tuple[str, bytes]] = field(default_factory=list)
    state: State = State.CONNECTING
    close_sent: tuple[int, str] | None = None
    close_rcvd: tuple[int, str] | None = None
    fragments: list[bytes] = field(default_factory=list)

    def collect(self, client: ClientProtocol) -> None:
        """The events websockets produced, data messages joined as the connection joins them."""
        for event in client.events_received():
            if not isinstance(event, Frame):
                continue
            if event.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                self.fragments.append(bytes(event.data))
                if event.fin:
                    self.received.append(("message", b"".join(self.fragments)))
                    self.fragments = []
            else:
                self.received.append((event.opcode.name, bytes(event.data)))

    def end(self, client: ClientProtocol) -> Observed:
        self.replies = client_frames(b"".join(client.data_to_send()))
        self.state = client.state
        if client.close_sent is not None:
            self.close_sent = (client.close_sent.code, client.close_sent.reason)
        if client.close_rcvd is not None:
            self.close_rcvd = (client.close_rcvd.code, client.close_rcvd.reason)
        return self


def _raise(error: Exception) -> None:
    raise error


def websockets_alone(frames: bytes, max_size: int = SMALL) -> Observed:
    client, response = opened_client(max_size)
    seen = Observed()
    client.receive_data(response + frames)
    seen.collect(client)
    return seen.end(client)


@dataclass
class Run:
    seen: Observed
    handed_on: list[bytes]
    reader: FrameReader


def through_reader(frames: bytes, cuts: Iterable[int], max_size: int = SMALL) -> Run:
    """``frames`` after the handshake response, in chunks cut at ``cuts`` (offsets into
    ``frames``; negative ones fall inside the response, or before it), through a reader in
    front of websockets' client protocol."""
    client, response = opened_client(max_size)
    seen = Observed()
    handed_on: list[bytes] = []

    def pass_on(data: bytes) -> bool:
        handed_on.append(data)
        client.receive_data(data)
        seen.collect(client)
        return client.state is State.OPEN

    reader = FrameReader(
        lambda payload: seen.received.append(("message", payload)), pass_on, max_size, _raise
    )
    stream = response + frames
    start = 0
    for cut in cuts:
        end = max(0, len(response) + cut)
        reader.feed(stream[start:end])
        start = end
    reader.feed(stream[start:])
    return Run(seen.end(client), handed_on, reader)


CASES: dict[str, bytes] = {
    "plain messages": text("one") + frame(BINARY, b"\x00\x01") + text("") + text("three"),
    "16-bit length": text("a" * 126) + text("b" * 300) + text("c"),
    "64-bit length": frame(TEXT, b"d" * 70_000) + text("e"),
    "ping between data": text("before") + frame(PING, b"p1") + text("after"),
    "unsolicited pong": text("before") + frame(PONG, b"p2") + text("after"),
    "close between data": text("before") + close(4401, "token expired") + text("dropped"),
    "close without a code": text("before") + frame(CLOSE) + text("dropped"),
    "fragmented message": (
        frame(TEXT, b"he", fin=False)
        + frame(PING, b"mid")
        + frame(CONT, b"ll", fin=False)
        + frame(CONT, b"o")
        + text("after")
    ),
    "fragmented binary": frame(BINARY, b"\x01", fin=False) + frame(CONT, b"\x02") + text("x"),
    "masked frame": text("before") + frame(TEXT, b"secret", mask=b"abcd") + text("dropped"),
    "oversized frame": text("before") + frame(TEXT, length=SMALL + 1) + text("dropped"),
    "oversized 16-bit ping": text("before") + frame(PING, length=SMALL + 1),
    "largest frame": frame(TEXT, b"f" * SMALL) + text("after"),
    "oversized message in fragments": (
        frame(TEXT, b"g" * 600, fin=False) + frame(CONT, b"h" * 600) + text("dropped")
    ),
    "RSV1 set": text("before") + frame(TEXT, b"x", rsv=RSV1) + text("dropped"),
    "RSV1 on a fragment": frame(TEXT, b"x", fin=False, rsv=RSV1) + frame(CONT, b"y"),
    "text inside a fragmented message": frame(TEXT, b"a", fin=False) + text("b"),
    "a lone continuation": text("before") + frame(CONT, b"a") + text("dropped"),
    "unknown opcode": text("before") + frame(0x3, b"x") + text("dropped"),
    "control frame too long": text("before") + frame(PING, b"x" * 126) + text("dropped"),
    "fragmented ping": text("before") + frame(PING, b"x", fin=False) + text("dropped"),
    "invalid UTF-8 in a text frame": text(b"\xff\xfe{") + text("still open"),
    "invalid UTF-8 in a close reason": text("before") + frame(CLOSE, b"\x03\xe8\xff"),
}

SMALL_CASES = {name: data for name, data in CASES.items() if len(data) < 2_000}


@pytest.mark.parametrize("name", CASES)
def test_in_one_chunk_with_the_handshake_it_is_websockets_behaviour(name: str) -> None:
    assert through_reader(CASES[name], []).seen == websockets_alone(CASES[name])


@pytest.mark.parametrize("name", SMALL_CASES)
def test_cut_at_every_byte_it_is_websockets_behaviour(name: str) -> None:
    data = SMALL_CASES[name]
    expected = websockets_alone(data)
    for cut in range(-200, len(data)):
        assert through_reader(data, [cut]).seen == expected, f"cut at {cut}"


@pytest.mark.parametrize("name", SMALL_CASES)
def test_one_byte_at_a_time_it_is_websockets_behaviour(name: str) -> None:
    data = SMALL_CASES[name]
    assert through_reader(data, range(-200, len(data))).seen == websockets_alone(data)


def test_large_frames_cut_around_their_headers_and_payloads() -> None:
    data = CASES["64-bit length"] + CASES["16-bit length"]
    expected = websockets_alone(data)
    for cut in [*range(12), 35_000, 70_009, 70_010, 70_011, *range(70_012, 70_030)]:
        assert through_reader(data, [cut]).seen == expected, f"cut at {cut}"
    assert through_reader(data, range(0, len(data), 1_000)).seen == expected


def test_many_frames_per_chunk_take_the_fast_path() -> None:
    messages = [f'{{"kind":"notification","n":{index}}}'.encode() for index in range(1_000)]
    run = through_reader(b"".join(text(message) for message in messages), range(0, 40_000, 4_096))
    assert run.seen.received == [("message", message) for message in messages]
    # websockets parsed the handshake response and nothing else
    assert len(b"".join(run.handed_on)) < 300
    assert run.reader.taking_frames


def test_a_raising_handler_costs_one_message_not_the_rest_of_the_chunk() -> None:
    delivered: list[bytes] = []
    failures: list[Exception] = []

    def on_message(payload: bytes) -> None:
        if payload == b"bad":
            raise ValueError(payload)
        delivered.append(payload)

    reader = FrameReader(on_message, lambda data: True, SMALL, failures.append)
    reader.feed(b"HTTP/1.1 101 Switching Protocols\r\n\r\n" + text("a") + text("bad") + text("b"))
    reader.feed(text("bad")[:3])
    reader.feed(text("bad")[3:] + text("c"))
    assert delivered == [b"a", b"b", b"c"]
    assert [str(failure) for failure in failures] == ["b'bad'", "b'bad'"]


def test_a_frame_is_delivered_only_once_whole() -> None:
    delivered: list[bytes] = []
    reader = FrameReader(delivered.append, lambda data: True, SMALL, _raise)
    reader.feed(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
    whole = text("x" * 500)
    for at in range(len(whole) - 1):
        reader.feed(whole[at : at + 1])
    assert delivered == []
    reader.feed(whole[-1:])
    assert delivered == [b"x" * 500]


def test_an_oversized_header_goes_to_websockets_at_once_not_held() -> None:
    run = through_reader(frame(TEXT, length=16 * 1024 * 1024 + 1), [], max_size=16 * 1024 * 1024)
    assert run.seen.close_sent == (
        1009,
        "frame with 16777217 bytes exceeds limit of 16777216 bytes",
    )
    assert not run.reader.taking_frames


def test_control_and_fragment_frames_go_to_websockets_whole_and_in_order() -> None:
    data = CASES["fragmented message"]
    run = through_reader(data, [])
    _handshake, *frames = run.handed_on
    assert frames == [
        frame(TEXT, b"he", fin=False),
        frame(PING, b"mid"),
        frame(CONT, b"ll", fin=False),
        frame(CONT, b"o"),
    ]
    assert run.seen.received[-1] == ("message", b"after")


def test_after_a_close_frame_every_byte_goes_to_websockets() -> None:
    run = through_reader(CASES["close between data"], [])
    assert run.handed_on[-1] == text("dropped")
    assert not run.reader.taking_frames


def test_stop_returns_the_start_of_the_frame_held() -> None:
    reader = FrameReader(lambda payload: None, lambda data: True, SMALL, _raise)
    reader.feed(b"HTTP/1.1 101 Switching Protocols\r\n\r\n" + text("whole")[:4])
    assert reader.stop() == text("whole")[:4]
    assert not reader.taking_frames


def test_a_failed_handshake_hands_everything_on() -> None:
    handed_on: list[bytes] = []

    def pass_on(data: bytes) -> bool:
        handed_on.append(data)
        return False

    reader = FrameReader(lambda payload: pytest.fail("no message"), pass_on, SMALL, _raise)
    response = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 5\r\n\r\n"
    reader.feed(response[:10])
    reader.feed(response[10:] + b"nope!" + text("x"))
    assert b"".join(handed_on) == response + b"nope!" + text("x")
    assert not reader.taking_frames


def _writer() -> FrameWriter:
    """A writer whose large frames websockets' own client protocol makes."""
    client = ClientProtocol(parse_uri("ws://127.0.0.1/"), state=State.OPEN)

    def frame_large(payload: bytes) -> bytes:
        client.send_text(payload)
        return b"".join(client.data_to_send())

    return FrameWriter(frame_large)


SIZES = [0, 1, 125, 126, LARGEST_MASKED_HERE, LARGEST_MASKED_HERE + 1, 65_535, 65_536, 14]


@pytest.mark.parametrize("size", SIZES)
def test_a_lone_written_frame_is_a_masked_text_frame_websockets_reads_back(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    # websockets' server protocol fails a frame that is not masked
    assert client_frames(_writer().text_frames([payload])) == [("TEXT", payload)]


def test_written_batches_are_masked_text_frames_in_order() -> None:
    writer = _writer()
    payloads = [b"x" * size for size in SIZES] + [b'{"kind":"req"}']
    for _ in range(3):  # past the first draw of keys
        written = writer.text_frames(payloads * 100)
        assert client_frames(written) == [("TEXT", payload) for payload in payloads * 100]


def test_every_written_frame_has_a_key_of_its_own() -> None:
    writer = _writer()
    written = writer.text_frames([b"same"] * 2_000)
    keys = {written[at + 2 : at + 6] for at in range(0, len(written), 10)}
    keys |= {writer.text_frames([b"same"])[2:6] for _ in range(2_000)}
    assert len(keys) > 3_990
