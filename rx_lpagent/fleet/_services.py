"""What the agents of a fleet share: a CSDS cache, login and socket pacing.

:meth:`FleetServices.wrap` puts them around any agent backend (the live one, sharing the
fleet's HTTP session, or a scripted one in virtual-time tests). Each hook is cold and is
subscribed once per attempt, so every attempt of every flow still runs and reports its step
(``Connect#CSDS``, ``Reconnect#CSDS``, ...); only the I/O behind it is shared or paced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import reactivex
from reactivex import abc
from reactivex import operators as ops
from reactivex.disposable import Disposable

from rx_lpagent._endpoints import Endpoints
from rx_lpagent.config import AgentConfig, TokenCredentials
from rx_lpagent.fleet._pacing import Rate, RateLimit, now_seconds, paced
from rx_lpagent.transport.backend import Backend, Domains, Link, OnClose, OnMessage, Session

__all__ = ["DEFAULT_CSDS_TTL", "FleetLimits", "FleetServices"]

_T = TypeVar("_T")

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
    """Added at random to each agent's wait before reconnecting: up to ``reconnect_jitter`` s,
    or up to (agents in the fleet) / ``sockets_per_process`` s when that is longer."""
    csds_ttl: float = DEFAULT_CSDS_TTL
    connects_in_flight: int = 100
    """At most this many agents of the fleet in their first connect attempt at once."""


_CacheKey = tuple[str, Endpoints]
"""An account and where it connects (CSDS host and scheme; overrides and messaging preference
too, in case a backend's answer depends on them)."""
_ANSWERED = Disposable()
"""What a subscription answered from the cache returns: nothing is left to dispose."""


class FleetServices:
    """The CSDS cache (per account and overrides, with a TTL) and the paced slots."""

    def __init__(self, limits: FleetLimits, scheduler: abc.SchedulerBase) -> None:
        self._limits = limits
        self._scheduler = scheduler
        self._logins = RateLimit(limits.logins_per_process)
        self._sockets = RateLimit(limits.sockets_per_process)
        self._account_logins: dict[str, RateLimit] = {}
        self._cache: dict[_CacheKey, tuple[float, Domains]] = {}
        self._lookups: dict[_CacheKey, reactivex.Observable[Domains]] = {}

    def wrap(self, config: AgentConfig, backend: Backend) -> Backend:
        """``backend`` with CSDS answered from the cache and logins and sockets paced."""
        return _SharedBackend(self, config, backend)

    def domains(
        self, config: AgentConfig, lookup: Callable[[], reactivex.Observable[Domains]]
    ) -> reactivex.Observable[Domains]:
        """CSDS for ``config`` from the cache, else from one ``lookup()`` per account at once."""
        key: _CacheKey = (config.account_id, config.endpoints)

        def cached_or_lookup(
            observer: abc.ObserverBase[Domains], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            # every connect of every agent asks: a hit is answered at once, without the
            # trampoline and disposables of reactivex.defer and return_value
            hit = self._cache.get(key)
            if hit is not None and now_seconds(self._scheduler) < hit[0]:
                observer.on_next(hit[1])
                observer.on_completed()
                return _ANSWERED
            running = self._lookups.get(key)
            if running is None:
                running = self._lookups[key] = self._shared_lookup(key, lookup())
            return running.subscribe(observer, scheduler=scheduler)

        return reactivex.Observable(cached_or_lookup)

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

    def paced_login(
        self, config: AgentConfig, login: reactivex.Observable[_T]
    ) -> reactivex.Observable[_T]:
        """``login``, subscribed when this agent may log in (per account and per process)."""
        account = self._account_logins.get(config.account_id)
        if account is None:
            account = self._account_logins[config.account_id] = RateLimit(
                self._limits.logins_per_account
            )
        return paced((self._logins, account), self._scheduler, login)

    def paced_socket(self, open_socket: reactivex.Observable[_T]) -> reactivex.Observable[_T]:
        """``open_socket``, subscribed when this agent may open its messaging socket."""
        return paced((self._sockets,), self._scheduler, open_socket)


class _SharedBackend:
    """An agent's backend behind the fleet's CSDS cache and pacing."""

    def __init__(self, services: FleetServices, config: AgentConfig, inner: Backend) -> None:
        self._services = services
        self._config = config
        self._inner = inner

    def domains(self) -> reactivex.Observable[Domains]:
        return self._services.domains(self._config, self._inner.domains)

    def login(self, domains: Domains) -> reactivex.Observable[Session]:
        flow = self._inner.login(domains)
        if isinstance(self._config.credentials, TokenCredentials):
            return flow  # no login call is made: nothing to pace
        return self._services.paced_login(self._config, flow)

    def refresh(self, domains: Domains, session: Session) -> reactivex.Observable[None]:
        return self._inner.refresh(domains, session)

    def logout(self, domains: Domains, session: Session) -> reactivex.Observable[None]:
        return self._inner.logout(domains, session)

    def close(self) -> reactivex.Observable[None]:
        return self._inner.close()

    def open_socket(
        self, domains: Domains, session: Session, on_message: OnMessage, on_close: OnClose
    ) -> reactivex.Observable[Link]:
        return self._services.paced_socket(
            self._inner.open_socket(domains, session, on_message, on_close)
        )
