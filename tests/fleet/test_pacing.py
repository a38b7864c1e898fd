"""Login and socket pacing, the CSDS cache and the fleet's jitter, in virtual time."""

from __future__ import annotations

import random
from typing import Any

import pytest
from reactivex.testing import TestScheduler

from rx_lpagent.agent import AgentState
from rx_lpagent.config import AgentConfig, PasswordCredentials, TokenCredentials
from rx_lpagent.errors import SDKError, ServerError, Service
from rx_lpagent.fleet import Fleet, FleetLimits, FleetServices, Rate, RateLimit, agent_key
from rx_lpagent.fleet._pacing import slot
from rx_lpagent.recovery import Recovery
from tests.fleet.conftest import fast_limits
from tests.flows.scripted import Answer, ScriptedBackend


def config(user: str, account: str = "123") -> AgentConfig:
    return AgentConfig(
        account,
        PasswordCredentials(user, "secret"),
        refresh_interval=None,
        keepalive_interval=None,
    )


def test_a_rate_limit_lets_a_burst_through_then_spaces_starts_evenly() -> None:
    limit = RateLimit(Rate(2.0, burst=3))
    assert [limit.reserve(0.0) for _ in range(5)] == [0.0, 0.0, 0.0, 0.5, 1.0]
    assert limit.reserve(1.2) == 1.5  # still booked up
    assert limit.reserve(10.0) == 10.0  # the bucket refilled meanwhile
    assert [limit.reserve(10.0) for _ in range(3)] == [10.0, 10.0, 10.5]


def test_a_rate_needs_a_positive_rate_and_burst() -> None:
    with pytest.raises(ValueError, match="per_second > 0"):
        Rate(0.0)
    with pytest.raises(ValueError, match="burst >= 1"):
        Rate(1.0, burst=0)


def test_slots_wait_for_every_limit_they_book() -> None:
    scheduler = TestScheduler()
    process = RateLimit(Rate(4.0))
    account_a, account_b = RateLimit(Rate(1.0, burst=2)), RateLimit(Rate(1.0, burst=2))
    fired: list[tuple[str, float]] = []

    def take(name: str, *limits: RateLimit) -> None:
        slot(limits, scheduler).subscribe(lambda _: fired.append((name, scheduler.clock)))

    for name in ("a1", "a2", "a3"):
        take(name, process, account_a)
    take("b1", process, account_b)
    scheduler.start()
    # the process allows one start every 0.25 s; account a two at once, then one a second;
    # first come, first served: a3 keeps its place in the process's queue while it waits
    assert fired == [("a1", 0.0), ("a2", 0.25), ("a3", 1.0), ("b1", 1.25)]


def test_a_cancelled_slot_never_fires() -> None:
    scheduler = TestScheduler()
    limit = RateLimit(Rate(1.0))
    fired: list[float] = []
    slot([limit], scheduler).subscribe(lambda _: fired.append(scheduler.clock))
    waiting = slot([limit], scheduler).subscribe(lambda _: fired.append(scheduler.clock))
    waiting.dispose()
    scheduler.start()
    assert fired == [0.0]


def test_csds_answers_are_shared_per_account_for_the_ttl() -> None:
    scheduler = TestScheduler()
    services = FleetServices(FleetLimits(csds_ttl=60.0), scheduler)
    backend = ScriptedBackend(scheduler)
    answers: list[tuple[str, float]] = []

    def ask(at: float, account: str = "123") -> None:
        def run(*_: object) -> None:
            shared = services.wrap(config("bot", account), backend)
            shared.domains().subscribe(lambda _: answers.append((account, scheduler.clock)))

        scheduler.schedule_absolute(at, run)

    for at in (0.0, 0.0, 30.0, 59.9):
        ask(at)
    ask(10.0, account="999")
    ask(60.0)  # expired: looked up again
    ask(61.0)
    scheduler.start()
    assert len(answers) == 7
    assert backend.times("csds") == [0.0, 10.0, 60.0]


def test_a_failed_csds_lookup_is_not_cached() -> None:
    scheduler = TestScheduler()
    services = FleetServices(FleetLimits(), scheduler)
    backend = ScriptedBackend(scheduler)
    backend.fail("csds", _busy())
    shared = services.wrap(config("bot"), backend)
    errors: list[Exception] = []
    shared.domains().subscribe(on_error=errors.append)
    values: list[object] = []
    shared.domains().subscribe(values.append)
    assert len(errors) == 1
    assert len(values) == 1
    assert backend.times("csds") == [0.0, 0.0]


def test_token_agents_are_not_login_paced() -> None:
    scheduler = TestScheduler()
    services = FleetServices(FleetLimits(logins_per_process=Rate(1.0)), scheduler)
    backend = ScriptedBackend(scheduler)
    token = AgentConfig("123", TokenCredentials("t", "42"))
    logins: list[float] = []
    for made in (token, token, config("bot"), config("bot2")):
        services.wrap(made, backend).login({}).subscribe(lambda _: logins.append(scheduler.clock))
    scheduler.start()
    assert logins == [0.0, 0.0, 0.0, 1.0]


