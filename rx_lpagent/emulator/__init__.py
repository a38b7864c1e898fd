"""``rx_lpagent.emulator``: a faithful local LivePerson for tests, demos, notebooks and benchmarks.

One aiohttp application on one port serves CSDS, login/refresh/logout, the messaging WebSocket
(all 16 request types, stateful conversations, routing rings, notifications), a swift file
store and ``/_emulator`` control endpoints; faults can be armed from Python, over HTTP or from a
scenario file; TLS is generated on demand::

    async with Emulator() as emu:
        consumer = emu.consumer()
        conv_id = await consumer.open_conversation()
        await consumer.send_text(conv_id, "hello")

``python -m rx_lpagent emulator --port 8080 [--tls] [--scenario FILE]`` runs it standalone.

``Emulator(replay="session.jsonl")`` serves a recording instead (:mod:`.replay`);
:func:`compare_recording` plays a recording's client side against it and lists the
:class:`Difference` s (:mod:`.compare`).
"""

from rx_lpagent.emulator.compare import Difference, compare_recording
from rx_lpagent.emulator.consumers import EmulatedConsumer
from rx_lpagent.emulator.faults import (
    Faults,
    FaultSpec,
    bundled_scenarios,
    load_scenario,
    parse_faults,
)
from rx_lpagent.emulator.records import Call, CallLog
from rx_lpagent.emulator.replay import Replay
from rx_lpagent.emulator.server import Emulator
from rx_lpagent.emulator.state import AgentUser, AppCredentials, Conversation

__all__ = [
    "AgentUser",
    "AppCredentials",
    "Call",
    "CallLog",
    "Conversation",
    "Difference",
    "EmulatedConsumer",
    "Emulator",
    "FaultSpec",
    "Faults",
    "Replay",
    "bundled_scenarios",
    "compare_recording",
    "load_scenario",
    "parse_faults",
]
