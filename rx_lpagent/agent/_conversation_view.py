"""Conversations that left an ExConversations subscription while the socket was down.

After a reconnect the subscription is re-created and the service answers with a snapshot: an
``UPSERT`` for every conversation it matches now. One that stopped matching in the gap (closed,
under a subscription for ``OPEN`` ones; or the agent left it) is just absent from the snapshot, so a
bot would keep it open forever. This view remembers, per subscription, the conversations last
shown as matching and not closed (with their last ``result``); when the first notification of
a re-created subscription (its snapshot) lacks some of them, the agent delivers one more
notification of ``DELETE`` changes for those, as the service does when a conversation leaves a
subscription's filter while the socket is up. Memory is bounded by the open conversations shown
(at most ``limit`` per subscription).
"""

from __future__ import annotations

import msgspec

from rx_lpagent.protocol.frames import NULL, Notification, encode

__all__ = ["ConversationView"]

_CLOSED = "CLOSE"
_DELETE = "DELETE"
DEFAULT_LIMIT = 10_000


class _Change(msgspec.Struct):
    type: str = ""
    result: msgspec.Raw = NULL


class _Changes(msgspec.Struct, rename="camel"):
    subscription_id: str = ""
    changes: list[_Change] = []


class _Details(msgspec.Struct):
    state: str = ""


class _Result(msgspec.Struct, rename="camel"):
    conv_id: str = ""
    conversation_details: _Details | None = None


_changes_decoder = msgspec.json.Decoder(_Changes)
_result_decoder = msgspec.json.Decoder(_Result)
_BAD = (msgspec.DecodeError, UnicodeError, ValueError, TypeError)


class ConversationView:
    """Per subscription id, the conversations shown as matching (and open), with their result."""

    def __init__(self, notification_type: str, *, limit: int = DEFAULT_LIMIT) -> None:
        self._type = notification_type
        self._limit = limit
        self._known: dict[str, dict[str, msgspec.Raw]] = {}
        self._awaiting_snapshot: dict[str, dict[str, msgspec.Raw]] = {}

    def shown(self, subscription_id: str) -> set[str]:
        return set(self._known.get(subscription_id, {}))

    def on_notification(self, notification: Notification) -> Notification | None:
        """Note what it shows; for a re-created subscription's snapshot, the ``DELETE``s of what
        it no longer shows (None if there are none)."""
        try:
            body = _changes_decoder.decode(notification.body)
        except _BAD:
            return None  # the typed stream reports it, if anyone watches
        subscription_id = body.subscription_id
        before = self._awaiting_snapshot.pop(subscription_id, None)
        known = self._known.setdefault(subscription_id, {})
        shown: set[str] = set()
        for change in body.changes:
            try:
                result = _result_decoder.decode(change.result)
            except _BAD:
                continue
            if not result.conv_id:
                continue
            shown.add(result.conv_id)
            details = result.conversation_details
            if change.type == _DELETE or (details is not None and details.state == _CLOSED):
                known.pop(result.conv_id, None)
            elif result.conv_id in known or len(known) < self._limit:
                known[result.conv_id] = change.result
        if not before:
            return None
        gone = [raw for conv_id, raw in before.items() if conv_id not in shown]
        if not gone:
            return None
        changes = [{"type": _DELETE, "result": raw} for raw in gone]
        deletes = {"subscriptionId": subscription_id, "changes": changes}
        return Notification(self._type, msgspec.Raw(encode(deletes)))

    def moved(self, old_id: str, new_id: str) -> None:
        """A subscription was re-created as ``new_id``: its next notification is a snapshot."""
        if old_id == new_id:
            return
        known = self._known.pop(old_id, None)
        # a socket lost again before the snapshot: what was shown before that is still owed
        before = self._awaiting_snapshot.pop(old_id, known)
        if before:
            self._awaiting_snapshot[new_id] = before

    def forget(self, subscription_id: str) -> None:
        """The subscription was cancelled."""
        self._known.pop(subscription_id, None)
        self._awaiting_snapshot.pop(subscription_id, None)
