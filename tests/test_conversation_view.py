"""Conversations that left an ExConversations subscription during a reconnect become DELETEs."""

from __future__ import annotations

from typing import Any

import msgspec

from rx_lpagent.agent._conversation_view import ConversationView
from rx_lpagent.protocol.frames import Notification

EX = ".ams.aam.ExConversationChangeNotification"


def change(conv_id: str, state: str = "OPEN", type_: str = "UPSERT") -> dict[str, Any]:
    return {"type": type_, "result": {"convId": conv_id, "conversationDetails": {"state": state}}}


def notification(subscription_id: str, *changes: dict[str, Any]) -> Notification:
    body = {"subscriptionId": subscription_id, "changes": list(changes)}
    return Notification(EX, msgspec.Raw(msgspec.json.encode(body)))


def deleted(result: Notification | None) -> list[str]:
    assert result is not None
    assert result.type == EX
    body = msgspec.json.decode(result.body)
    assert all(c["type"] == "DELETE" for c in body["changes"])
    return [c["result"]["convId"] for c in body["changes"]]


def test_a_snapshot_without_a_shown_conversation_deletes_it() -> None:
    view = ConversationView(EX)
    assert view.on_notification(notification("s1", change("a"), change("b"), change("c"))) is None
    view.on_notification(notification("s1", change("c", type_="DELETE")))
    assert view.shown("s1") == {"a", "b"}
    view.moved("s1", "s2")
    gone = view.on_notification(notification("s2", change("b"), change("d")))
    assert deleted(gone) == ["a"]
    assert msgspec.json.decode(gone.body)["subscriptionId"] == "s2"  # type: ignore[union-attr]
    assert view.shown("s2") == {"b", "d"}
    assert view.on_notification(notification("s2", change("e"))) is None  # no snapshot now


def test_closed_conversations_are_not_kept() -> None:
    view = ConversationView(EX)
    view.on_notification(notification("s1", change("a"), change("b", state="CLOSE")))
    assert view.shown("s1") == {"a"}
    view.moved("s1", "s2")
    assert view.on_notification(notification("s2", change("a"))) is None


def test_two_reconnects_before_the_snapshot_still_owe_the_deletes() -> None:
    view = ConversationView(EX)
    view.on_notification(notification("s1", change("a")))
    view.moved("s1", "s2")
    view.moved("s2", "s3")
    assert deleted(view.on_notification(notification("s3"))) == ["a"]


def test_other_subscriptions_and_cancelled_ones_owe_nothing() -> None:
    view = ConversationView(EX, limit=1)
    view.moved("routing-1", "routing-2")  # no conversations shown: nothing awaited
    view.on_notification(notification("s1", change("a"), change("b")))
    assert view.shown("s1") == {"a"}  # at most ``limit`` per subscription
    view.forget("s1")
    view.moved("s1", "s2")
    assert view.on_notification(notification("s2")) is None
    assert view.on_notification(Notification(EX, msgspec.Raw(b"[1]"))) is None
