"""Notifications in: routed by wire type through a dict, decoded only for types someone watches.

The hot path is one dict lookup (the route of a wire type: the streams that have subscribers
for it, recomputed only when subscribers come or go) and, per watched view, one decode per frame
shared by all of that view's subscribers. No operator chain runs per frame inside the library.
A body that cannot be decoded or transformed is reported (``Notification#Transform``) and
dropped; the streams go on.

One pass where it can: while a wire type's only watchers are typed ones (``notifications_of``;
nobody on the raw, all or Node-view streams), :meth:`NotificationRouter.decode` reads its frames
with a decoder of the whole frame, body included (a Struct per watched type, built once), instead
of the frame and then its body; such a notification carries its decoded body and goes straight
to the typed stream. Measured in ``bench agent`` (typed/s); other frames pay one failed attempt
that stops at the ``type`` field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

import msgspec
import reactivex

from rx_lpagent._isolation import OnRaise, log_raise
from rx_lpagent.agent._bus import Bus
from rx_lpagent.agent._ledger import EX_CONVERSATION
from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol.frames import (
    FRAME_DECODER,
    Frame,
    Notification,
    Request,
    Response,
    UnknownFrame,
    decode_body,
    decode_frame,
    encode,
)
from rx_lpagent.protocol.identity import AgentIdentity
from rx_lpagent.protocol.notifications import NOTIFICATION_TYPES
from rx_lpagent.protocol.transforms import NodeView, to_node_view

__all__ = [
    "MAX_CACHED_ROUTES",
    "ONE_PASS_FRAMES",
    "PLAIN_DECODING",
    "UNDECODABLE",
    "FrameDecoding",
    "NotificationRouter",
]

MAX_CACHED_ROUTES = 1024
"""Routes remembered at once; LivePerson has a few dozen notification types."""

_S = TypeVar("_S")

_WIRE_TYPE_OF: dict[type[Any], str] = {struct: wire for wire, struct in NOTIFICATION_TYPES.items()}

_NEEDS_RAW = frozenset({EX_CONVERSATION})
"""Types the agent reads raw on their way in (the conversation view): never decoded in one pass."""

_MAX_ONE_PASS = 3
"""Whole-frame decoders tried before the general one; each miss costs a failed attempt."""

UNDECODABLE = (msgspec.DecodeError, UnicodeError, ValueError, TypeError, RecursionError)
"""What a msgspec decoder raises on a frame it cannot read."""

_one_pass_decoders: dict[str, msgspec.json.Decoder[Any]] = {}

ONE_PASS_FRAMES: set[type[Any]] = set()
"""The frame classes of one-pass decoding (subclasses of ``Notification``, at most two per
notification type): a set lookup tells them apart faster than ``isinstance`` (a Struct class's
metaclass takes its slow path, ~50 ns even when it succeeds)."""


def _one_pass_decoder(
    wire_type: str, struct: type[Any], *, first: bool
) -> msgspec.json.Decoder[Any]:
    """A decoder of a whole ``wire_type`` notification frame, body as ``struct``; ``first``: of
    requests and responses too (they then cost no failed attempt)."""
    key = f"{'+' if first else ''}{wire_type}"
    decoder = _one_pass_decoders.get(key)
    if decoder is None:
        frame = msgspec.defstruct(
            f"{struct.__name__}Frame",
            [("type", Literal[wire_type]), ("body", struct)],
            bases=(Notification,),
            tag_field="kind",
            tag="notification",
            omit_defaults=True,
        )
        ONE_PASS_FRAMES.add(frame)
        decoder = _one_pass_decoders[key] = msgspec.json.Decoder(
            Request | Response | frame if first else frame
        )
    return decoder


class FrameDecoding:
    """How a socket's frames are decoded, in two steps so that a caller on a hot path can run
    the first itself (one Python call less per frame): ``first_decode`` reads the usual frames
    and raises one of :data:`UNDECODABLE` on the others, which :meth:`decode_refused` then
    reads. This one decodes as :func:`~rx_lpagent.protocol.frames.decode_frame` does."""

    def __init__(self) -> None:
        self.first_decode: Callable[[bytes | str], Frame] = FRAME_DECODER.decode

    def decode_refused(
        self, data: bytes | str, error: Exception
    ) -> Frame | UnknownFrame | MalformedFrameError:
        """The frame ``first_decode`` refused with ``error``. Never raises."""
        return decode_frame(data)  # it says what is wrong with the frame

    def decode(self, data: bytes | str) -> Frame | UnknownFrame | MalformedFrameError:
        """Both steps: :func:`~rx_lpagent.protocol.frames.decode_frame`, or its equal. Never
        raises."""
        try:
            return self.first_decode(data)
        except UNDECODABLE as error:
            return self.decode_refused(data, error)


PLAIN_DECODING = FrameDecoding()


class NotificationRouter(FrameDecoding):
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
        super().__init__()
        self.first_decode = self._choose_then_decode
        self._after_first: tuple[msgspec.json.Decoder[Any], ...] = ()
        """The decoders tried when ``first_decode`` finds another type or kind."""
        self.one_pass_emitters: dict[str, Callable[[Any], None]] = {}
        """The typed stream's ``emit`` of each type :meth:`decode` reads in one pass: what a
        notification with a decoded body goes to, without :meth:`dispatch` (the intake's short
        way, the common case)."""
        self._all: Bus[Notification] = self._bus("notifications")
        self._node: Bus[NodeView] = self._bus("notifications.node")
        self._raw: dict[str, Bus[Notification]] = {}
        self._typed: dict[str, tuple[type[Any], Bus[Any]]] = {}

    def _bus(self, name: str) -> Bus[Any]:
        return Bus(name, self._subscribers_changed, self._on_raise)

    def _subscribers_changed(self) -> None:
        self._routes.clear()
        self.first_decode = self._choose_then_decode
        self.one_pass_emitters = {}

    # decode (FrameDecoding's): decode_frame's result, in one pass for the notification types
    # only typed streams watch (their body comes decoded)

    def _choose_then_decode(self, data: bytes | str) -> Frame:
        """``first_decode`` after subscribers came or went: choose the decoders, then decode."""
        self._one_pass_setup()
        return self.first_decode(data)

    def decode_refused(
        self, data: bytes | str, error: Exception
    ) -> Frame | UnknownFrame | MalformedFrameError:
        if isinstance(error, msgspec.ValidationError):  # another type or kind
            for decoder in self._after_first:
                try:
                    frame: Frame = decoder.decode(data)
                except msgspec.ValidationError:
                    continue
                except UNDECODABLE:
                    break
                return frame
        return decode_frame(data)  # it says what is wrong with the frame

    def _one_pass_setup(self) -> None:
        watched: list[tuple[str, type[Any]]] = []
        if not self._all.observer_count and not self._node.observer_count:
            for wire_type, (struct, bus) in self._typed.items():
                raw = self._raw.get(wire_type)
                if (
                    bus.observer_count
                    and wire_type not in _NEEDS_RAW
                    and (raw is None or not raw.observer_count)
                ):
                    watched.append((wire_type, struct))
        watched = watched[:_MAX_ONE_PASS]
        self.one_pass_emitters = {
            wire_type: self._typed[wire_type][1].emit for wire_type, _ in watched
        }
        decoders = tuple(
            _one_pass_decoder(wire_type, struct, first=index == 0)
            for index, (wire_type, struct) in enumerate(watched)
        )
        if decoders:
            self.first_decode = decoders[0].decode
            self._after_first = (*decoders[1:], FRAME_DECODER)
        else:
            self.first_decode = FRAME_DECODER.decode
            self._after_first = ()

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
        body: Any = notification.body
        if type(body) is not msgspec.Raw:  # decoded in one pass
            emit = self.one_pass_emitters.get(notification.type)
            if emit is not None:
                emit(body)
                return
            # watchers came since it was decoded (it was held for a backfill): make it raw again
            notification = Notification(notification.type, msgspec.Raw(encode(body)))
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
