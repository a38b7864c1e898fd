"""The :class:`Backend` interface the flows compose; it is defined by the I/O layer that
implements it (:mod:`rx_lpagent.transport.backend`), so imports point down."""

from rx_lpagent.transport.backend import Backend, Domains, Link, OnClose, OnMessage, Session

__all__ = ["Backend", "Domains", "Link", "OnClose", "OnMessage", "Session"]
