"""Flow outcomes reported on ``agent.events``, their locations, and filters for a pipe.

Every step of a flow reports a :class:`SuccessEvent` or an :class:`ErrorEvent` whose
``context.location`` names the step, ``Area#Step``. The first eight :class:`Location` values are
exactly the Node SDK's strings; the rest are rx_lpagent's own, for the places the Node SDK reports
nothing (the socket, keep-alive, requests, frames, notifications, recovery)::

    agent.events.pipe(under_location("RefreshSession"), failures()).subscribe(alert)
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import reactivex
from reactivex import operators as ops

from rx_lpagent.errors import SDKError

__all__ = [
    "AgentEvent",
    "Backfilled",
    "Closed",
    "Connected",
    "Context",
    "ErrorEvent",
    "Location",
    "Retrying",
    "SuccessEvent",
    "at_location",
    "failures",
    "matching_location",
    "of_kind",
    "successes",
    "under_location",
]


class Location(StrEnum):
    """Where a flow outcome happened. Compare with plain strings freely: it is a ``str``."""

    # the Node SDK's eight
    CONNECT_CSDS = "Connect#CSDS"
    """Domain lookup in connect."""
    CONNECT_LOGIN = "Connect#Login"
    """Login (or the token check for bearer-token agents) in connect."""
    RECONNECT_CSDS = "Reconnect#CSDS"
    """Domain lookup in reconnect."""
    RECONNECT_RELOGIN_WS = "Reconnect#Relogin#WS"
    """Login (unless the token is kept) and socket replacement in reconnect."""
    REFRESH_PRECHECK = "RefreshSession#Precheck"
    """csrf and session cookie present (fails for bearer-token agents)."""
    REFRESH_CSDS = "RefreshSession#CSDS"
    """Domain lookup in refresh."""
    REFRESH_REST = "RefreshSession#REST"
    """The refresh POST (a 401 or 403 reports nothing here and goes on to relogin)."""
    REFRESH_RELOGIN_WS = "RefreshSession#Relogin#WS"
    """Login again after a refresh 401 or 403 (the healthy socket is kept)."""

    # rx_lpagent's own
    CONNECT_WS = "Connect#WS"
    """Opening the messaging socket in connect."""
    SOCKET_CLOSE = "Socket#Close"
    """The messaging socket closed without being asked to (code and reason in the error)."""
    SOCKET_SEND = "Socket#Send"
    """Writing a frame to the socket failed."""
    KEEPALIVE_CLOCK = "KeepAlive#GetClock"
    """The periodic ``.GetClock`` keep-alive request failed."""
    KEEPALIVE_WATCHDOG = "KeepAlive#Watchdog"
    """No pong or clock answer within the bound: the socket is taken as half-open."""
    REQUEST_TIMEOUT = "Request#Timeout"
    """A messaging request got no answer within its timeout."""
    REQUEST_FAILED = "Request#Response"
    """A messaging request was answered with a code >= 400."""
    FRAME_DECODE = "Frame#Decode"
    """An incoming frame could not be decoded (bad JSON, wrong shape, unknown kind)."""
    NOTIFICATION_TRANSFORM = "Notification#Transform"
    """A notification could not be decoded into its type or transformed to the Node view."""
    RESUBSCRIBE = "Subscription#Resubscribe"
    """Re-creating a subscription after a reconnect failed."""
    RECOVERY_GIVE_UP = "Recovery#GiveUp"
    """A retry policy ran out of attempts (the error is the last one); after a drop, the agent
    is closed."""
    DISPOSE_LOGOUT = "Dispose#Logout"
    """The logout call made on dispose."""
    BACKFILL = "Subscription#Backfill"
    """Fetching a dialog's events missed while the socket was down (one outcome per dialog)."""
    CALLBACK_RAISED = "Callback#Raised"
    """A callback of yours (a subscriber or observer the agent called) raised; the agent went on
    as if it had returned."""
    HANDLER_ERROR = "Handler#Error"
    """An async handler given to ``agent.handle`` raised (the next items are still handled)."""
    HANDLER_OVERFLOW = "Handler#Overflow"
    """An async handler fell ``maxsize`` items behind with ``overflow="raise"``: it stopped."""
    RECORDING_WRITE = "Recording#Write"
    """Writing the session's recording (``record_to``) failed: the recording stopped, the agent
    went on."""

    @property
    def area(self) -> str:
        """The first segment, e.g. ``RefreshSession``."""
        return self.value.split("#", 1)[0]

    @property
    def is_node_location(self) -> bool:
        """Whether the Node SDK emits this location too."""
        return self in _NODE_LOCATIONS


_NODE_LOCATIONS = frozenset(list(Location)[:8])


@dataclass(frozen=True, slots=True)
class Context:
    """Where an event comes from. ``location`` is a :class:`Location` (or a caller's own string)."""

    location: str


