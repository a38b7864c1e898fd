"""The agent: the public :class:`Agent` facade and the parts it is made of.

Everything here but :class:`Agent`, :class:`AgentState` and ``DEFAULT_RECOVERY`` is private to the
package: the per-socket life (link, requests, keep-alive, refresh, recovery; swapped in one place),
the flows and their retrying, the request table, the router, the bus, re-subscriptions, backfill.
"""

from rx_lpagent.agent._agent import DEFAULT_RECOVERY, Agent, AgentState

__all__ = ["DEFAULT_RECOVERY", "Agent", "AgentState"]
