"""What the agent re-creates after a reconnect: its subscriptions and its agent state.

A subscription keeps the id the caller first got; after a reconnect it is re-created and the
new server-side id is remembered behind the original, so ``unsubscribe_ex_conversations`` with
the caller's id still works and the caller's notification streams just go on. An unsubscribe made
while its subscription is being re-created waits for that to be answered (the server knows it
only by the new id, which that answer brings).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from rx_lpagent.agent._timers import Cancel
from rx_lpagent.protocol import wire_types as wt
from rx_lpagent.protocol.request_specs import RequestSpec

__all__ = [
    "RESUBSCRIBED_TYPES",
    "Resubscriptions",
    "Subscription",
    "after_recreated",
    "subscription_id",
    "unsubscribe_body",
]

RESUBSCRIBED_TYPES = frozenset(
    {
        wt.SUBSCRIBE_EX_CONVERSATIONS,
        wt.SUBSCRIBE_ROUTING_TASKS,
        wt.SUBSCRIBE_AGENTS_STATE,
        wt.SET_AGENT_STATE,
    }
)
"""Wire types of the requests re-created after a reconnect."""


@dataclass
class Subscription:
    spec: RequestSpec[Any, Any]
    body: object
    headers: object = None
    metadata: object = None
    current_id: str | None = None
    waiting: list[Callable[[], None]] | None = None
    """While the subscription is being re-created: what runs once that is answered."""

    def recreating(self) -> None:
        self.waiting = []

    def recreated(self) -> None:
        """Answered (or failed): run what waited for it."""
        waiting, self.waiting = self.waiting or [], None
        for resume in waiting:
            resume()


@dataclass
class Resubscriptions:
    by_original_id: dict[str, Subscription] = field(default_factory=dict)
    agent_state: Subscription | None = None

    def remember(self, subscription: Subscription, reply: object) -> None:
        """Note a request that succeeded, if it is one to re-create after a reconnect."""
        if subscription.spec.wire_type == wt.SET_AGENT_STATE:
            self.agent_state = subscription
            return
        subscription_id = getattr(reply, "subscription_id", None)
        if isinstance(subscription_id, str) and subscription_id:
            subscription.current_id = subscription_id
            self.by_original_id[subscription_id] = subscription

    def current_id(self, original_id: str) -> str:
        """The id the server knows a subscription by now (the caller's, if not re-created)."""
        subscription = self.by_original_id.get(original_id)
        if subscription is None or subscription.current_id is None:
            return original_id
        return subscription.current_id

    def being_recreated(self, original_id: str) -> Subscription | None:
        """The subscription, if it is being re-created right now."""
        subscription = self.by_original_id.get(original_id)
        if subscription is None or subscription.waiting is None:
            return None
        return subscription

    def forget(self, original_id: str) -> None:
        """Stop re-creating a subscription (it was unsubscribed)."""
        self.by_original_id.pop(original_id, None)

    def to_replay(self) -> list[tuple[str | None, Subscription]]:
        """(original id, subscription) of everything to re-create, agent state first."""
        replay: list[tuple[str | None, Subscription]] = []
        if self.agent_state is not None:
            replay.append((None, self.agent_state))
        replay.extend(self.by_original_id.items())
        return replay

    def moved(self, original_id: str, reply: object) -> None:
        subscription = self.by_original_id.get(original_id)
        subscription_id = getattr(reply, "subscription_id", None)
        if subscription is not None and isinstance(subscription_id, str) and subscription_id:
            subscription.current_id = subscription_id


# -- an unsubscribe of a subscription that a reconnect re-creates ---------------------------


def _nothing() -> None:
    pass


def unsubscribe_body(resubscriptions: Resubscriptions, body: object) -> tuple[object, str | None]:
    """The body with the id the server knows the subscription by now, and the caller's id."""
    if isinstance(body, msgspec.Struct):
        body = msgspec.to_builtins(body)
    original = subscription_id(body)
    if original is None or not isinstance(body, Mapping):
        return body, None
    return {**body, "subscriptionId": resubscriptions.current_id(original)}, original


def subscription_id(body: object) -> str | None:
    """The ``subscriptionId`` an unsubscribe names (a wire dict or a body struct)."""
    if isinstance(body, msgspec.Struct):
        body = msgspec.to_builtins(body)
    original = body.get("subscriptionId") if isinstance(body, Mapping) else None
    return original if isinstance(original, str) else None


def after_recreated(subscription: Subscription, resume: Callable[[], Cancel]) -> Cancel:
    """Run ``resume`` once ``subscription`` is re-created; the result cancels either."""
    cancel_resumed: Cancel = _nothing

    def run() -> None:
        nonlocal cancel_resumed
        cancel_resumed = resume()

    assert subscription.waiting is not None
    subscription.waiting.append(run)

    def cancel() -> None:
        if subscription.waiting is not None and run in subscription.waiting:
            subscription.waiting.remove(run)
        cancel_resumed()

    return cancel
