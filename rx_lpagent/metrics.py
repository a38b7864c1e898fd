"""Prometheus metrics for an agent: outcomes per location and request latency.

Needs the ``metrics`` extra (``pip install 'rx-lpagent[metrics]'``, i.e. prometheus-client).
The Node SDK's ``metricsInterface.countSuccess`` / ``countFailure`` become
:meth:`LocationMetrics.count_success` / :meth:`LocationMetrics.count_failure`, called for every
event once :meth:`LocationMetrics.watch` listens to ``agent.events``::

    metrics = LocationMetrics()              # registers on prometheus_client's default registry
    metrics.watch(agent.events)              # counts every SuccessEvent / ErrorEvent
    reply = await agent.publish_event(body).pipe(metrics.timed(".ams.ms.PublishEvent"))
    prometheus_client.start_http_server(9464)

Metric names (with the default ``namespace="rx_lpagent"``):

* ``rx_lpagent_flow_success_total{location}``
* ``rx_lpagent_flow_failure_total{location, code, service}`` (``code`` and ``service`` of the
  error, ``none`` when it has none)
* ``rx_lpagent_request_duration_seconds{type, outcome}``: a histogram of the time from
  subscribing to a request observable to its reply (``outcome="ok"``) or failure
  (``outcome="error"``); a request disposed before either is not observed.

Latency is measured by composing observables (:meth:`LocationMetrics.timed`), not by hooking
the agent: every request method returns a cold observable, and timing it is one more operator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import reactivex
from reactivex import abc

try:
    from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
except ImportError as missing:  # pragma: no cover - exercised without the extra installed
    raise ImportError(
        "rx_lpagent.metrics needs prometheus-client: install the 'metrics' extra, "
        "pip install 'rx-lpagent[metrics]'"
    ) from missing

from rx_lpagent.errors import SDKError
from rx_lpagent.events import AgentEvent, ErrorEvent, SuccessEvent

__all__ = ["LATENCY_BUCKETS", "LocationMetrics"]

_T = TypeVar("_T")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Seconds; a messaging request times out after 10 s by default."""


class LocationMetrics:
    """Counters of successes and failures per location, and a request latency histogram.

    ``registry`` defaults to prometheus_client's global one; pass a fresh
    :class:`~prometheus_client.CollectorRegistry` for tests or for several agents in one
    process. ``clock`` (seconds, monotonic) is injectable for tests.
    """

    def __init__(
        self,
        registry: CollectorRegistry = REGISTRY,
        *,
        namespace: str = "rx_lpagent",
        buckets: tuple[float, ...] = LATENCY_BUCKETS,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.successes = Counter(
            "flow_success",
            "Flow steps that succeeded, by location",
            ["location"],
            namespace=namespace,
            registry=registry,
        )
        self.failures = Counter(
            "flow_failure",
            "Flow steps that failed, by location, error code and service",
            ["location", "code", "service"],
            namespace=namespace,
            registry=registry,
        )
        self.request_duration = Histogram(
            "request_duration_seconds",
            "Time from sending a messaging request to its reply or failure",
            ["type", "outcome"],
            namespace=namespace,
            registry=registry,
            buckets=buckets,
        )
        self._clock = clock

    def count_success(self, location: str) -> None:
        """The Node SDK's ``metricsInterface.countSuccess``."""
        self.successes.labels(location=str(location)).inc()

    def count_failure(self, location: str, error: BaseException | None = None) -> None:
        """The Node SDK's ``metricsInterface.countFailure``."""
        code = getattr(error, "code", None) if isinstance(error, SDKError) else None
        service = error.service if isinstance(error, SDKError) else None
        self.failures.labels(
            location=str(location),
            code="none" if code is None else str(code),
            service=service or "none",
        ).inc()

    def record(self, event: AgentEvent) -> None:
        """Count one event of ``agent.events`` (other kinds are ignored)."""
        if isinstance(event, SuccessEvent):
            self.count_success(event.location)
        elif isinstance(event, ErrorEvent):
            self.count_failure(event.location, event.error)

    def watch(self, events: reactivex.Observable[AgentEvent]) -> abc.DisposableBase:
        """Count every event of ``events`` (``agent.events``) until the result is disposed."""
        return events.subscribe(self.record)

    def timed(
        self, request_type: str
    ) -> Callable[[reactivex.Observable[_T]], reactivex.Observable[_T]]:
        """An operator observing, per subscription, the time to the first reply or the error.

        ``agent.get_clock().pipe(metrics.timed(".GetClock"))``: each subscription (each retry
        too, when placed before a retry operator) is one observation.
        """
        histogram = self.request_duration
        clock = self._clock

        def operator(source: reactivex.Observable[_T]) -> reactivex.Observable[_T]:
            def subscribe(
                observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
            ) -> abc.DisposableBase:
                started = clock()
                observed = False

                def observe(outcome: str) -> None:
                    nonlocal observed
                    if not observed:
                        observed = True
                        histogram.labels(type=request_type, outcome=outcome).observe(
                            clock() - started
                        )

                def on_next(value: _T) -> None:
                    observe("ok")
                    observer.on_next(value)

                def on_error(error: Exception) -> None:
                    observe("error")
                    observer.on_error(error)

                def on_completed() -> None:
                    observe("ok")
                    observer.on_completed()

                return source.subscribe(on_next, on_error, on_completed, scheduler=scheduler)

            return reactivex.Observable(subscribe)

        return operator
