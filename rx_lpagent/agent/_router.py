"""Notifications in: routed by wire type through a dict, decoded only for types someone watches.

The hot path is one dict lookup (the route of a wire type: the streams that have subscribers
for it, recomputed only when subscribers come or go) and, per watched view, one decode per frame
shared by all of that view's subscribers. No operator chain runs per frame inside the library.
A body that cannot be decoded or transformed is reported (``Notification#Transform``) and
dropped; the streams go on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
import reactivex

from rx_lpagent._isolation import OnRaise, log_raise
from rx_lpagent.agent._bus import Bus
from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol.frames import Notification, decode_body
from rx_lpagent.protocol.identity import AgentIdentity
from rx_lpagent.protocol.notifications import NOTIFICATION_TYPES
from rx_lpagent.protocol.transforms import NodeView, to_node_view

__all__ = ["MAX_CACHED_ROUTES", "NotificationRouter"]

MAX_CACHED_ROUTES = 1024
"""Routes remembered at once; LivePerson has a few dozen notification types."""

_S = TypeVar("_S")

_WIRE_TYPE_OF: dict[type[Any], str] = {struct: wire for wire, struct in NOTIFICATION_TYPES.items()}


class NotificationRouter:
    """Fan-out of incoming notifications into raw, typed and Node-view streams."""

    def __init__(
        self,
        report: Callable[[MalformedFrameError], None],
        identity: Callable[[], AgentIdentity | None],
        on_raise: OnRaise = log_raise,
    ) -> None:
        """``on_raise`` hears of every subscriber that raised (the others still get the value)."""
        self._report = report
        self._identity = identity
        self._on_raise = on_raise
        self._routes: dict[str, tuple[Callable[[Notification], None], ...]] = {}
        self._all: Bus[Notification] = self._bus("notifications")
        self._node: Bus[NodeView] = self._bus("notifications.node")
        self._raw: dict[str, Bus[Notification]] = {}
        self._typed: dict[str, tuple[type[Any], Bus[Any]]] = {}

    def _bus(self, name: str) -> Bus[Any]:
        return Bus(name, self._routes.clear, self._on_raise)

    @property
    def all(self) -> reactivex.Observable[Notification]:
        return self._all

    @property
    def node_view(self) -> reactivex.Observable[NodeView]:
        return self._node

    def raw(self, wire_type: str) -> reactivex.Observable[Notification]:
        """Raw notifications of one wire type."""
        bus = self._raw.get(wire_type)
        if bus is None:
            bus = self._raw[wire_type] = self._bus(f"notifications[{wire_type}]")
        return bus

    def typed(self, struct: type[_S]) -> reactivex.Observable[_S]:
        """Notifications whose body decodes as ``struct`` (one of ``NOTIFICATION_TYPES``)."""
        wire_type = _WIRE_TYPE_OF.get(struct)
        if wire_type is None:
            known = ", ".join(sorted(s.__name__ for s in _WIRE_TYPE_OF))
            raise TypeError(f"{struct.__name__} is not a notification body type ({known})")
        route = self._typed.get(wire_type)
        if route is None:
            name = f"notifications[{struct.__name__}]"
            route = self._typed[wire_type] = (struct, self._bus(name))
        bus: Bus[_S] = route[1]
        return bus

    def dispatch(self, notification: Notification) -> None:
        route = self._routes.get(notification.type)
        if route is None:
            if len(self._routes) >= MAX_CACHED_ROUTES:
                # a server inventing types cannot grow memory: start the cache afresh
                self._routes.clear()
            route = self._routes[notification.type] = self._route(notification.type)
        for deliver in route:
            deliver(notification)

    def _route(self, wire_type: str) -> tuple[Callable[[Notification], None], ...]:
        """Who gets a notification of ``wire_type`` now: only streams with subscribers."""
        route: list[Callable[[Notification], None]] = []
        if self._all.observer_count:
            route.append(self._all.emit)
        raw = self._raw.get(wire_type)
        if raw is not None and raw.observer_count:
            route.append(raw.emit)
        typed = self._typed.get(wire_type)
        if typed is not None and typed[1].observer_count:
            route.append(self._typed_delivery(*typed))
        if self._node.observer_count:
            route.append(self._dispatch_node_view)
        return tuple(route)

    def _typed_delivery(self, struct: type[Any], bus: Bus[Any]) -> Callable[[Notification], None]:
        decoder = msgspec.json.Decoder(struct)
        emit = bus.emit

        def deliver(notification: Notification) -> None:
            try:
                body = decoder.decode(notification.body)
            except (msgspec.DecodeError, UnicodeError, ValueError, TypeError, RecursionError):
                body = decode_body(notification.body, struct)  # the error value, with context
                if isinstance(body, MalformedFrameError):
                    self._report(body)
                    return
            emit(body)

        return deliver

    def emit_node_view(self, view: NodeView) -> None:
        """Deliver a view made elsewhere (the QueryMessages replay of SubscribeMessagingEvents)."""
        self._node.emit(view)

    def _dispatch_node_view(self, notification: Notification) -> None:
        identity = self._identity()
        if identity is None:
            return
        view = to_node_view(notification, identity)
        if isinstance(view, MalformedFrameError):
            self._report(view)
        else:
            self._node.emit(view)

    def close(self) -> None:
        self._all.close()
        self._node.close()
        for raw in self._raw.values():
            raw.close()
        for _, typed in self._typed.values():
            typed.close()