class AgentEvent:
    """Base of everything on ``agent.events``: each has a ``context`` naming its location."""

    __slots__ = ()
    context: Context

    @property
    def location(self) -> str:
        return self.context.location


@dataclass(frozen=True, slots=True)
class SuccessEvent(AgentEvent):
    """A flow step succeeded."""

    context: Context


@dataclass(frozen=True, slots=True)
class ErrorEvent(AgentEvent):
    """A flow step failed with ``error`` (always an :class:`SDKError`)."""

    error: SDKError
    context: Context


@dataclass(frozen=True, slots=True)
class Backfilled(SuccessEvent):
    """A dialog's backfill after a reconnect succeeded: ``fetched`` events came back over
    ``pages`` queries, ``delivered`` of them were new; ``held`` live events that waited for it
    were delivered after them."""

    context: Context = Context(Location.BACKFILL)
    dialog_id: str = ""
    fetched: int = 0
    delivered: int = 0
    held: int = 0
    pages: int = 0


@dataclass(frozen=True, slots=True)
class Connected(AgentEvent):
    """The messaging socket is open (after connect or a reconnect)."""

    context: Context = Context(Location.CONNECT_WS)


@dataclass(frozen=True, slots=True)
class Closed(AgentEvent):
    """The messaging socket closed; ``code`` and ``reason`` as the peer (or we) gave them."""

    code: int | None = None
    reason: str = ""
    context: Context = Context(Location.SOCKET_CLOSE)


@dataclass(frozen=True, slots=True)
class Retrying(AgentEvent):
    """A retry is scheduled: attempt ``attempt`` starts in ``delay`` seconds, after ``error``.

    ``location`` is where ``error`` happened; ``policy`` names the :class:`~rx_lpagent.Recovery`
    policy that waits (``connect``, ``reconnect``, ``refresh`` or ``auth``; each counts its own
    attempts from 1). Attempt 0 is the first reconnect after the socket closed unasked (at
    ``Socket#Close``): not a retry of a failed attempt, but a wait all the same.
    """

    attempt: int
    delay: float
    error: SDKError
    context: Context
    policy: str = ""


_E = TypeVar("_E", bound=AgentEvent)
EventFilter = Callable[[reactivex.Observable[AgentEvent]], reactivex.Observable[AgentEvent]]


def at_location(*locations: str) -> EventFilter:
    """Keep events whose location is exactly one of ``locations``."""
    wanted = frozenset(locations)
    return ops.filter(lambda event: event.context.location in wanted)


def under_location(*prefixes: str) -> EventFilter:
    """Keep events whose location starts with the ``#``-segments of one of ``prefixes``.

    ``"RefreshSession"`` matches every refresh step; ``"Reconnect#Relogin"`` matches
    ``Reconnect#Relogin#WS``; ``"Refresh"`` matches nothing (segments are whole);
    ``under_location("Connect", "Reconnect")`` matches the steps of both flows.
    """
    heads = tuple(prefix.rstrip("#") for prefix in prefixes)
    starts = tuple(head + "#" for head in heads)

    def keep(event: AgentEvent) -> bool:
        location = event.context.location
        return location in heads or location.startswith(starts)

    return ops.filter(keep)


def matching_location(pattern: str) -> EventFilter:
    """Keep events whose location matches the glob ``pattern`` (``*#CSDS``, ``*Relogin*``)."""
    regex = re.compile(fnmatch.translate(pattern))
    return ops.filter(lambda event: regex.match(event.context.location) is not None)


def of_kind(
    kind: type[_E],
) -> Callable[[reactivex.Observable[AgentEvent]], reactivex.Observable[_E]]:
    """Keep events of class ``kind``, typed as such downstream."""

    def keep(event: AgentEvent) -> bool:
        return isinstance(event, kind)

    def as_kind(event: AgentEvent) -> _E:
        assert isinstance(event, kind)
        return event

    picked: EventFilter = ops.filter(keep)
    narrowed: Callable[[reactivex.Observable[AgentEvent]], reactivex.Observable[_E]] = ops.map(
        as_kind
    )

    def narrow(source: reactivex.Observable[AgentEvent]) -> reactivex.Observable[_E]:
        return narrowed(picked(source))

    return narrow


def failures() -> Callable[[reactivex.Observable[AgentEvent]], reactivex.Observable[ErrorEvent]]:
    """Keep :class:`ErrorEvent` only. (Not named ``errors``: that is the
    :mod:`rx_lpagent.errors` module, which a top-level name must not shadow.)"""
    return of_kind(ErrorEvent)


def successes() -> Callable[[reactivex.Observable[AgentEvent]], reactivex.Observable[SuccessEvent]]:
    """Keep :class:`SuccessEvent` only."""
    return of_kind(SuccessEvent)
