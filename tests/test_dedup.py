"""Per-dialog de-duplication: the sequence window, and the ledger that holds and orders events."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rx_lpagent.agent._dedup import DedupWindow
from rx_lpagent.agent._ledger import DialogLedger
from rx_lpagent.protocol.frames import Notification
from rx_lpagent.protocol.notifications import OnlineEventDistribution

ONLINE_EVENT = ".ams.ms.OnlineEventDistribution"
EX_CONVERSATION = ".ams.aam.ExConversationChangeNotification"


def test_new_sequences_are_admitted_once() -> None:
    window = DedupWindow(8)
    assert [window.admit(s) for s in (3, 4, 4, 3, 10, 9, 9, 2)] == [
        True,
        True,
        False,
        False,
        True,
        True,
        False,
        False,  # 2 is more than 8 below 10: taken as delivered
    ]
    assert window.high_water == 10


def test_a_late_sequence_inside_the_window_is_admitted_once() -> None:
    window = DedupWindow(4)
    assert window.admit(0)
    assert window.admit(2)  # 1 not seen yet
    assert not window.seen(1)
    assert window.admit(1)
    assert window.seen(1)
    assert not window.admit(1)


def test_a_jump_wider_than_the_window_forgets_what_was_below() -> None:
    window = DedupWindow(4)
    assert window.admit(1)
    assert window.admit(100)
    assert window.seen(1)  # far below the mark: counts as delivered
    assert not window.seen(99)
    assert window.admit(99)


def test_the_window_has_a_size() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        DedupWindow(0)
    window = DedupWindow(1)
    assert window.admit(5)
    assert not window.admit(4)
    assert repr(window) == "DedupWindow(high_water=5, size=1)"


@given(st.lists(st.integers(min_value=0, max_value=200), max_size=300), st.integers(1, 80))
def test_nothing_is_admitted_twice_and_nothing_new_inside_the_window_is_refused(
    sequences: list[int], size: int
) -> None:
    window = DedupWindow(size)
    admitted: set[int] = set()
    for sequence in sequences:
        high = window.high_water
        new = sequence not in admitted and (high is None or sequence > high - size)
        assert window.admit(sequence) == new
        if new:
            admitted.add(sequence)


def event(dialog_id: str, sequence: int | None, text: str = "") -> Notification:
    body: dict[str, object] = {"dialogId": dialog_id, "event": {"message": text}}
    if sequence is not None:
        body["sequence"] = sequence
    return Notification(ONLINE_EVENT, msgspec.Raw(msgspec.json.encode(body)))


def closed(conv_id: str) -> Notification:
    body = {
        "subscriptionId": "s",
        "changes": [
            {
                "type": "UPSERT",
                "result": {
                    "convId": conv_id,
                    "conversationDetails": {
                        "state": "CLOSE",
                        "dialogs": [{"dialogId": conv_id, "state": "CLOSE"}],
                    },
                },
            }
        ],
    }
    return Notification(EX_CONVERSATION, msgspec.Raw(msgspec.json.encode(body)))


def keys(delivered: list[Notification]) -> list[tuple[str, int | None]]:
    out = []
    for notification in delivered:
        body = msgspec.json.decode(notification.body)
        out.append((body["dialogId"], body.get("sequence")))
    return out


def test_live_events_are_delivered_once_per_dialog() -> None:
    delivered: list[Notification] = []
    ledger = DialogLedger(delivered.append)
    for n in (event("a", 0), event("b", 0), event("a", 0), event("a", 1), event("a", None)):
        ledger.on_event(n)
    assert keys(delivered) == [("a", 0), ("b", 0), ("a", 1), ("a", None)]


def test_a_backfill_holds_live_events_and_delivers_everything_in_order_once() -> None:
    delivered: list[Notification] = []
    ledger = DialogLedger(delivered.append)
    ledger.on_event(event("a", 0))
    assert ledger.begin_backfill() == [("a", 0)]
    ledger.on_event(event("a", 4))  # live, while the backfill runs
    ledger.on_event(event("a", 3))
    assert ledger.held("a") == 2
    assert ledger.backfilled("a", [(s, event("a", s)) for s in (3, 2, 1, 0)]) == 3
    assert ledger.end_backfill("a") == 1  # 4; 3 came with the backfill already
    assert keys(delivered) == [("a", s) for s in range(5)]
    assert ledger.high_water("a") == 4


def test_a_closed_conversation_drops_its_state_after_its_backfill() -> None:
    delivered: list[Notification] = []
    ledger = DialogLedger(delivered.append)
    ledger.on_event(event("a", 0))
    ledger.on_event(event("b", 0))
    ledger.on_conversations(closed("b"))
    assert "b" not in ledger
    ledger.begin_backfill()
    ledger.on_conversations(closed("a"))
    assert "a" in ledger  # still backfilling: what the gap held is delivered first
    ledger.backfilled("a", [(1, event("a", 1))])
    ledger.end_backfill("a")
    assert "a" not in ledger
    assert keys(delivered) == [("a", 0), ("b", 0), ("a", 1)]


def test_the_number_of_dialogs_is_bounded() -> None:
    ledger = DialogLedger(lambda _: None, max_dialogs=3)
    for dialog in "abcde":
        ledger.on_event(event(dialog, 0))
    assert len(ledger) == 3
    assert "a" not in ledger
    assert "e" in ledger


def test_history_the_caller_fetched_counts_as_delivered() -> None:
    delivered: list[Notification] = []
    ledger = DialogLedger(delivered.append)
    ledger.note_history("a", [2, 0, 1])
    ledger.on_event(event("a", 2))
    ledger.on_event(event("a", 3))
    assert keys(delivered) == [("a", 3)]


def test_an_empty_history_tracks_its_dialog_from_where_the_caller_asked() -> None:
    ledger = DialogLedger(lambda _: None)
    ledger.note_history("a", [], since=0)
    ledger.note_history("b", [], since=7)
    ledger.note_history("c", [3], since=3)
    assert sorted(ledger.begin_backfill()) == [("a", 0), ("b", 7), ("c", 3)]


def test_history_asked_again_keeps_what_was_delivered() -> None:
    ledger = DialogLedger(lambda _: None)
    ledger.on_event(event("a", 5))
    ledger.note_history("a", [], since=0)
    assert ledger.begin_backfill() == [("a", 5)]


def joined(conv_id: str, me: str, last_sequence: int | None) -> Notification:
    result: dict[str, object] = {
        "convId": conv_id,
        "conversationDetails": {
            "state": "OPEN",
            "participants": {"CONSUMER": ["c"], "ASSIGNED_AGENT": [me]},
            "dialogs": [{"dialogId": conv_id, "state": "OPEN"}],
        },
    }
    if last_sequence is not None:
        result["lastContentEventNotification"] = {"dialogId": conv_id, "sequence": last_sequence}
    body = {"subscriptionId": "s", "changes": [{"type": "UPSERT", "result": result}]}
    return Notification(EX_CONVERSATION, msgspec.Raw(msgspec.json.encode(body)))


def test_a_conversation_the_agent_takes_part_in_is_tracked_from_its_last_message() -> None:
    delivered: list[Notification] = []
    ledger = DialogLedger(delivered.append)
    ledger.on_conversations(joined("a", "acc.me", 4), me=("acc.me",))
    ledger.on_conversations(joined("b", "acc.me", None), me=("acc.me",))
    ledger.on_conversations(joined("c", "acc.other", 1), me=("acc.me",))
    assert sorted(ledger.begin_backfill()) == [("a", 4), ("b", None)]
    ledger.end_backfill("a")
    ledger.on_event(event("a", 4))  # the floor is no delivery: that event may still come live
    assert keys(delivered) == [("a", 4)]


def test_events_decoded_in_one_pass_are_deduplicated_and_held_alike() -> None:
    delivered: list[Notification] = []
    ledger = DialogLedger(delivered.append)

    def decoded(dialog: str, sequence: int | None) -> Notification:
        body = OnlineEventDistribution(dialog_id=dialog, sequence=sequence)
        return Notification(ONLINE_EVENT, body)  # type: ignore[arg-type]  # as the router makes

    for n in (decoded("a", 0), decoded("a", 0), event("a", 0), decoded("a", 1)):
        ledger.on_event(n)
    assert [(n.body.dialog_id, n.body.sequence) for n in delivered] == [("a", 0), ("a", 1)]  # type: ignore[attr-defined]
    assert ledger.begin_backfill() == [("a", 1)]
    ledger.on_event(decoded("a", 2))
    assert ledger.held("a") == 1
    assert ledger.end_backfill("a") == 1
    assert len(delivered) == 3


def test_live_windows_are_those_of_the_dialogs_waiting_for_no_backfill() -> None:
    """The intake's short way admits through ``live_windows``: a dialog held for a backfill, or
    forgotten, or dropped for room, must not be there."""
    ledger = DialogLedger(lambda _: None, max_dialogs=3)
    for dialog in "abc":
        ledger.on_event(event(dialog, 0))
    assert sorted(ledger.live_windows) == ["a", "b", "c"]
    assert ledger.live_windows["a"].high_water == 0
    ledger.on_event(event("d", 0))  # "a" dropped for room
    assert sorted(ledger.live_windows) == ["b", "c", "d"]
    ledger.on_conversations(closed("b"))
    assert sorted(ledger.live_windows) == ["c", "d"]
    ledger.begin_backfill()
    assert ledger.live_windows == {}
    ledger.backfilled("e", [(0, event("e", 0))])  # tracked during the backfill: not held
    assert sorted(ledger.live_windows) == ["e"]
    ledger.on_conversations(closed("d"))  # forgotten once its backfill ends
    ledger.end_backfill("c")
    ledger.end_backfill("d")
    assert sorted(ledger.live_windows) == ["c", "e"]
    assert all(ledger.live_windows[d] is ledger._dialogs[d].window for d in "ce")
