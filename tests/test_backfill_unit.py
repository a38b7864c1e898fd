"""The backfill of one reconnect in virtual time: pages, retries at exact times, give-up, stop."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
import reactivex
from reactivex.testing import TestScheduler

from rx_lpagent.agent._backfill import Backfill
from rx_lpagent.agent._ledger import DialogLedger
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.errors import BackfillError, ConfigurationError, MalformedFrameError, ServerError
from rx_lpagent.events import AgentEvent, Backfilled, ErrorEvent, Retrying
from rx_lpagent.protocol.frames import Notification, Response
from rx_lpagent.recovery import Recovery
from rx_lpagent.rx import Backoff

ONLINE_EVENT = ".ams.ms.OnlineEventDistribution"
RECOVERY = Recovery(backfill=Backoff(initial=1.0, ratio=2.0, max_attempts=2))


def raw_event(sequence: int, dialog_id: str = "d") -> dict[str, Any]:
    return {"dialogId": dialog_id, "sequence": sequence, "event": {"message": f"m{sequence}"}}


def live(sequence: int) -> Notification:
    return Notification(ONLINE_EVENT, msgspec.Raw(msgspec.json.encode(raw_event(sequence))))


def page(*sequences: int) -> reactivex.Observable[Response]:
    body = msgspec.json.encode([raw_event(s) for s in sequences])
    return reactivex.of(Response("1", 200, ".ams.ms.QueryMessages$Response", msgspec.Raw(body)))


class Service:
    """The history query, answered from a script; records when and what was asked."""

    def __init__(
        self,
        scheduler: TestScheduler,
        answer: Callable[[dict[str, Any]], reactivex.Observable[Response]],
    ) -> None:
        self.asked: list[tuple[float, dict[str, Any]]] = []
        self._scheduler = scheduler
        self._answer = answer

    def query(self, body: dict[str, Any]) -> reactivex.Observable[Response]:
        def ask(_: Any) -> reactivex.Observable[Response]:
            self.asked.append((self._scheduler.to_seconds(self._scheduler.now), body))
            return self._answer(body)

        return reactivex.defer(ask)


class Run:
    def __init__(
        self,
        answer: Callable[[dict[str, Any]], reactivex.Observable[Response]],
        *,
        limit: int = 1000,
        page_size: int = 100,
    ) -> None:
        self.scheduler = TestScheduler()
        self.service = Service(self.scheduler, answer)
        self.delivered: list[int] = []
        self.events: list[tuple[float, AgentEvent]] = []
        self.ledger = DialogLedger(self._deliver)
        self.backfill = Backfill(
            self.ledger,
            self.service.query,
            lambda e: self.events.append((self.scheduler.to_seconds(self.scheduler.now), e)),
            limit=limit,
            page_size=page_size,
        )
        self.ledger.on_event(live(0))

    def _deliver(self, notification: Notification) -> None:
        self.delivered.append(msgspec.json.decode(notification.body)["sequence"])

    def start(self, recovery: Recovery | None = RECOVERY) -> None:
        self.backfill.prepare()(self.scheduler, recovery)

    def asked_at(self) -> list[float]:
        return [time for time, _ in self.service.asked]


def retried(events: list[tuple[float, AgentEvent]]) -> list[tuple[float, Retrying]]:
    """The events, each checked to be a :class:`Retrying`."""
    checked = [(time, event) for time, event in events if isinstance(event, Retrying)]
    assert len(checked) == len(events)
    return checked


def failing(times: int, then: reactivex.Observable[Response]) -> Callable[..., Any]:
    calls = 0

    def answer(_: dict[str, Any]) -> reactivex.Observable[Response]:
        nonlocal calls
        calls += 1
        return reactivex.throw(ServerError("busy", 503)) if calls <= times else then

    return answer


def test_a_failed_query_is_retried_at_the_policys_times_and_live_events_wait() -> None:
    run = Run(failing(2, page(0, 1, 2)))
    run.start()
    run.ledger.on_event(live(3))  # live while the backfill runs: held
    assert run.delivered == [0]
    run.scheduler.start()
    assert run.asked_at() == [0.0, 1.0, 3.0]
    assert run.delivered == [0, 1, 2, 3]
    *retries, (time, event) = run.events
    assert [(t, r.attempt, r.delay, r.location, r.policy) for t, r in retried(retries)] == [
        (0.0, 1, 1.0, "Subscription#Backfill", "backfill"),
        (1.0, 2, 2.0, "Subscription#Backfill", "backfill"),
    ]
    assert time == 3.0
    assert event == Backfilled(dialog_id="d", fetched=3, delivered=2, held=1, pages=1)


def test_retries_run_out_and_the_gap_is_reported_then_held_events_flow() -> None:
    run = Run(failing(99, page()))
    run.start()
    run.ledger.on_event(live(5))
    run.scheduler.start()
    assert run.asked_at() == [0.0, 1.0, 3.0]
    *retries, (time, event) = run.events
    assert [r.attempt for _, r in retried(retries)] == [1, 2]
    assert time == 3.0
    assert isinstance(event, ErrorEvent)
    assert event.location == "Subscription#Backfill"
    assert isinstance(event.error, BackfillError)
    assert (event.error.dialog_id, event.error.after_sequence) == ("d", 0)
    assert "gave up after 2 retries" in event.error.message
    assert run.delivered == [0, 5]


def test_without_recovery_one_failure_reports_the_gap() -> None:
    run = Run(failing(1, page(0)))
    run.start(recovery=None)
    run.scheduler.start()
    assert run.asked_at() == [0.0]
    assert isinstance(run.events[0][1], ErrorEvent)


def test_a_reply_that_is_no_list_of_events_is_not_retried() -> None:
    body = msgspec.Raw(b'"nope"')
    run = Run(lambda _: reactivex.of(Response("1", 200, "", body)))
    run.start()
    run.scheduler.start()
    assert run.asked_at() == [0.0]
    ((_, event),) = run.events
    assert isinstance(event, ErrorEvent)
    assert isinstance(event.error.error, MalformedFrameError)


def test_stop_ends_the_round_quietly_and_its_dialogs_stay_held() -> None:
    run = Run(failing(99, page()))
    run.start()
    run.scheduler.advance_to(0.5)
    run.backfill.stop()
    run.ledger.on_event(live(1))
    run.scheduler.start()
    assert run.asked_at() == [0.0]
    # the retry announced before the stop is all: no outcome, no further retry
    assert [(t, r.attempt) for t, r in retried(run.events)] == [(0.0, 1)]
    assert run.ledger.held("d") == 1
    assert run.delivered == [0]


def test_pages_follow_the_last_sequence_until_a_short_one() -> None:
    pages = {0: page(0, 1, 2), 2: page(2, 3, 4), 4: page(4, 5)}
    run = Run(lambda body: pages[body["newerThanSequence"]], page_size=3)
    run.start()
    run.scheduler.start()
    assert [body for _, body in run.service.asked] == [
        {"dialogId": "d", "newerThanSequence": n, "maxQuantity": 3} for n in (0, 2, 4)
    ]
    assert run.delivered == [0, 1, 2, 3, 4, 5]
    assert run.events[0][1] == Backfilled(dialog_id="d", fetched=8, delivered=5, pages=3)


def test_the_limit_stops_paging_and_reports_the_gap() -> None:
    pages = {0: page(0, 1, 2), 2: page(2, 3)}
    run = Run(lambda body: pages[body["newerThanSequence"]], page_size=3, limit=5)
    run.start()
    run.scheduler.start()
    assert [body["maxQuantity"] for _, body in run.service.asked] == [3, 2]
    assert run.delivered == [0, 1, 2, 3]
    ((_, event),) = run.events
    assert isinstance(event, ErrorEvent)
    assert isinstance(event.error, BackfillError)
    assert event.error.after_sequence == 3
    assert "limit of 5 events" in event.error.message


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"backfill": "yes"}, "backfill must be True or False"),
        ({"backfill_limit": 0}, "backfill_limit must be a positive number of events"),
        ({"backfill_limit": True}, "backfill_limit must be a positive number of events"),
        ({"backfill_limit": 1.5}, "backfill_limit must be a positive number of events"),
    ],
)
def test_the_backfill_settings_are_validated(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        AgentConfig("123", PasswordCredentials("bot", "secret"), **settings)


def test_backfill_is_on_by_default_and_its_retries_scale() -> None:
    config = AgentConfig("123", PasswordCredentials("bot", "secret"))
    assert (config.backfill, config.backfill_limit) == (True, 1000)
    assert Recovery().scaled(0.5).backfill.initial == 0.5


def test_a_backfill_error_pickles_with_its_dialog() -> None:
    error = BackfillError("backfill of dialog d failed", "d", 7)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy, copy.dialog_id, copy.after_sequence) == (error, "d", 7)
    assert (copy.service, copy.retryable) == ("messaging", False)
