"""What the I/O layer offers the flows, as observables: the :class:`Backend` interface.

It is defined here, beside its production implementation (:mod:`rx_lpagent.transport.live`,
the REST calls and the socket on asyncio), so that the flows above depend on the transport and
never the other way round; tests can script a backend that answers in virtual time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

import reactivex

__all__ = ["Backend", "Domains", "Link", "OnClose", "OnMessage", "Session"]

Domains = Mapping[str, str]
"""service name -> host[:port], as CSDS lists them; the backend decides from them (and the
config's overrides) which host serves each call."""


class Session(Protocol):
    """A logged-in agent: who it is, and whether it can refresh (bearer agents cannot)."""

    @property
    def user_id(self) -> str: ...

    @property
    def user_pid(self) -> str | None: ...

    @property
    def can_refresh(self) -> bool: ...


class Link(Protocol):
    """An open messaging socket, as the agent drives it."""

    def send(self, data: bytes) -> None:
        """Queue a frame for sending; raises a TransportError if the socket is closed."""
        ...

    def close(self, code: int = 1000, reason: str = "") -> reactivex.Observable[None]:
        """Close the socket with ``code``; completes once it is closed."""
        ...


OnMessage = Callable[[bytes | str], None]


class OnClose(Protocol):
    """Told once that the socket closed unasked, with the code and reason it ended with.
    ``by_peer`` is False when this side ended it (its library failed the connection)."""

    def __call__(self, code: int | None, reason: str, /, *, by_peer: bool = True) -> None: ...


class Backend(Protocol):
    """The I/O the flows compose. Every method is cold: nothing happens until subscribed."""

    def domains(self) -> reactivex.Observable[Domains]:
        """CSDS lookup: what CSDS lists for the account."""
        ...

    def login(self, domains: Domains) -> reactivex.Observable[Session]:
        """Log in (or, for a bearer-token agent, make the session from the token)."""
        ...

    def refresh(self, domains: Domains, session: Session) -> reactivex.Observable[None]:
        """The refresh POST; 401 comes back as an AuthenticationError."""
        ...

    def logout(self, domains: Domains, session: Session) -> reactivex.Observable[None]: ...

    def close(self) -> reactivex.Observable[None]:
        """Release what the backend holds (the HTTP session); the agent calls it on dispose."""
        ...

    def open_socket(
        self, domains: Domains, session: Session, on_message: OnMessage, on_close: OnClose
    ) -> reactivex.Observable[Link]:
        """Open the messaging socket; ``on_close`` is called once if it closes unasked."""
        ...
