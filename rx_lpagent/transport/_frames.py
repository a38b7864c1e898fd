"""The websockets transport's frame fast path: data frames read and written without
websockets' per-frame machinery (``python -m rx_lpagent bench frames`` measures both).

Reading: websockets' Sans-I/O parser reads each frame through generator-based coroutines in
pure Python (``Frame.parse``, ``StreamReader.read_exact``, one ``Frame`` and one event each):
2.2-2.6 us per frame here (100,000 frames of 60-300 bytes in 64 KB chunks, 2 shared cores),
where aiohttp's reader parses in C. With the Agent's own work per notification (about 1.5 us)
that held ``Agent (websockets)`` at 0.3-0.5x the bare aiohttp client's notifications/s.
:class:`FrameReader` slices a whole data frame out of a received chunk in 0.23-0.33 us.

It takes only the frames whose handling is nothing but "deliver the payload": FIN set, RSV
bits clear, opcode TEXT or BINARY, unmasked (a server's frames), at most ``max_size`` long, and
not inside a fragmented message. Every other byte is handed on, in order and unchanged, to the
library's own parser (``pass_on``): the opening handshake, control frames (ping, pong, close),
fragmented messages, and whatever is malformed, so replies, close handshakes, protocol errors
and their close codes stay the library's. Its parser is handed bytes from a frame boundary on
and is never left mid-frame when this loop takes bytes, without asking it where it is: the
reader finds the end of the handshake response itself (the first empty line:
a 101 response has no body), and from there on counts every frame's length from its header.
Once the library is no longer OPEN (``pass_on`` returned False: a close frame, a failed
frame), every later byte goes to it.

At most one frame is held across chunks: a header (under 14 bytes), or a fast frame, which is
at most ``max_size`` plus its 10-byte header. Frames handed on are streamed, never held.

Writing: :class:`FrameWriter` makes the masked client text frames of one loop turn in one
``bytes``: 0.48 us per 60-byte frame in a batch of 64 and 0.8 us alone, where websockets'
``send_text`` and ``data_to_send`` take 1.7-1.8 us.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Final

__all__ = ["LARGEST_MASKED_HERE", "FrameReader", "FrameWriter"]

_FIN: Final = 0x80
_OPCODE: Final = 0x0F
_CONTINUATION: Final = 0x0
_TEXT: Final = 0x1
_BINARY: Final = 0x2
_MASKED: Final = 0x80
_LENGTH_16: Final = 126
_LENGTH_64: Final = 127
_HEAD_END: Final = b"\r\n\r\n"

_HANDSHAKE: Final = 0
_FRAMES: Final = 1
_PASSTHROUGH: Final = 2


class FrameReader:
    """Splits a client's incoming WebSocket byte stream between a fast path and the library.

    ``on_message(payload)`` gets each fast frame's payload (what it raises goes to
    ``on_failure``, and the next frame is read); ``pass_on(data)`` gets every other byte, in
    stream order, and returns whether the connection is (still) OPEN, i.e. whether the frames
    after these bytes may take the fast path.
    """

    __slots__ = (
        "_head_tail",
        "_held",
        "_mode",
        "_needed",
        "_to_pass",
        "fragmented",
        "max_size",
        "on_failure",
        "on_message",
        "pass_on",
    )

    def __init__(
        self,
        on_message: Callable[[bytes], None],
        pass_on: Callable[[bytes], bool],
        max_size: int,
        on_failure: Callable[[Exception], None],
    ) -> None:
        self.on_message = on_message
        self.on_failure = on_failure
        self.pass_on = pass_on
        self.max_size = max_size
        self.fragmented = False
        """A fragmented message is under way: its continuation frames go to the library."""
        self._mode = _HANDSHAKE
        self._head_tail = b""
        self._held = bytearray()
        self._needed = 0
        """The length of the fast frame being held (0: only part of a header is held)."""
        self._to_pass = 0
        """Bytes of a frame the library is reading that are still to come: they go to it."""

    @property
    def taking_frames(self) -> bool:
        """Whether the handshake is over and fast frames are taken (the library was OPEN)."""
        return self._mode == _FRAMES

    def feed(self, data: bytes) -> None:
        """Take the next chunk of the stream."""
        mode = self._mode
        if mode == _FRAMES:
            if self._held or self._to_pass:
                self._resume(data)
            else:
                self._frames(data, 0)
        elif mode == _PASSTHROUGH:
            self.pass_on(data)
        else:
            self._handshake(data)

    def stop(self) -> bytes:
        """Take no more frames (the library is no longer OPEN, or the stream is ending): every
        byte from now on goes to the library. Returns the bytes held (the start of one frame),
        which the caller hands to the library before anything else."""
        held = bytes(self._held)
        self._held = bytearray()
        self._needed = 0
        self._mode = _PASSTHROUGH
        return held

    def _handshake(self, data: bytes) -> None:
        seen = self._head_tail + data
        end = seen.find(_HEAD_END)
        if end < 0:
            self._head_tail = seen[-3:]
            self.pass_on(data)
            return
        end += len(_HEAD_END) - len(self._head_tail)
        self._head_tail = b""
        if self.pass_on(data[:end]):
            self._mode = _FRAMES
            if end < len(data):
                self._frames(data, end)
        else:
            self._pass_the_rest(data, end)

    def _resume(self, data: bytes) -> None:
        """Finish what the last chunk left unfinished, then go on with this one's frames."""
        to_pass = self._to_pass
        if to_pass:
            if len(data) <= to_pass:
                self._to_pass = to_pass - len(data)
                if not self.pass_on(data):
                    self._pass_the_rest(data, len(data))
                return
            self._to_pass = 0
            if self.pass_on(data[:to_pass]):
                self._frames(data, to_pass)
            else:
                self._pass_the_rest(data, to_pass)
            return
        held = self._held
        needed = self._needed
        if not needed:  # part of a header: read it again with this chunk behind it
            held += data
            self._held = bytearray()
            self._frames(bytes(held), 0)
            return
        missing = needed - len(held)
        if len(data) < missing:
            held += data
            return
        held += data[:missing]
        self._held = bytearray()
        self._needed = 0
        header = 2 if held[1] < _LENGTH_16 else 4 if held[1] == _LENGTH_16 else 10
        try:
            self.on_message(bytes(held[header:]))
        except Exception as error:
            self.on_failure(error)
        self._frames(data, missing)

    def _frames(self, data: bytes, start: int) -> None:
        """Deliver the fast frames of ``data`` from ``start``; hand the others on."""
        on_message = self.on_message
        max_size = self.max_size
        fragmented = self.fragmented
        size = len(data)
        at = start
        while at < size:
            if size - at < 2:
                self._held = bytearray(data[at:])
                return
            first = data[at]
            second = data[at + 1]
            if second < _LENGTH_16:
                begin = at + 2
                length = second
            elif second == _LENGTH_16:
                begin = at + 4
                if begin > size:
                    self._held = bytearray(data[at:])
                    return
                length = data[at + 2] << 8 | data[at + 3]
            elif second == _LENGTH_64:
                begin = at + 10
                if begin > size:
                    self._held = bytearray(data[at:])
                    return
                length = int.from_bytes(data[at + 2 : begin], "big")
            else:  # masked: for the library to fail
                begin = length = max_size + 1
            # FIN and no RSV bits, TEXT (0x81) or BINARY (0x82); a literal tuple is a constant
            if first in (0x81, 0x82) and length <= max_size and not fragmented:
                end = begin + length
                if end > size:
                    self._held = bytearray(data[at:])
                    self._needed = end - at
                    return
                try:  # costs nothing unless it raises (Python >= 3.11)
                    on_message(data[begin:end])
                except Exception as error:
                    self.on_failure(error)
                at = end
                continue
            at = self._hand_on(data, at)
            if at < 0:
                return
            fragmented = self.fragmented

    def _hand_on(self, data: bytes, at: int) -> int:
        """Hand the library the frame at ``at`` (all of it this chunk has); where the next
        frame starts, or -1 when this chunk is done with."""
        size = len(data)
        second = data[at + 1]
        code = second & ~_MASKED
        header = 2 + (2 if code == _LENGTH_16 else 8 if code == _LENGTH_64 else 0)
        header += 4 if second & _MASKED else 0
        if at + header > size:  # the header is incomplete: wait for the rest of it
            self._held = bytearray(data[at:])
            return -1
        if code == _LENGTH_16:
            length = data[at + 2] << 8 | data[at + 3]
        elif code == _LENGTH_64:
            length = int.from_bytes(data[at + 2 : at + 10], "big")
        else:
            length = code
        first = data[at]
        opcode = first & _OPCODE
        if opcode in (_TEXT, _BINARY):
            self.fragmented = not first & _FIN
        elif opcode == _CONTINUATION and first & _FIN:
            self.fragmented = False
        end = at + header + length
        if end > size:
            self._to_pass = end - size
            if not self.pass_on(data[at:] if at else data):
                self._pass_the_rest(data, size)
            return -1
        if not self.pass_on(data[at:end]):
            self._pass_the_rest(data, end)
            return -1
        return end

    def _pass_the_rest(self, data: bytes, at: int) -> None:
        self._mode = _PASSTHROUGH
        self._to_pass = 0
        if at < len(data):
            self.pass_on(data[at:])


