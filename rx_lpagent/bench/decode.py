"""How fast a dialog-event notification decodes into typed structs, next to ``json.loads``.

Run ``python -m rx_lpagent.bench.decode [--number N]``. The input is a realistic ~1 KB
``.ams.ms.OnlineEventDistribution`` frame; "typed" is the full path a subscriber of dialog
events pays: the frame (body kept raw), the body struct, then the event struct.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence

from rx_lpagent.cli._support import Parser, plain, progress
from rx_lpagent.protocol import (
    AgentIdentity,
    ContentEvent,
    Notification,
    OnlineEventDistribution,
    decode_body,
    decode_event,
    decode_frame,
    to_node_view,
)
from rx_lpagent.protocol import wire_types as wt

__all__ = ["FRAME", "main", "register"]

_CONSUMER = "1bb11075bd2611b5c4d4d73bfbb156c8afae6de6756fea9f6231cf38b5e5fc84"
_DIALOG = "816566d3-3825-4375-b2c6-82bcd000b623"

FRAME: bytes = json.dumps(
    {
        "kind": "notification",
        "type": wt.ONLINE_EVENT_DISTRIBUTION,
        "body": {
            "sequence": 42,
            "originatorId": _CONSUMER,
            "originatorPId": _CONSUMER,
            "originatorMetadata": {
                "id": _CONSUMER,
                "role": "CONSUMER",
                "clientProperties": {
                    "type": ".ClientProperties",
                    "appId": "webAsync",
                    "ipAddress": "10.0.0.1",
                    "deviceFamily": "DESKTOP",
                    "os": "LINUX",
                    "osVersion": "6.1",
                    "integration": "WEB_SDK",
                    "integrationVersion": "3.0.94",
                    "browser": "FIREFOX",
                    "browserVersion": "133.0",
                    "features": ["PHOTO_SHARING", "QUICK_REPLIES", "AUTO_MESSAGES", "RICH_CONTENT"],
                },
            },
            "serverTimestamp": 1568004100300,
            "event": {
                "type": "ContentEvent",
                "message": (
                    "Hello, I ordered a pair of shoes last week (order 12-3456-789) and the "
                    "tracking page still says the parcel has not left the warehouse. Could "
                    "you check what is going on and whether I can still change the delivery "
                    "address to my office? Thanks a lot!"
                ),
                "contentType": "text/plain",
            },
            "dialogId": _DIALOG,
            "conversationId": _DIALOG,
            "messageAudience": "ALL",
        },
    },
    separators=(",", ":"),
).encode()


def _typed(frame_bytes: bytes) -> object:
    frame = decode_frame(frame_bytes)
    if not isinstance(frame, Notification):
        raise RuntimeError(f"not a notification: {frame!r}")
    body = decode_body(frame.body, OnlineEventDistribution)
    if not isinstance(body, OnlineEventDistribution):
        raise RuntimeError(f"not an OnlineEventDistribution: {body!r}")
    return decode_event(body.event)


def _node_view(frame_bytes: bytes) -> object:
    frame = decode_frame(frame_bytes)
    if not isinstance(frame, Notification):
        raise RuntimeError(f"not a notification: {frame!r}")
    return to_node_view(frame, _IDENTITY)


_IDENTITY = AgentIdentity("123", "5551234", "3b5b7ec6-2b0f-53af-9afd-11d4072c85a7")


def _time(operation: Callable[[bytes], object], number: int) -> float:
    """Seconds per operation: the best of three runs of ``number`` operations."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(number):
            operation(FRAME)
        best = min(best, time.perf_counter() - start)
    return best / number


def run(number: int) -> int:
    if not isinstance(_typed(FRAME), ContentEvent):
        raise RuntimeError("the benchmark frame did not decode to a ContentEvent")
    print(f"input: {len(FRAME)} bytes, {number} operations, best of 3")
    cases: list[tuple[str, Callable[[bytes], object]]] = [
        ("json.loads (untyped dicts)", json.loads),
        ("typed: frame + body + event", _typed),
        ("Node view: frame + transform", _node_view),
    ]
    rows = []
    with progress("bench decode", len(cases)) as step:
        for label, operation in cases:
            step(label)
            rows.append((label, _time(operation, number)))
    baseline = rows[0][1]
    for label, seconds in rows:
        print(
            f"{label:<30} {seconds * 1e6:8.2f} us/op {1 / seconds:>12,.0f} ops/s "
            f"{baseline / seconds:6.2f}x json.loads"
        )
    return 0


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Add this benchmark's options to ``parser``; returns the function that runs it."""
    parser.add_argument("-n", "--number", type=int, default=100_000, help="operations per run")
    return lambda args: run(args.number)


def main(argv: Sequence[str] | None = None) -> int:
    parser = Parser(prog="python -m rx_lpagent.bench.decode", description=plain(__doc__))
    runner = register(parser)
    return runner(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
