"""Echo bot: takes conversations from routing, echoes each consumer message, closes on #close.

    python -m rx_lpagent.examples.echo_bot [--emulator]

Three pipelines: rings offered -> accept them -> read each conversation's history; history and
live messages -> consumer text, each once -> echo it, or close the conversation on ``#close``.
The agent re-creates its state (ONLINE) and subscriptions after a reconnect; failed requests
are reported on ``agent.events`` and skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import reactivex
from reactivex import abc
from reactivex import operators as ops

from rx_lpagent import Agent, AgentConfig, CloseReason
from rx_lpagent.emulator import Emulator
from rx_lpagent.examples.runner import main as command_line
from rx_lpagent.protocol import (
    ContentEvent,
    ConversationStateField,
    OnlineEventDistribution,
    PublishEvent,
    QueryMessages,
    RoutingTaskNotification,
    UpdateConversationField,
    UpdateRingState,
)

CLOSE_COMMAND = "#close"


def waiting_rings(notification: RoutingTaskNotification) -> Iterable[tuple[str, str]]:
    """(conversation id, ring id) of each ring that waits for an answer."""
    for change in notification.changes:
        task = change.result
        if task is not None:
            for ring in task.rings_details:
                if ring.ring_state == "WAITING":
                    yield task.conversation_id, ring.ring_id


def accepted_conversations(agent: Agent) -> reactivex.Observable[str]:
    """Accept every ring offered; emit the id of each conversation taken."""

    def accept(offer: tuple[str, str]) -> reactivex.Observable[str]:
        conversation_id, ring_id = offer
        return agent.update_ring_state(
            UpdateRingState(ring_id=ring_id, ring_state="ACCEPTED")
        ).pipe(ops.map(lambda _: conversation_id), ops.catch(reactivex.empty()))

    return agent.notifications_of(RoutingTaskNotification).pipe(
        ops.flat_map(waiting_rings), ops.flat_map(accept)
    )


def history(agent: Agent, conversation_id: str) -> reactivex.Observable[OnlineEventDistribution]:
    """What was said before the bot joined (the MAIN dialog has the conversation's id)."""
    return agent.subscribe_messaging_events(
        QueryMessages(dialog_id=conversation_id, from_seq=0)
    ).pipe(ops.flat_map(lambda events: events), ops.catch(reactivex.empty()))


def is_consumer_text(event: OnlineEventDistribution) -> bool:
    role = event.originator_metadata.role if event.originator_metadata else None
    return role == "CONSUMER" and event.text is not None


def message_key(event: OnlineEventDistribution) -> tuple[str, int | None]:
    return event.dialog_id, event.sequence


def respond(agent: Agent, event: OnlineEventDistribution) -> reactivex.Observable[str]:
    text = event.text or ""
    if text.strip() == CLOSE_COMMAND:
        close = UpdateConversationField(
            conversation_id=event.dialog_id,
            conversation_field=[ConversationStateField(conversation_state="CLOSE")],
        )
        reply = agent.update_conversation_field(close).pipe(
            ops.map(lambda _: f"closed {event.dialog_id}")
        )
    else:
        echo = PublishEvent(dialog_id=event.dialog_id, event=ContentEvent(message=text))
        reply = agent.publish_event(echo).pipe(ops.map(lambda _: f"echoed {text!r}"))
    return reply.pipe(ops.catch(reactivex.empty()))


async def start(agent: Agent) -> abc.DisposableBase:
    """Connect, go ONLINE, take conversations and echo until disposed."""

    def read_history(conversation_id: str) -> reactivex.Observable[OnlineEventDistribution]:
        return history(agent, conversation_id)

    def reply_to(event: OnlineEventDistribution) -> reactivex.Observable[str]:
        return respond(agent, event)

    earlier = accepted_conversations(agent).pipe(ops.flat_map(read_history))
    live = agent.notifications_of(OnlineEventDistribution)
    replies = reactivex.merge(earlier, live).pipe(
        ops.filter(is_consumer_text),
        ops.distinct(message_key),  # a message may come in the history and live
        ops.concat_map(reply_to),  # one at a time: the echo goes out before the close
    )
    running = replies.subscribe(print)
    await agent.connect()
    await agent.set_agent_state({"availability": "ONLINE"})
    await agent.subscribe_routing_tasks()
    return running


async def consumer_script(emulator: Emulator) -> None:
    """A consumer says something before the bot takes the conversation, then more, then #close."""
    consumer = emulator.consumer()
    conversation = emulator.conversation(await consumer.open_conversation())
    await consumer.send_text(conversation.conv_id, "anyone there?")
    await emulator.wait_for_messages(conversation.conv_id, 2)  # it and its echo
    await consumer.send_text(conversation.conv_id, "hello bot")
    await emulator.wait_for_messages(conversation.conv_id, 4)
    await consumer.send_text(conversation.conv_id, CLOSE_COMMAND)
    await emulator.wait_until(lambda: not conversation.is_open)
    for message in conversation.messages:
        print(f"{message['originatorMetadata']['role']}: {message['event']['message']}")
    print(f"conversation {conversation.state}")


async def run(config: AgentConfig) -> CloseReason:
    """The bot's main: runs until the agent is disposed (Ctrl-C) or recovery gives up."""
    async with Agent(config) as agent:
        agent.events.subscribe(lambda event: print(f"[{event.location}] {event}"))
        running = await start(agent)
        try:
            return await agent.wait_closed()
        finally:
            running.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    return command_line(
        "rx_lpagent.examples.echo_bot", __doc__ or "", start, run, consumer_script, argv=argv
    )


if __name__ == "__main__":
    raise SystemExit(main())