_TEXT_HEADS: Final = [bytes((0x81, _MASKED | size)) for size in range(_LENGTH_16)]
"""The header of each masked FIN TEXT frame whose length fits in its second byte."""
_HEAD_16: Final = bytes((0x81, _MASKED | _LENGTH_16))
_KEEP_SHORT: Final = bytes(2 + 4)
_KEEP_16: Final = bytes(4 + 4)
"""XOR with zeros leaves a header and its masking key as they are."""
_KEYS_DRAWN: Final = 4096
LARGEST_MASKED_HERE: Final = 512
"""Payloads up to this long are masked here; longer ones by the library, whose C masking
costs about 0.05 ns a byte where one XOR of big integers costs about 2 ns."""


class FrameWriter:
    """Client text frames for a batch of payloads, in one ``bytes``.

    websockets' ``send_text`` plus ``data_to_send`` cost about 2.0 us per frame (a ``Frame``
    object, its generic ``serialize``, one ``os.urandom(4)`` call per masking key); this costs
    about 0.45 us per frame of 50 bytes in a batch of 64, 1.0 us at 300 bytes (the frames masked
    together in one XOR of two big integers). A payload over ``LARGEST_MASKED_HERE`` bytes is
    framed by ``frame_large`` (the library). The masking keys are RFC 6455's: four bytes from
    the operating system's random source for each frame, drawn 1,024 keys at a time.
    """

    __slots__ = ("_frame_large", "_keys", "_used")

    def __init__(self, frame_large: Callable[[bytes], bytes]) -> None:
        self._frame_large = frame_large
        self._keys = b""
        self._used = 0

    def text_frames(self, payloads: list[bytes]) -> bytes:
        keys = self._keys
        used = self._used
        if used + 4 * len(payloads) > len(keys):
            keys = self._keys = os.urandom(max(_KEYS_DRAWN, 4 * len(payloads)))
            used = 0
        if len(payloads) == 1 and len(payloads[0]) <= LARGEST_MASKED_HERE:
            self._used = used + 4
            return _one_masked(payloads[0], keys[used : used + 4])
        heads = _TEXT_HEADS
        written: list[bytes] = []
        plain: list[bytes] = []
        masks: list[bytes] = []
        for payload in payloads:
            size = len(payload)
            if size > LARGEST_MASKED_HERE:
                if plain:
                    written.append(_masked(plain, masks))
                    plain, masks = [], []
                written.append(self._frame_large(payload))
                continue
            key = keys[used : used + 4]
            used += 4
            if size < _LENGTH_16:
                plain += (heads[size], key, payload)
                masks += (_KEEP_SHORT, (key * ((size >> 2) + 1))[:size])
            else:
                plain += (_HEAD_16, size.to_bytes(2, "big"), key, payload)
                masks += (_KEEP_16, (key * ((size >> 2) + 1))[:size])
        self._used = used
        if plain:
            written.append(_masked(plain, masks))
        return written[0] if len(written) == 1 else b"".join(written)


def _one_masked(payload: bytes, key: bytes) -> bytes:
    """The usual lone frame (a request on its own in its loop turn), without the lists."""
    size = len(payload)
    head = _TEXT_HEADS[size] if size < _LENGTH_16 else _HEAD_16 + size.to_bytes(2, "big")
    mask = (key * ((size >> 2) + 1))[:size]
    masked = int.from_bytes(payload, "little") ^ int.from_bytes(mask, "little")
    return head + key + masked.to_bytes(size, "little")


def _masked(plain: list[bytes], masks: list[bytes]) -> bytes:
    frames = b"".join(plain)
    stream = b"".join(masks)
    return (int.from_bytes(frames, "little") ^ int.from_bytes(stream, "little")).to_bytes(
        len(frames), "little"
    )
