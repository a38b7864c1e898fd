"""Retries you can see: ``Retrying`` events with exact delays, and the log records of every event
(levels, loggers, the NullHandler), in virtual time."""

from __future__ import annotations

import logging

import pytest

import rx_lpagent
from rx_lpagent.errors import AuthenticationError, ServerError, Service, TransportError
from rx_lpagent.events import Context, ErrorEvent, Retrying
from tests.flows.test_recovery import Harness


def test_every_scheduled_retry_is_an_event_after_the_error_it_answers() -> None:
    h = Harness()
    h.backend.fail("csds", ServerError("down", 503, Service.DOMAIN_NAMES), times=2)
    h.start(h.agent.connect())
    h.scheduler.advance_to(100)
    kinds = [type(e).__name__ for e in h.events if isinstance(e, ErrorEvent | Retrying)]
    assert kinds == ["ErrorEvent", "Retrying", "ErrorEvent", "Retrying"]
    retries = [e for e in h.events if isinstance(e, Retrying)]
    assert [(e.location, e.attempt, e.delay, e.policy) for e in retries] == [
        ("Connect#CSDS", 1, 5.0, "connect"),
        ("Connect#CSDS", 2, 10.0, "connect"),
    ]
    assert retries[0].error == ServerError("down", 503, Service.DOMAIN_NAMES)


def test_a_drop_announces_the_first_reconnect_then_each_retry() -> None:
    h = Harness()
    h.start(h.agent.connect())
    h.backend.fail("csds", ServerError("down", 502, Service.DOMAIN_NAMES))
    h.backend.fail("ws", TransportError("refused"))
    h.backend.links[0].drop(1006)
    h.scheduler.advance_to(100)
    retries = [
        (e.location, e.attempt, e.delay, e.policy, e.error.code)
        for e in h.events
        if isinstance(e, Retrying)
    ]
    assert retries == [
        ("Socket#Close", 0, 1.0, "reconnect", 1006),
        ("Reconnect#CSDS", 1, 1.0, "reconnect", 502),
        ("Reconnect#Relogin#WS", 2, 2.0, "reconnect", None),
    ]
    assert h.backend.times("csds") == [0.0, 1.0, 2.0, 4.0]


def test_refresh_retries_are_announced_at_their_step() -> None:
    h = Harness(refresh_interval=600)
    h.start(h.agent.connect())
    h.backend.fail("refresh", ServerError("down", 503, Service.REFRESH_SESSION))
    h.scheduler.advance_to(700)
    (retry,) = [e for e in h.events if isinstance(e, Retrying)]
    assert (retry.location, retry.attempt, retry.delay, retry.policy) == (
        "RefreshSession#REST",
        1,
        5.0,
        "refresh",
    )


def test_log_levels_and_loggers(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="rx_lpagent")
    h = Harness()
    h.backend.fail("csds", ServerError("down", 503, Service.DOMAIN_NAMES))
    h.start(h.agent.connect())
    h.scheduler.advance_to(10)
    h.backend.fail("login", AuthenticationError("Bad Authentication", 401, Service.LOGIN), times=9)
    h.backend.links[0].drop(4401)
    h.scheduler.advance_to(1000)
    records = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    prefix = "account 123: "
    expected = [
        ("rx_lpagent.flows", "WARNING", "Connect#CSDS failed: 503 domainNames: down"),
        (
            "rx_lpagent.recovery",
            "WARNING",
            "Connect#CSDS: retry 1 in 5 s (connect policy) after 503 domainNames: down",
        ),
        ("rx_lpagent.flows", "DEBUG", "Connect#CSDS ok"),
        ("rx_lpagent.agent", "INFO", "connected"),
        ("rx_lpagent.agent", "DEBUG", "socket closed (code 4401)"),
        ("rx_lpagent.recovery", "WARNING", "Socket#Close: reconnect in 1 s (reconnect policy)"),
        (
            "rx_lpagent.recovery",
            "WARNING",
            "Reconnect#Relogin#WS: retry 1 in 10 s (auth policy) after 401 "
            "authentication.login: Bad Authentication",
        ),
        ("rx_lpagent.recovery", "ERROR", "recovery gave up: 401 authentication.login: gave up"),
    ]
    for name, level, text in expected:
        assert any(
            r[0] == name and r[1] == level and r[2].startswith(prefix + text) for r in records
        ), (name, level, text)
    (give_up,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert give_up.lp_location == "Recovery#GiveUp"  # type: ignore[attr-defined]
    assert give_up.lp_account == "123"  # type: ignore[attr-defined]
    assert give_up.exc_info is None  # no traceback: a chained library error may quote a secret


def test_a_reconnect_logs_reconnected_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="rx_lpagent")
    h = Harness()
    h.start(h.agent.connect())
    h.backend.links[0].drop(1006)
    h.scheduler.advance_to(10)
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert infos == ["account 123: connected", "account 123: reconnected"]
    assert "Socket#Close failed" in caplog.text


def test_the_library_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger(rx_lpagent.__name__).handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)


def test_retrying_is_public_and_reads_like_the_other_events() -> None:
    event = rx_lpagent.Retrying(
        2, 20.0, ServerError("down", 503), Context("Connect#Login"), "connect"
    )
    assert event.location == "Connect#Login"
    assert isinstance(event, rx_lpagent.AgentEvent)
