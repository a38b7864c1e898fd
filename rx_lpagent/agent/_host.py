"""What the agent provides to its typed requests, and what a request method takes besides
its body (kept apart from :mod:`rx_lpagent.agent._calls` so the request path stays small)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypedDict

from reactivex import abc

from rx_lpagent.agent._bus import Bus
from rx_lpagent.agent._conversation_view import ConversationView
from rx_lpagent.agent._ledger import DialogLedger
from rx_lpagent.agent._requests import PendingRequests
from rx_lpagent.agent._resubscribe import Resubscriptions
from rx_lpagent.agent._router import NotificationRouter
from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.events import AgentEvent
from rx_lpagent.protocol.identity import AgentIdentity

__all__ = ["Body", "MessagingHost", "RequestOptions"]


class MessagingHost(Protocol):
    """What the agent provides to its requests: who it is, its current socket's pending
    requests, where outcomes are reported, and the state re-created after a reconnect."""

    _events: Bus[AgentEvent]
    _pending: PendingRequests
    """The current socket's requests; while there is no socket a refusing stand-in, marked
    ``detached``: what the typed requests' short way reads as "not connected"."""
    _request_timeout: float
    _router: NotificationRouter
    _resubscriptions: Resubscriptions
    _ledger: DialogLedger | None
    _conversations: ConversationView | None

    @property
    def identity(self) -> AgentIdentity | None: ...

    @property
    def connected(self) -> bool: ...

    def _scheduler(self, scheduler: abc.SchedulerBase | None = None) -> abc.SchedulerBase: ...

    def _report_transform(self, error: MalformedFrameError) -> None: ...

    def _callback_raised(self, where: str, error: Exception) -> None: ...


class RequestOptions(TypedDict, total=False):
    """What every request method also takes: ``headers`` and ``metadata`` sent with the
    request, and ``timeout`` (seconds; default ``AgentConfig.request_timeout``). A timeout that
    is not a finite positive number fails the request with ConfigurationError."""

    headers: object
    metadata: object
    timeout: float | None


Body = Mapping[str, Any]