@pytest.mark.asyncio
async def test_the_fleet_jitters_connects_and_first_reconnects_and_paces_sockets() -> None:
    scheduler = TestScheduler()
    limits = FleetLimits(
        sockets_per_process=Rate(10.0),
        logins_per_process=Rate(100.0, burst=100),
        connect_jitter=5.0,
        reconnect_jitter=0.5,  # but 20 agents at 10 sockets/s want 2 s: the window grows
    )
    backends: list[ScriptedBackend] = []

    def make_backend(_: AgentConfig) -> ScriptedBackend:
        backends.append(ScriptedBackend(scheduler))
        return backends[-1]

    recovery = Recovery()
    fleet = Fleet(
        limits=limits,
        recovery=recovery,
        rng=random.Random(7),
        scheduler=scheduler,
        backend=make_backend,
    )
    for number in range(20):
        fleet.add(config(f"bot-{number}"))
    draws = random.Random(7)
    reconnect_waits, connect_delays = [], []
    for number in range(20):  # the window: max(0.5 s, agents already in the fleet / 10 per s)
        window = max(0.5, number / 10.0)
        reconnect_waits.append(recovery.reconnect_after + draws.uniform(0, window))
        connect_delays.append(draws.uniform(0, 5.0))

    scheduler.advance_to(100.0)
    assert fleet.counts[AgentState.CONNECTED] == 20
    first_ws = [backend.times("ws")[0] for backend in backends]
    assert [backend.times("login")[0] for backend in backends] == pytest.approx(
        connect_delays, abs=1e-6
    )
    # sockets: at most one each 0.1 s, in the order the agents asked
    assert first_ws == pytest.approx(_paced(connect_delays, 0.1), abs=1e-6)

    for backend in backends:  # the server drops every socket at once
        backend.links[-1].drop(1006)
    assert fleet.counts[AgentState.RECONNECTING] == 20
    scheduler.advance_to(200.0)
    assert fleet.counts[AgentState.CONNECTED] == 20
    again = [backend.times("ws")[1] for backend in backends]
    assert again == pytest.approx(_paced([100.0 + w for w in reconnect_waits], 0.1), abs=1e-6)
    assert max(again) - min(again) > 1.5
    await fleet.close()
    assert fleet.counts[AgentState.DISPOSED] == 0
    assert len(fleet) == 0


def _paced(asked: list[float], interval: float) -> list[float]:
    """When each start happens, one per ``interval`` at most, first come first served."""
    starts: dict[int, float] = {}
    free = float("-inf")
    for index in sorted(range(len(asked)), key=asked.__getitem__):
        starts[index] = free = max(asked[index], free + interval)
    return [starts[index] for index in range(len(asked))]


def _busy() -> SDKError:
    return ServerError("CSDS is busy", 503, Service.DOMAIN_NAMES)


def _slow_login_fleet(
    limits: FleetLimits, **options: Any
) -> tuple[TestScheduler, Fleet, list[ScriptedBackend]]:
    """A fleet in virtual time whose agents' first login takes 1 s; their backends in order."""
    scheduler = TestScheduler()
    backends: list[ScriptedBackend] = []

    def make_backend(_: AgentConfig) -> ScriptedBackend:
        backend = ScriptedBackend(scheduler)
        backend.script["login"].append(Answer(delay=1.0))
        backends.append(backend)
        return backend

    return (
        scheduler,
        Fleet(limits=limits, scheduler=scheduler, backend=make_backend, **options),
        backends,
    )


@pytest.mark.asyncio
async def test_at_most_connects_in_flight_first_attempts_run_at_once() -> None:
    limits = fast_limits(connect_jitter=0.0, connects_in_flight=2)
    scheduler, fleet, backends = _slow_login_fleet(limits)
    for number in range(6):
        fleet.add(config(f"bot-{number}"))
    scheduler.advance_to(10.0)
    assert [backend.times("login") for backend in backends] == [
        [0.0],
        [0.0],
        [1.0],
        [1.0],
        [2.0],
        [2.0],
    ]
    assert fleet.counts[AgentState.CONNECTED] == 6
    await fleet.close()


@pytest.mark.asyncio
async def test_the_connect_jitter_is_waited_before_taking_a_place_in_flight() -> None:
    limits = fast_limits(connect_jitter=10.0, connects_in_flight=1)
    scheduler, fleet, backends = _slow_login_fleet(limits, recovery=None, rng=random.Random(3))
    for number in range(5):
        fleet.add(config(f"bot-{number}"))
    draws = random.Random(3)
    jitters = [draws.uniform(0, 10.0) for _ in range(5)]
    scheduler.advance_to(100.0)
    # the one place in flight goes to whoever finished its jitter first, one login after
    # another, however long the jitters of the others are
    logins = [backend.times("login")[0] for backend in backends]
    assert logins == pytest.approx(_paced(jitters, 1.0), abs=1e-6)
    assert fleet.counts[AgentState.CONNECTED] == 5
    await fleet.close()


@pytest.mark.asyncio
async def test_an_agent_removed_while_waiting_and_added_again_connects_once() -> None:
    scheduler = TestScheduler()
    limits = FleetLimits(connect_jitter=0.0, connects_in_flight=1)
    backends: dict[str, ScriptedBackend] = {}

    def make_backend(made: AgentConfig) -> ScriptedBackend:
        backend = ScriptedBackend(scheduler)
        backend.script["login"].append(Answer(delay=1.0))
        assert isinstance(made.credentials, PasswordCredentials)
        backends[made.credentials.username] = backend
        return backend

    fleet = Fleet(limits=limits, scheduler=scheduler, backend=make_backend)
    fleet.add(config("a"))
    fleet.add(config("b"))
    await fleet.remove(agent_key(config("b")))
    fleet.add(config("b"))
    fleet.add(config("c"))
    scheduler.advance_to(10.0)
    assert {name: backend.times("login") for name, backend in backends.items()} == {
        "a": [0.0],
        "b": [1.0],
        "c": [2.0],
    }
    await fleet.close()
