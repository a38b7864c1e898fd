"""Notifications in: routed by wire type through a dict, decoded only for types someone watches.

The hot path is one dict lookup and, per watched view, one decode per frame shared by all of
that view's subscribers. No operator chain runs per frame inside the library. A body that cannot
be decoded or transformed is reported (``Notification#Transform``) and dropped; the streams go on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import reactivex

from rx_lpagent._bus import Bus
from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol.frames import Notification, decode_body
from rx_lpagent.protocol.identity import AgentIdentity
from rx_lpagent.protocol.notifications import NOTIFICATION_TYPES
from rx_lpagent.protocol.transforms import NodeView, to_node_view

__all__ = ["NotificationRouter"]

_S = TypeVar("_S")

_WIRE_TYPE_OF: dict[type[Any], str] = {struct: wire for wire, struct in NOTIFICATION_TYPES.items()}


class NotificationRouter:
    """Fan-out of incoming notifications into raw, typed and Node-view streams."""

    def __init__(
        self,
        report: Callable[[MalformedFrameError], None],
        identity: Callable[[], AgentIdentity | None],
    ) -> None:
        self._report = report
        self._identity = identity
        self._all: Bus[Notification] = Bus("notifications")
        self._node: Bus[NodeView] = Bus("notifications.node")
        self._raw: dict[str, Bus[Notification]] = {}
        self._typed: dict[str, tuple[type[Any], Bus[Any]]] = {}

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
            bus = self._raw[wire_type] = Bus(f"notifications[{wire_type}]")
        return bus

    def typed(self, struct: type[_S]) -> reactivex.Observable[_S]:
        """Notifications whose body decodes as ``struct`` (one of ``NOTIFICATION_TYPES``)."""
        wire_type = _WIRE_TYPE_OF.get(struct)
        if wire_type is None:
            known = ", ".join(sorted(s.__name__ for s in _WIRE_TYPE_OF))
            raise TypeError(f"{struct.__name__} is not a notification body type ({known})")
        route = self._typed.get(wire_type)
        if route is None:
            route = self._typed[wire_type] = (struct, Bus(f"notifications[{struct.__name__}]"))
        bus: Bus[_S] = route[1]
        return bus

    def dispatch(self, notification: Notification) -> None:
        if self._all.observer_count:
            self._all.emit(notification)
        raw = self._raw.get(notification.type)
        if raw is not None and raw.observer_count:
            raw.emit(notification)
        typed = self._typed.get(notification.type)
        if typed is not None and typed[1].observer_count:
            body = decode_body(notification.body, typed[0])
            if isinstance(body, MalformedFrameError):
                self._report(body)
            else:
                typed[1].emit(body)
        if self._node.observer_count:
            self._dispatch_node_view(notification)

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
