"""rx_lpagent.metrics with a real CollectorRegistry, and the /metrics example."""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Iterator

import aiohttp
import pytest
import reactivex
from prometheus_client import CollectorRegistry

from rx_lpagent.agent import Agent
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.emulator import Emulator
from rx_lpagent.errors import ServerError, Service
from rx_lpagent.events import Connected, Context, ErrorEvent, Location, SuccessEvent
from rx_lpagent.examples.metrics_server import serve
from rx_lpagent.metrics import LocationMetrics
from rx_lpagent.recovery import Recovery

FAST_RECOVERY = Recovery().scaled(0.001)


def _ticks(*values: float) -> Iterator[float]:
    yield from values


def test_events_are_counted_per_location_code_and_service() -> None:
    registry = CollectorRegistry()
    metrics = LocationMetrics(registry)
    events = reactivex.of(
        ErrorEvent(ServerError("busy", 503, Service.DOMAIN_NAMES), Context(Location.CONNECT_CSDS)),
        SuccessEvent(Context(Location.CONNECT_CSDS)),
        SuccessEvent(Context(Location.CONNECT_CSDS)),
        Connected(),
    )
    metrics.watch(events)
    metrics.count_failure("Custom#Step")
    value = registry.get_sample_value
    assert value("rx_lpagent_flow_success_total", {"location": "Connect#CSDS"}) == 2
    failure = {"location": "Connect#CSDS", "code": "503", "service": "domainNames"}
    assert value("rx_lpagent_flow_failure_total", failure) == 1
    bare = {"location": "Custom#Step", "code": "none", "service": "none"}
    assert value("rx_lpagent_flow_failure_total", bare) == 1


def test_timed_observes_each_subscription_once_with_its_outcome() -> None:
    registry = CollectorRegistry()
    ticks = _ticks(10.0, 10.25, 20.0, 20.5, 30.0)
    metrics = LocationMetrics(registry, clock=lambda: next(ticks))
    got: list[int] = []
    reactivex.of(1, 2).pipe(metrics.timed(".GetClock")).subscribe(got.append)
    reactivex.throw(ServerError("busy", 503)).pipe(metrics.timed(".GetClock")).subscribe(
        on_error=lambda _: None
    )
    assert got == [1, 2]
    value = registry.get_sample_value
    ok = {"type": ".GetClock", "outcome": "ok"}
    error = {"type": ".GetClock", "outcome": "error"}
    assert value("rx_lpagent_request_duration_seconds_count", ok) == 1
    assert value("rx_lpagent_request_duration_seconds_sum", ok) == 0.25
    assert value("rx_lpagent_request_duration_seconds_sum", error) == 0.5
    assert value("rx_lpagent_request_duration_seconds_bucket", {**ok, "le": "0.25"}) == 1


@pytest.mark.asyncio
async def test_an_agent_on_the_emulator_is_measured() -> None:
    registry = CollectorRegistry()
    metrics = LocationMetrics(registry)
    async with Emulator() as lp:
        lp.faults.fail("csds", 503)
        config = AgentConfig(
            lp.account,
            PasswordCredentials(lp.username, lp.password),
            csds_domain=lp.csds_domain,
            refresh_interval=None,
            keepalive_interval=None,
        )
        async with Agent(config, recovery=FAST_RECOVERY) as agent:
            metrics.watch(agent.events)
            await agent.connect()
            await agent.get_clock().pipe(metrics.timed(".GetClock"))
    value = registry.get_sample_value
    failure = {"location": "Connect#CSDS", "code": "503", "service": "domainNames"}
    assert value("rx_lpagent_flow_failure_total", failure) == 1
    assert value("rx_lpagent_flow_success_total", {"location": "Connect#WS"}) == 1
    ok = {"type": ".GetClock", "outcome": "ok"}
    assert value("rx_lpagent_request_duration_seconds_count", ok) == 1


@pytest.mark.asyncio
async def test_the_example_serves_metrics() -> None:
    urls: asyncio.Queue[str] = asyncio.Queue()
    async with Emulator() as lp:
        config = AgentConfig(
            lp.account, PasswordCredentials(lp.username, lp.password), csds_domain=lp.csds_domain
        )
        serving = asyncio.create_task(serve(config, port=0, duration=0.3, ready=urls.put))
        url = await urls.get()
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            text = await response.text()
        assert 'rx_lpagent_flow_success_total{location="Connect#WS"} 1.0' in text
        await serving
        # a second scrape is not possible any more: the example stopped and cleaned up
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectionError):
                await session.get(url)


def test_without_prometheus_client_the_import_says_which_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    monkeypatch.delitem(sys.modules, "rx_lpagent.metrics")
    with pytest.raises(ImportError, match=r"rx-lpagent\[metrics\]"):
        importlib.import_module("rx_lpagent.metrics")
