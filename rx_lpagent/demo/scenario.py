"""Demo scenarios: faults armed before the agent connects, then a timeline of steps.

A scenario file is JSON. It may be an emulator scenario as is (``{"faults": [...]}``, a list of
fault specs, or one spec; see :mod:`rx_lpagent.emulator.faults`), whose faults are armed before
the agent connects. It may add a ``timeline``: steps played at ``at`` seconds after the agent
first connected, each arming more ``faults`` and/or doing one thing (``do``)::

    {"faults": [{"endpoint": "csds", "status": 503, "times": 2}],
     "timeline": [
       {"at": 1.0, "note": "refresh gets 401", "do": "refresh",
        "faults": [{"endpoint": "refresh", "status": 401}]},
       {"at": 2.5, "note": "the network drops the socket", "do": "close_sockets", "code": 1006}
     ]}

``do`` is one of ``refresh`` (the agent refreshes its session), ``reconnect`` (the agent
reconnects with a new token), ``close_sockets`` (the emulator closes the agent's socket with
``code``; 1006 drops it without a close frame), ``half_open`` (the socket stops answering),
``send_malformed`` (a bad frame), ``expire_bearer`` (close 4401, the token is refused from then
on) or ``expire_session`` (refresh and logout answer 401 from then on).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import msgspec

from rx_lpagent.emulator.faults import SCENARIOS, FaultSpec, parse_faults
from rx_lpagent.protocol import wire_types as wt

__all__ = ["DEFAULT_SCENARIO", "Scenario", "Step", "StepAction", "load_scenario", "parse_scenario"]

StepAction = Literal[
    "refresh",
    "reconnect",
    "close_sockets",
    "half_open",
    "send_malformed",
    "expire_bearer",
    "expire_session",
]

SETTLE = 1.5
"""Seconds the demo leaves after the last step, for recovery to show."""


class Step(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One moment of the timeline: arm ``faults``, then ``do`` one thing (both optional)."""

    at: float
    note: str = ""
    faults: list[FaultSpec] = msgspec.field(default_factory=list)
    do: StepAction | None = None
    code: int = 1006

    def __post_init__(self) -> None:
        if not self.at >= 0:
            raise ValueError("a step's 'at' must be >= 0 seconds")


class Scenario(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Faults armed before connecting, and the timeline played once the agent is connected."""

    faults: list[FaultSpec] = msgspec.field(default_factory=list)
    timeline: list[Step] = msgspec.field(default_factory=list)

    @property
    def span(self) -> float:
        """Seconds from the first connection to the end of the last step's recovery."""
        return max((step.at for step in self.timeline), default=0.0) + SETTLE

    def squeezed(self, factor: float) -> Scenario:
        """The same scenario with every step's time multiplied by ``factor``."""
        steps = [
            msgspec.structs.replace(step, at=step.at * factor)
            for step in sorted(self.timeline, key=lambda step: step.at)
        ]
        return Scenario(faults=list(self.faults), timeline=steps)


def parse_scenario(data: Any) -> Scenario:
    """A scenario from decoded JSON; raises ``ValueError`` with the reason when it is invalid."""
    try:
        if isinstance(data, dict) and ("timeline" in data or set(data) <= {"faults"}):
            scenario = msgspec.convert(data, Scenario)
        else:
            scenario = Scenario(faults=parse_faults(data))
    except msgspec.ValidationError as error:
        raise ValueError(str(error)) from error
    return scenario.squeezed(1.0)


def load_scenario(path: str | Path) -> Scenario:
    """The scenario of a JSON file, or a bundled emulator scenario by name (``flaky-login``)."""
    file = Path(path)
    bundled = SCENARIOS / f"{path}.json"
    if not file.exists() and bundled.exists():
        file = bundled
    return parse_scenario(json.loads(file.read_text()))


DEFAULT_SCENARIO = parse_scenario(
    {
        "faults": [{"endpoint": "csds", "action": "status", "status": 503, "times": 2}],
        "timeline": [
            {
                "at": 1.0,
                "note": "the session is refused: refresh gets 401, the agent logs in again",
                "faults": [{"endpoint": "refresh", "status": 401}],
                "do": "refresh",
            },
            {
                "at": 2.5,
                "note": "the network drops the socket; the next domain lookup fails too",
                "faults": [{"endpoint": "csds", "status": 503}],
                "do": "close_sockets",
                "code": 1006,
            },
            {
                "at": 4.0,
                "note": "a 429 burst: the next three replies are rate limited",
                "faults": [{"endpoint": wt.PUBLISH_EVENT, "status": 429, "times": 3}],
            },
            {
                "at": 5.5,
                "note": "the token expires (close 4401): reconnect with a new login",
                "do": "expire_bearer",
            },
        ],
    }
)
"""What ``python -m rx_lpagent demo`` plays: CSDS 503 twice, a refresh 401, a dropped socket, a
429 burst and an expired token."""
