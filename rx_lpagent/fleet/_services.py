"""What the agents of a fleet share: one HTTP session, a CSDS cache, login and socket pacing.

:class:`FleetServices` is the :class:`~rx_lpagent.flows.live.SharedServices` a
:class:`~rx_lpagent.fleet.Fleet` hands to each agent's backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
import reactivex
from reactivex import abc
from reactivex import operators as ops

from rx_lpagent.config import AgentConfig
from rx_lpagent.fleet._pacing import Rate, RateLimit, now_seconds, slot
from rx_lpagent.flows.backend import Domains

__all__ = ["DEFAULT_CSDS_TTL", "FleetLimits", "FleetServices"]

DEFAULT_CSDS_TTL = 60.0
"""How long a CSDS answer is reused (the Node SDK caches it 60 s)."""


@dataclass(frozen=True)
class FleetLimits:
    """How a fleet paces its agents.

    LivePerson throttles logins per account; a fleet also keeps a process from hammering the
    login service after a mass disconnect. Socket opens are paced per process so that a fleet
    that lost every socket at once comes back over time, not in one burst.
    """

    logins_per_account: Rate = field(default_factory=lambda: Rate(50.0, burst=10))
    logins_per_process: Rate = field(default_factory=lambda: Rate(250.0, burst=25))
    sockets_per_process: Rate = field(default_factory=lambda: Rate(500.0, burst=25))
    connect_jitter: float = 1.0
    """Each agent added starts connecting after a random delay in [0, connect_jitter) s."""
    reconnect_jitter: float = 1.0
    """Added at random, in [0, reconnect_jitter) s, to each agent's wait before reconnecting."""
    csds_ttl: float = DEFAULT_CSDS_TTL


_CacheKey = tuple[str, str, tuple[tuple[str, str], ...]]


class FleetServices:
    """The shared session, the CSDS cache (per account, with a TTL) and the paced slots."""

    def __init__(
        self, http: aiohttp.ClientSession, limits: FleetLimits, scheduler: abc.SchedulerBase
    ) -> None:
        self._http = http
        self._limits = limits
        self._scheduler = scheduler
        self._logins = RateLimit(limits.logins_per_process)
        self._sockets = RateLimit(limits.sockets_per_process)
        self._account_logins: dict[str, RateLimit] = {}
        self._cache: dict[_CacheKey, tuple[float, Domains]] = {}
        self._lookups: dict[_CacheKey, reactivex.Observable[Domains]] = {}

    @property
    def http(self) -> aiohttp.ClientSession:
        return self._http

    def domains(
        self, config: AgentConfig, lookup: reactivex.Observable[Domains]
    ) -> reactivex.Observable[Domains]:
        key: _CacheKey = (
            config.csds_host,
            config.account_id,
            tuple(sorted(config.domains.items())),
        )

        def cached_or_lookup(_: abc.SchedulerBase | None) -> reactivex.Observable[Domains]:
            hit = self._cache.get(key)
            if hit is not None and now_seconds(self._scheduler) < hit[0]:
                return reactivex.return_value(hit[1])
            running = self._lookups.get(key)
            if running is None:
                running = self._lookups[key] = self._shared_lookup(key, lookup)
            return running

        return reactivex.defer(cached_or_lookup)

    def _shared_lookup(
        self, key: _CacheKey, lookup: reactivex.Observable[Domains]
    ) -> reactivex.Observable[Domains]:
        """One lookup per account at a time; agents asking meanwhile get its answer."""

        def store(domains: Domains) -> None:
            self._store(key, domains)

        def forget() -> None:
            if self._lookups.get(key) is running:
                del self._lookups[key]

        running: reactivex.Observable[Domains] = lookup.pipe(
            ops.do_action(on_next=store), ops.finally_action(forget), ops.share()
        )
        return running

    def _store(self, key: _CacheKey, domains: Domains) -> None:
        self._cache[key] = (now_seconds(self._scheduler) + self._limits.csds_ttl, domains)

    def login_slot(self, config: AgentConfig) -> reactivex.Observable[None]:
        account = self._account_logins.get(config.account_id)
        if account is None:
            account = self._account_logins[config.account_id] = RateLimit(
                self._limits.logins_per_account
            )
        return slot((self._logins, account), self._scheduler)

    def socket_slot(self, config: AgentConfig) -> reactivex.Observable[None]:
        return slot((self._sockets,), self._scheduler)
