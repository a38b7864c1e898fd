"""The demo's bot: goes online, accepts every ring, and answers each consumer message."""

from __future__ import annotations

from collections.abc import Callable

from reactivex.disposable import CompositeDisposable, SingleAssignmentDisposable

from rx_lpagent.agent import Agent
from rx_lpagent.protocol.messaging_events import ContentEvent, decode_event
from rx_lpagent.protocol.notifications import OnlineEventDistribution, RoutingTaskNotification
from rx_lpagent.rx import Backoff, retry_with_backoff

__all__ = ["EchoBot"]


class EchoBot:
    """Answers ``echo: <text>`` to consumers; replies are retried as ``reply_policy`` says."""

    def __init__(
        self,
        agent: Agent,
        reply_policy: Backoff,
        *,
        on_answered: Callable[[str, str], None] = lambda text, reply: None,
        on_failed: Callable[[Exception], None] = lambda error: None,
    ) -> None:
        self._agent = agent
        self._policy = reply_policy
        self._on_answered = on_answered
        self._on_failed = on_failed
        self._subscriptions = CompositeDisposable()

    async def start(self) -> None:
        agent = self._agent
        self._subscriptions.add(
            agent.notifications_of(RoutingTaskNotification).subscribe(self._accept_rings)
        )
        self._subscriptions.add(
            agent.notifications_of(OnlineEventDistribution).subscribe(self._answer)
        )
        await agent.set_agent_state({"availability": "ONLINE"})
        await agent.subscribe_routing_tasks()

    def stop(self) -> None:
        self._subscriptions.dispose()

    def _accept_rings(self, notification: RoutingTaskNotification) -> None:
        for change in notification.changes:
            task = change.result
            if task is None:
                continue
            for ring in task.rings_details:
                if ring.ring_state == "WAITING":
                    self._agent.update_ring_state(
                        {"ringId": ring.ring_id, "ringState": "ACCEPTED"}
                    ).subscribe(on_error=self._on_failed)

    def _answer(self, delivered: OnlineEventDistribution) -> None:
        metadata = delivered.originator_metadata
        if metadata is None or metadata.role != "CONSUMER":
            return
        event = decode_event(delivered.event)
        if not isinstance(event, ContentEvent) or not isinstance(event.message, str):
            return
        text = event.message
        reply = f"echo: {text}"
        sending = SingleAssignmentDisposable()

        def answered(_: object) -> None:
            self._subscriptions.remove(sending)
            self._on_answered(text, reply)

        def failed(error: Exception) -> None:
            self._subscriptions.remove(sending)
            self._on_failed(error)

        # kept until done, so that stop() also cancels replies waiting for a retry
        self._subscriptions.add(sending)
        sending.disposable = (
            self._agent.publish_event(
                {
                    "dialogId": delivered.dialog_id,
                    "event": {
                        "type": "ContentEvent",
                        "contentType": "text/plain",
                        "message": reply,
                    },
                }
            )
            .pipe(retry_with_backoff(self._policy))
            .subscribe(on_next=answered, on_error=failed)
        )
