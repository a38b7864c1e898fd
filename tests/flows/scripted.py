"""A backend whose answers a test scripts, delivered on a TestScheduler (virtual time).

It stands in for the network only in flow tests that assert *when* things happen; the agent is
tested against the emulator over real sockets elsewhere.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
import reactivex
from reactivex import abc
from reactivex.disposable import Disposable
from reactivex.testing import TestScheduler

from rx_lpagent.agent import Agent
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.errors import SDKError, TransportError
from rx_lpagent.protocol import Request, Response, decode_frame, encode
from rx_lpagent.recovery import Recovery
from rx_lpagent.transport.backend import Domains, Link, OnClose, OnMessage, Session


@dataclass(frozen=True)
class FakeSession:
    user_id: str = "5551234"
    user_pid: str | None = "pid-1"
    can_refresh: bool = True
    token: str = "token-1"


@dataclass
class FakeLink:
    number: int
    token: str
    on_message: OnMessage
    on_close: OnClose
    clock_code: int | None = 200
    sent: list[bytes] = field(default_factory=list)
    closed_with: int | None = None

    def send(self, data: bytes) -> None:
        if self.closed_with is not None:
            raise TransportError("socket closed")
        self.sent.append(data)
        frame = decode_frame(data)
        if self.clock_code is not None and isinstance(frame, Request) and frame.type == ".GetClock":
            body = b'{"currentTime":1}' if self.clock_code < 400 else b'"clock broken"'
            reply = Response(reqId=frame.id, code=self.clock_code, body=msgspec.Raw(body))
            self.on_message(encode(reply))

    def close(self, code: int = 1000, reason: str = "") -> reactivex.Observable[None]:
        self.closed_with = code
        return reactivex.empty()

    def drop(self, code: int | None, reason: str = "") -> None:
        """The server closes the socket."""
        self.closed_with = code
        self.on_close(code, reason)


@dataclass(frozen=True)
class Answer:
    error: SDKError | None = None
    delay: float = 0.0


class ScriptedBackend:
    def __init__(self, scheduler: TestScheduler) -> None:
        self.scheduler = scheduler
        self.script: dict[str, deque[Answer]] = defaultdict(deque)
        self.calls: list[tuple[float, str]] = []
        self.links: list[FakeLink] = []
        self.logins = 0
        self.bearer_only = False
        self.domain_map: Domains = {"agentVep": "vep", "asyncMessagingEnt": "msg"}
        self.clock_code: int | None = 200
        """How new sockets answer ``.GetClock`` (None: not at all, a half-open socket)."""

    def fail(self, endpoint: str, error: SDKError, times: int = 1, delay: float = 0.0) -> None:
        for _ in range(times):
            self.script[endpoint].append(Answer(error, delay))

    def times(self, endpoint: str) -> list[float]:
        return [time for time, name in self.calls if name == endpoint]

    def _answer(self, endpoint: str, make: Any) -> reactivex.Observable[Any]:
        def subscribe(
            observer: abc.ObserverBase[Any], _: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            self.calls.append((self.scheduler.clock, endpoint))
            queue = self.script[endpoint]
            answer = queue.popleft() if queue else Answer()

            def deliver(_: abc.SchedulerBase, __: Any = None) -> None:
                if answer.error is not None:
                    observer.on_error(answer.error)
                else:
                    observer.on_next(make())
                    observer.on_completed()

            if answer.delay:
                return self.scheduler.schedule_relative(answer.delay, deliver)
            deliver(self.scheduler)
            return Disposable()

        return reactivex.create(subscribe)

    def domains(self) -> reactivex.Observable[Domains]:
        return self._answer("csds", lambda: self.domain_map)

    def login(self, domains: Domains) -> reactivex.Observable[Session]:
        def make() -> Session:
            self.logins += 1
            return FakeSession(token=f"token-{self.logins}", can_refresh=not self.bearer_only)

        return self._answer("login", make)

    def refresh(self, domains: Domains, session: Session) -> reactivex.Observable[None]:
        return self._answer("refresh", lambda: None)

    def logout(self, domains: Domains, session: Session) -> reactivex.Observable[None]:
        return self._answer("logout", lambda: None)

    def close(self) -> reactivex.Observable[None]:
        self.calls.append((self.scheduler.clock, "close"))
        return reactivex.empty()

    def open_socket(
        self, domains: Domains, session: Session, on_message: OnMessage, on_close: OnClose
    ) -> reactivex.Observable[Link]:
        def make() -> Link:
            token = session.token if isinstance(session, FakeSession) else "?"
            link = FakeLink(len(self.links) + 1, token, on_message, on_close, self.clock_code)
            self.links.append(link)
            return link

        return self._answer("ws", make)


def scripted_agent(
    backend: ScriptedBackend,
    *,
    recovery: Recovery | None = None,
    refresh_interval: float | None = None,
    keepalive_interval: float | None = None,
    keepalive_timeout: float = 10.0,
    random: Callable[[], float] | None = None,
) -> Agent:
    """An agent on ``backend`` and its virtual clock (recovery off unless given)."""
    config = AgentConfig(
        "123",
        PasswordCredentials("bot", "secret"),
        refresh_interval=refresh_interval,
        keepalive_interval=keepalive_interval,
        keepalive_timeout=keepalive_timeout,
    )
    return Agent(
        config,
        backend=backend,
        scheduler=backend.scheduler,
        recovery=recovery,
        random=random,
    )
