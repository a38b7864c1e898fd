"""Fleets: many agents in one process on shared resources; across hosts with ZooKeeper.

* :class:`Fleet` runs many agents on one HTTP session, a CSDS cache with a TTL, and paced logins
  and socket opens (:class:`FleetLimits`); :attr:`Fleet.events` merges their events.
* :mod:`rx_lpagent.fleet.cluster` (extra ``[cluster]``, kazoo) splits agent users among worker
  processes so that each is connected by exactly one worker.
"""

from rx_lpagent.fleet._fleet import AgentKey, Fleet, FleetEvent, agent_key
from rx_lpagent.fleet._pacing import Rate, RateLimit
from rx_lpagent.fleet._services import DEFAULT_CSDS_TTL, FleetLimits, FleetServices

__all__ = [
    "DEFAULT_CSDS_TTL",
    "AgentKey",
    "Fleet",
    "FleetEvent",
    "FleetLimits",
    "FleetServices",
    "Rate",
    "RateLimit",
    "agent_key",
]
