"""A history query's answer, noted for the backfill and replayed to the Node-view stream."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from rx_lpagent.agent._host import MessagingHost
from rx_lpagent.agent._ledger import DialogLedger, event_key
from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol.frames import Response
from rx_lpagent.protocol.identity import AgentIdentity
from rx_lpagent.protocol.transforms import query_messages_to_node_view

__all__ = ["replay_history"]

_history_decoder = msgspec.json.Decoder(list[msgspec.Raw])


def replay_history(
    host: MessagingHost, query: object, response: Response, identity: AgentIdentity
) -> None:
    """The caller's history query was answered: note it for the backfill, and deliver its
    events on the Node-view stream as the Node SDK does."""
    if host._ledger is not None:
        _note_history(host._ledger, query, response)
    view = query_messages_to_node_view(response.body, identity)
    if isinstance(view, MalformedFrameError):
        host._report_transform(view)
    elif view is not None:
        host._router.emit_node_view(view)


def _note_history(ledger: DialogLedger, query: object, response: Response) -> None:
    """The caller's own history query: its dialog is one to backfill after a reconnect,
    even if it has no events yet (they may come while the socket is down)."""
    try:
        events = _history_decoder.decode(response.body)
    except (msgspec.DecodeError, UnicodeError, ValueError, TypeError):
        events = [response.body]  # one bare event counts as a list of one
    sequences: dict[str, list[int]] = {}
    asked, since = _asked_dialog(query)
    if asked:
        sequences[asked] = []
    for raw in events:
        key = event_key(raw)
        if key is not None and key.sequence is not None:
            sequences.setdefault(key.dialog_id, []).append(key.sequence)
    for dialog_id, seen in sequences.items():
        ledger.note_history(dialog_id, seen, since=since if dialog_id == asked else None)


def _asked_dialog(query: object) -> tuple[str, int | None]:
    """The dialog id and ``newerThanSequence`` of a history query body ("" if it has none)."""
    if not isinstance(query, Mapping):
        return "", None
    dialog_id, newer = query.get("dialogId"), query.get("newerThanSequence")
    since = newer if isinstance(newer, int) and not isinstance(newer, bool) else None
    return (dialog_id if isinstance(dialog_id, str) else ""), since
