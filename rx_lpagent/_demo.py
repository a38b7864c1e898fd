"""The demo. Until the emulator-backed demo lands, it shows the smallest real thing the package
does: decoding LivePerson frames into typed structs and turning failures into located events."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.events import Context, ErrorEvent, Location, SuccessEvent
from rx_lpagent.protocol import Notification, Response, decode_frame

_SAMPLES = (
    b'{"kind":"resp","reqId":"1","code":200,"type":".GetClock$Response",'
    b'"body":{"currentTime":1513813587308}}',
    b'{"kind":"notification","type":".ams.ms.OnlineEventDistribution","body":{"sequence":2,'
    b'"dialogId":"d1","event":{"type":"ContentEvent","contentType":"text/plain","message":"hi"}}}',
    b'{"kind":"resp","reqId":"2","code":429,"body":"Too many requests"}',
    b'{"kind":"notification",',
)


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    return run


def run(args: argparse.Namespace) -> int:
    print("rx_lpagent demo (preview): decoding sample frames into typed events")
    for data in _SAMPLES:
        frame = decode_frame(data)
        if isinstance(frame, MalformedFrameError):
            print(ErrorEvent(frame, Context(Location.FRAME_DECODE)))
        elif isinstance(frame, Response | Notification):
            print(frame)
    print(SuccessEvent(Context(Location.CONNECT_CSDS)))
    return 0
