"""The agent's flows (connect, reconnect, refresh_session) as deferred observables.

Each flow is a chain of steps; every step reports its outcome at its :class:`Location` through
:func:`reported`. Flows only see the :class:`Backend` interface, never aiohttp or websockets,
so they run unchanged on asyncio against a real service and in virtual time against a scripted
backend.
"""

from rx_lpagent.flows.report import as_sdk_error, reported
from rx_lpagent.transport.backend import Backend, Domains, Link, Session

__all__ = ["Backend", "Domains", "Link", "Session", "as_sdk_error", "reported"]
