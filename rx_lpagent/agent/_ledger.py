"""Per-dialog delivery state: what was delivered (de-duplication), what waits for a backfill.

Every ``.ams.ms.OnlineEventDistribution`` passes through :meth:`DialogLedger.on_event` before
the notification streams see it. A dialog is tracked from its first sequenced event, from the
caller's own history query of it (even an empty one), or from a conversation notification
showing the agent as a participant of its open conversation (from that conversation's last
message on). After a reconnect every tracked dialog is *pending* until its backfill ends: live
events of a pending dialog are held, then delivered after the backfilled ones, all in sequence
order and each once. Events without a sequence (chat states) or a dialog id pass straight through.

The state is bounded: per dialog a :class:`~rx_lpagent.agent._dedup.DedupWindow` (two integers), at
most ``max_dialogs`` dialogs (the oldest-tracked idle one is dropped to make room), and a dialog is
dropped when a conversation notification says it (or its conversation) closed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

import msgspec

from rx_lpagent.agent._dedup import DEFAULT_WINDOW, DedupWindow
from rx_lpagent.protocol import wire_types as wt
from rx_lpagent.protocol.frames import Notification, decode_body
from rx_lpagent.protocol.notifications import (
    ConversationDetails,
    ExConversationChangeNotification,
    OnlineEventDistribution,
)

__all__ = ["EX_CONVERSATION", "ONLINE_EVENT", "DialogLedger", "EventKey", "event_key"]

ONLINE_EVENT = wt.ONLINE_EVENT_DISTRIBUTION
EX_CONVERSATION = wt.EX_CONVERSATION_CHANGE_NOTIFICATION
DEFAULT_MAX_DIALOGS = 10_000
_CLOSED = "CLOSE"
_DELETE = "DELETE"


class EventKey(msgspec.Struct, rename="camel", gc=False):
    """The two fields of a dialog event that de-duplication needs (the rest stays undecoded)."""

    dialog_id: str = ""
    sequence: int | None = None


_key_decoder = msgspec.json.Decoder(EventKey)
_BAD_BODY = (msgspec.DecodeError, UnicodeError, ValueError, TypeError)


def event_key(body: msgspec.Raw | bytes) -> EventKey | None:
    """Dialog and sequence of an event body; None if it has none (or is not an object)."""
    try:
        key = _key_decoder.decode(body)
    except _BAD_BODY:
        return None
    if not key.dialog_id or key.sequence is None:
        return None
    return key


class _Dialog:
    __slots__ = ("closed", "floor", "held", "pending", "window")

    def __init__(self, window: int) -> None:
        self.window = DedupWindow(window)
        self.pending = False
        self.closed = False
        self.held: list[tuple[int, Notification]] = []
        self.floor: int | None = None
        """Where a backfill starts while nothing was delivered yet (None: from the start)."""


def _takes_part(details: ConversationDetails, me: Collection[str]) -> bool:
    return any(each in me for ids in details.participants.values() for each in ids)


class DialogLedger:
    """De-duplicates and orders dialog events on their way to ``deliver``."""

    def __init__(
        self,
        deliver: Callable[[Notification], None],
        *,
        window: int = DEFAULT_WINDOW,
        max_dialogs: int = DEFAULT_MAX_DIALOGS,
    ) -> None:
        self._deliver = deliver
        self._window = window
        self._max_dialogs = max_dialogs
        self._dialogs: dict[str, _Dialog] = {}
        self.live_windows: dict[str, DedupWindow] = {}
        """The window of each tracked dialog that waits for no backfill: for such a dialog,
        :meth:`admit_live` is its window's ``admit`` (the intake's short way goes there
        directly, one call less per dialog event)."""

    def __len__(self) -> int:
        return len(self._dialogs)

    def __contains__(self, dialog_id: object) -> bool:
        return dialog_id in self._dialogs

    def high_water(self, dialog_id: str) -> int | None:
        dialog = self._dialogs.get(dialog_id)
        return None if dialog is None else dialog.window.high_water

    def held(self, dialog_id: str) -> int:
        """How many live events of the dialog wait for its backfill."""
        dialog = self._dialogs.get(dialog_id)
        return 0 if dialog is None else len(dialog.held)

    # -- live traffic ---------------------------------------------------------------------------

    def on_event(self, notification: Notification) -> None:
        """A live dialog event: delivered if new, held if its dialog waits for a backfill."""
        body: object = notification.body
        if type(body) is msgspec.Raw:  # tested first: a failing isinstance of a Struct is slow
            try:
                key = _key_decoder.decode(body)
            except _BAD_BODY:
                self._deliver(notification)
                return
            sequence, dialog_id = key.sequence, key.dialog_id
        elif isinstance(body, OnlineEventDistribution):  # decoded with its frame, in one pass
            sequence, dialog_id = body.sequence, body.dialog_id
        else:
            self._deliver(notification)
            return
        if self.admit_live(notification, dialog_id, sequence):
            self._deliver(notification)

    def admit_live(self, notification: Notification, dialog_id: str, sequence: int | None) -> bool:
        """Whether a live dialog event is to be delivered now (the caller delivers it): not if
        it was delivered before, nor while its dialog waits for a backfill (then it is held,
        and delivered when the backfill ends)."""
        # the hot path of every dialog event: kept flat on purpose
        if sequence is None or not dialog_id:
            return True
        dialog = self._dialogs.get(dialog_id)
        if dialog is None:
            dialog = self._track(dialog_id)
        if dialog.pending:
            dialog.held.append((sequence, notification))
            return False
        return dialog.window.admit(sequence)

    def on_conversations(
        self, notification: Notification, me: Collection[str] = frozenset()
    ) -> None:
        """Drop the state of dialogs a conversation notification reports closed; start tracking
        the open dialogs of conversations ``me`` (the agent's ids) takes part in, so that a
        message sent to one in a gap before its first event reached the agent is backfilled."""
        body = decode_body(notification.body, ExConversationChangeNotification)
        if not isinstance(body, ExConversationChangeNotification):
            return  # the typed stream reports it, if anyone watches
        for change in body.changes:
            result = change.result
            details = None if result is None else result.conversation_details
            if result is None or details is None:
                continue
            for dialog in details.dialogs:
                if _CLOSED in (details.state, dialog.state):
                    self.forget(dialog.dialog_id)
            if details.state == _CLOSED:
                self.forget(result.conv_id)
            elif change.type != _DELETE and _takes_part(details, me):
                self._track_joined(details, result.last_content_event_notification)

    def _track_joined(
        self, details: ConversationDetails, last: OnlineEventDistribution | None
    ) -> None:
        for dialog in details.dialogs:
            if dialog.state == _CLOSED or not dialog.dialog_id or dialog.dialog_id in self:
                continue
            tracked = self._track(dialog.dialog_id)
            if last is not None and last.dialog_id == dialog.dialog_id:
                # a floor, not a delivery: that event may still be on its way live
                tracked.floor = last.sequence

    def note_history(
        self, dialog_id: str, sequences: Iterable[int], *, since: int | None = None
    ) -> None:
        """The caller fetched history itself (``subscribe_messaging_events``, from sequence
        ``since`` on): track the dialog and count those events as delivered (they were, on
        ``node_notifications``). An empty history tracks it too, from ``since``: its first
        events may come while the socket is down."""
        if not dialog_id:
            return
        dialog = self._dialogs.get(dialog_id)
        if dialog is None:
            dialog = self._track(dialog_id)
            dialog.floor = since
        for sequence in sorted(sequences):
            dialog.window.admit(sequence)

    def forget(self, dialog_id: str) -> None:
        """Drop a dialog's state now, or once its backfill ends."""
        dialog = self._dialogs.get(dialog_id)
        if dialog is None:
            return
        if dialog.pending:
            dialog.closed = True
        else:
            del self._dialogs[dialog_id]
            del self.live_windows[dialog_id]

    # -- backfill -------------------------------------------------------------------------------

    def begin_backfill(self) -> list[tuple[str, int | None]]:
        """Hold live events of every tracked dialog; (dialog id, last delivered sequence) each."""
        work: list[tuple[str, int | None]] = []
        self.live_windows.clear()
        for dialog_id, dialog in self._dialogs.items():
            dialog.pending = True
            after = dialog.window.high_water
            work.append((dialog_id, dialog.floor if after is None else after))
        return work

    def backfilled(self, dialog_id: str, events: Iterable[tuple[int, Notification]]) -> int:
        """Deliver fetched events of a dialog in sequence order, each once; how many were new."""
        dialog = self._dialogs.get(dialog_id) or self._track(dialog_id)
        return self._admit_all(dialog, events)

    def end_backfill(self, dialog_id: str) -> int:
        """The dialog's backfill ended (done or given up): deliver what was held; how many."""
        dialog = self._dialogs.get(dialog_id)
        if dialog is None:
            return 0
        held, dialog.held = dialog.held, []
        dialog.pending = False
        delivered = self._admit_all(dialog, held)
        if dialog.closed:
            self._dialogs.pop(dialog_id, None)
        else:
            self.live_windows[dialog_id] = dialog.window
        return delivered

    def _admit_all(self, dialog: _Dialog, events: Iterable[tuple[int, Notification]]) -> int:
        delivered = 0
        for sequence, notification in sorted(events, key=lambda event: event[0]):
            if dialog.window.admit(sequence):
                delivered += 1
                self._deliver(notification)
        return delivered

    def _track(self, dialog_id: str) -> _Dialog:
        if len(self._dialogs) >= self._max_dialogs:
            idle = next((key for key, d in self._dialogs.items() if not d.pending), None)
            if idle is not None:
                del self._dialogs[idle]
                del self.live_windows[idle]
        dialog = self._dialogs[dialog_id] = _Dialog(self._window)
        self.live_windows[dialog_id] = dialog.window
        return dialog
