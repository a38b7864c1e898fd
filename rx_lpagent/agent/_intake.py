"""Where a live socket's notifications go: straight to the router, or, with backfill on, through
the dialog ledger (de-duplicated, held while their dialog is backfilled) and the conversation
view (conversations that left the subscription while the socket was away).

The common case has a short way: a notification the router decoded in one pass (only typed
streams watch its type) goes from here straight to its typed stream, after one call for a
dialog event: into its dialog's de-duplication window (``DialogLedger.live_windows``) when the
dialog waits for no backfill, else into the ledger (held during a backfill), instead of through
the ledger's and the router's dispatch. Measured in ``bench agent`` (typed/s)."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from rx_lpagent.agent._conversation_view import ConversationView
from rx_lpagent.agent._ledger import EX_CONVERSATION, ONLINE_EVENT, DialogLedger
from rx_lpagent.agent._router import NotificationRouter
from rx_lpagent.protocol.frames import Notification
from rx_lpagent.protocol.identity import AgentIdentity
from rx_lpagent.protocol.notifications import OnlineEventDistribution

__all__ = ["Intake"]


class Intake:
    __slots__ = ("_conversations", "_identity", "_ledger", "_router")

    def __init__(
        self,
        router: NotificationRouter,
        ledger: DialogLedger | None,
        conversations: ConversationView | None,
        identity: Callable[[], AgentIdentity | None],
    ) -> None:
        self._router = router
        self._ledger = ledger
        self._conversations = conversations
        self._identity = identity

    def dispatch(self, frame: Notification) -> None:
        body: object = frame.body
        if type(body) is not msgspec.Raw:  # decoded in one pass: only typed streams watch it
            emit = self._router.one_pass_emitters.get(frame.type)
            if emit is not None:  # the short way: no router, one call into the ledger at most
                ledger = self._ledger
                if ledger is None or type(body) is not OnlineEventDistribution:
                    emit(body)
                    return
                sequence = body.sequence
                window = ledger.live_windows.get(body.dialog_id)
                if (
                    window.admit(sequence)  # a dialog waiting for no backfill: its window says
                    if window is not None and sequence is not None
                    else ledger.admit_live(frame, body.dialog_id, sequence)
                ):
                    emit(body)
                return
        ledger = self._ledger
        if ledger is None:
            self._router.dispatch(frame)
        elif frame.type == ONLINE_EVENT:
            ledger.on_event(frame)  # de-duplicated, held while its dialog is backfilled
        elif frame.type == EX_CONVERSATION and self._conversations is not None:
            self._on_conversations(ledger, self._conversations, frame)
        else:
            self._router.dispatch(frame)

    def _on_conversations(
        self, ledger: DialogLedger, view: ConversationView, notification: Notification
    ) -> None:
        gone = view.on_notification(notification)
        self._router.dispatch(notification)
        if gone is not None:
            self._router.dispatch(gone)  # conversations that left the subscription in the gap
        identity = self._identity()
        me = () if identity is None else (identity.old_agent_id, identity.user_pid or "")
        ledger.on_conversations(notification, me)
