"""What every part of the running emulator shares, stored once in the aiohttp application."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from rx_lpagent.emulator.engine import Engine
from rx_lpagent.emulator.faults import Faults
from rx_lpagent.emulator.records import CallLog
from rx_lpagent.emulator.state import World

__all__ = ["CONTEXT", "DEFAULT_IDLE_TIMEOUT", "FAULT_NAMES", "EmulatorContext"]

DEFAULT_IDLE_TIMEOUT = 90.0
"""Seconds without a frame (pings and pongs count) before a socket is closed with 1000.
LivePerson documents 60 s, yet keeps clients that ping every 60 s (the Node SDK's interval): a
limit of exactly 60 s would race their pings, so the emulator's has a 50% margin over them."""


@dataclass
class EmulatorContext:
    world: World
    engine: Engine
    faults: Faults
    calls: CallLog
    idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT
    session_ttl: float = 28800.0
    tls: bool = False
    advertised_host: str = "127.0.0.1"
    port: int = 0
    services: tuple[str, ...] = field(
        default=(
            "agentVep",
            "facadeMsg",
            "asyncMessagingEnt",
            "msgHist",
            "swift",
            "acCdnDomain",
            "idp",
            "accountConfigReadOnly",
            "leDataReporting",
        )
    )

    @property
    def authority(self) -> str:
        """``host:port`` as CSDS hands it out (a bare host, no scheme)."""
        return f"{self.advertised_host}:{self.port}"


CONTEXT: web.AppKey[EmulatorContext] = web.AppKey("rx_lpagent.emulator", EmulatorContext)
FAULT_NAMES: web.RequestKey[str] = web.RequestKey("rx_lpagent.emulator.faults", str)
"""The faults the middleware applied to a request, for the handler's own record."""
