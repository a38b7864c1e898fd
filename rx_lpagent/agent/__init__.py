"""The agent: the public :class:`Agent` facade and the parts it is made of.

Everything here but :class:`Agent`, :class:`AgentState` and ``DEFAULT_RECOVERY`` is private to the
package: the request table, the router, the bus, re-subscriptions, backfill, keep-alive, periodic
jobs and the socket's lifetime.
"""

from rx_lpagent.agent._agent import DEFAULT_RECOVERY, Agent, AgentState

__all__ = ["DEFAULT_RECOVERY", "Agent", "AgentState"]
