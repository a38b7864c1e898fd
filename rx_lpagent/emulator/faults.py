"""Fault injection: what to break, for which calls, how many times.

A fault is a :class:`FaultSpec`. Its ``endpoint`` is an HTTP endpoint name (``csds``, ``login``,
``refresh``, ``logout``, ``swift``), ``ws`` (the socket handshake, or the socket once open), a
messaging request type (``.GetClock``, ``.ams.ms.PublishEvent``, ...), or ``*`` for any of them.
``action`` says what happens to a matching call:

=============== ========================================================================
``status``      answer with ``status`` (HTTP endpoints and the ``ws`` handshake: that HTTP
                status, with ``Retry-After`` when ``retry_after`` is set; a request type: a
                response frame with that code)
``respond``     answer with ``status`` (default 200 here too) and the JSON ``body`` given,
                e.g. a CSDS reply without ``baseURIs`` or a login reply without ``config``
``latency``     delay the answer by ``seconds``
``refuse``      drop the TCP connection without an answer (a request type: the socket is
                dropped, the client sees 1006). aiohttp retries an idempotent request once on
                a new connection, and each attempt counts; for a server that is down, use
                ``emu.faults.refuse_connections()`` (the port stops listening)
``close``       close the socket with ``code`` (1006 drops it without a close frame); on ``ws``
                this happens ``after`` seconds once a socket opens, on a request type when that
                request arrives
``half_open``   the socket stops answering anything, pings included, and sends nothing more
``malformed``   send ``frame`` (default: a truncated JSON frame) before the answer
``expire_bearer`` the socket's bearer expires: the socket is closed with 4401 and the bearer
                is refused from then on
``expire_session`` the login session expires: refresh and logout answer 401
=============== ========================================================================

A fault applies to the next ``times`` matching calls (``null``: until removed) after letting
``skip`` matching calls through. The scenario file of ``python -m rx_lpagent emulator
--scenario FILE`` is JSON: ``{"faults": [spec, ...]}`` (or the bare list), each spec an object
with the fields above, e.g.::

    {"faults": [
      {"endpoint": "login", "action": "status", "status": 429, "retry_after": 5, "times": 2},
      {"endpoint": "csds", "action": "latency", "seconds": 0.2, "times": null},
      {"endpoint": ".GetClock", "action": "status", "status": 429},
      {"endpoint": "ws", "action": "close", "code": 4401, "after": 2.0}
    ]}

Ready-made scenarios ship in ``rx_lpagent/emulator/scenarios/`` (``--scenario flaky-login``).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import msgspec

from rx_lpagent.emulator.schemas import SCHEMAS
from rx_lpagent.protocol import wire_types as wt

__all__ = [
    "Action",
    "FaultSpec",
    "Faults",
    "SocketControls",
    "bundled_scenarios",
    "load_scenario",
    "parse_faults",
]

Action = Literal[
    "status",
    "respond",
    "latency",
    "refuse",
    "close",
    "half_open",
    "malformed",
    "expire_bearer",
    "expire_session",
]

DEFAULT_MALFORMED_FRAME = f'{{"kind":"notification","type":"{wt.ONLINE_EVENT_DISTRIBUTION}",'
SOCKET_ACTIONS = frozenset({"close", "half_open", "malformed", "expire_bearer"})
REST_ENDPOINTS = frozenset({"csds", "login", "refresh", "logout", "swift"})


class FaultSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One fault; see the module docstring for the meaning of each field."""

    endpoint: str
    action: Action = "status"
    status: int = 500
    body: Any = None
    retry_after: float | None = None
    seconds: float = 0.0
    code: int = 1011
    frame: str = DEFAULT_MALFORMED_FRAME
    after: float = 0.0
    times: int | None = 1
    skip: int = 0

    def __post_init__(self) -> None:
        if self.endpoint not in ENDPOINTS and self.endpoint not in SCHEMAS:
            raise ValueError(_unknown_endpoint(self.endpoint))
        if self.times is not None and self.times < 0:
            raise ValueError("times must be >= 0 or null")
        if self.skip < 0 or self.seconds < 0 or self.after < 0:
            raise ValueError("skip, seconds and after must be >= 0")
        if self.action in ("status", "respond") and not 100 <= self.status <= 599:
            raise ValueError(f"status {self.status} is not an HTTP status")
        if self.endpoint in REST_ENDPOINTS and self.action in SOCKET_ACTIONS:
            raise ValueError(f"{self.action} applies to sockets, not to {self.endpoint}")
        if self.action == "close" and not (
            self.code in (1000, 1001, 1006, 1011) or 3000 <= self.code <= 4999
        ):
            raise ValueError(f"close code {self.code} cannot be sent")

    @property
    def name(self) -> str:
        detail = {
            "status": str(self.status),
            "close": str(self.code),
            "latency": f"{self.seconds}s",
        }.get(self.action, "")
        return f"{self.action}:{detail}" if detail else self.action


ENDPOINTS = REST_ENDPOINTS | {"ws", "*"}
"""Endpoints besides the request types: a misspelled one would silently match nothing."""


def _unknown_endpoint(endpoint: str) -> str:
    close = difflib.get_close_matches(endpoint, [*ENDPOINTS, *SCHEMAS], n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"unknown endpoint {endpoint!r}{hint}: one of {', '.join(sorted(ENDPOINTS))} "
        "or a request type such as .GetClock"
    )


def parse_faults(data: Any) -> list[FaultSpec]:
    """Fault specs from a decoded scenario (``{"faults": [...]}``, a list, or one spec)."""
    if isinstance(data, dict) and "faults" in data:
        data = data["faults"]
    if isinstance(data, dict):
        data = [data]
    return msgspec.convert(data, list[FaultSpec])


SCENARIOS = Path(__file__).with_name("scenarios")


def bundled_scenarios() -> dict[str, str]:
    """The scenarios shipped with the emulator: name -> what it does."""
    return {
        path.stem: str(json.loads(path.read_text()).get("about", ""))
        for path in sorted(SCENARIOS.glob("*.json"))
    }


def load_scenario(path: str | Path) -> list[FaultSpec]:
    """The faults of a JSON scenario file, or of a bundled scenario named without ``.json``
    (``flaky-login``, ``token-expiry``, ... see :func:`bundled_scenarios`)."""
    file = Path(path)
    if not file.exists() and (SCENARIOS / f"{path}.json").exists():
        file = SCENARIOS / f"{path}.json"
    return parse_faults(json.loads(file.read_text()))


class SocketControls:
    """What fault actions can do to the open sockets; the emulator provides the real ones."""

    async def close_sockets(self, code: int, bearer: str | None = None) -> int:
        raise NotImplementedError

    def set_half_open(self, half_open: bool, bearer: str | None = None) -> int:
        raise NotImplementedError

    def send_raw(self, frame: str, bearer: str | None = None) -> int:
        raise NotImplementedError

    async def expire_bearer(self, bearer: str | None = None) -> int:
        raise NotImplementedError

    def expire_session(self, bearer: str | None = None) -> int:
        raise NotImplementedError

    async def set_listening(self, listening: bool, seconds: float | None = None) -> None:
        raise NotImplementedError


class _Armed:
    __slots__ = ("remaining", "skip", "spec")

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self.skip = spec.skip
        self.remaining = spec.times


class Faults:
    """The fault controls of one emulator (``emu.faults``).

    Arm faults for future calls (:meth:`add`, :meth:`fail`, :meth:`delay`, ...), or act now on
    the open sockets (:meth:`close_sockets`, :meth:`half_open`, ...).
    """

    def __init__(self, controls: SocketControls | None = None) -> None:
        self._armed: list[_Armed] = []
        self._controls = controls or SocketControls()

    def attach(self, controls: SocketControls) -> None:
        self._controls = controls

    # arming
    def add(self, *specs: FaultSpec) -> list[FaultSpec]:
        self._armed.extend(_Armed(spec) for spec in specs)
        return list(specs)

    def extend(self, specs: Iterable[FaultSpec]) -> None:
        self.add(*specs)

    def remove(self, spec: FaultSpec) -> None:
        self._armed = [armed for armed in self._armed if armed.spec is not spec]

    def clear(self) -> None:
        self._armed.clear()

    @property
    def active(self) -> list[FaultSpec]:
        return [armed.spec for armed in self._armed]

    def fail(
        self,
        endpoint: str,
        status: int,
        *,
        times: int | None = 1,
        retry_after: float | None = None,
        skip: int = 0,
    ) -> FaultSpec:
        """Answer the next ``times`` calls to ``endpoint`` with ``status``."""
        spec = FaultSpec(
            endpoint=endpoint, status=status, times=times, retry_after=retry_after, skip=skip
        )
        return self.add(spec)[0]

    def respond(
        self, endpoint: str, body: Any, *, status: int = 200, times: int | None = 1
    ) -> FaultSpec:
        """Answer the next ``times`` calls to ``endpoint`` with ``status`` and ``body``."""
        spec = FaultSpec(endpoint=endpoint, action="respond", status=status, body=body, times=times)
        return self.add(spec)[0]

    def delay(
        self, endpoint: str, seconds: float, *, times: int | None = 1, skip: int = 0
    ) -> FaultSpec:
        """Delay the answer to the next ``times`` calls to ``endpoint``."""
        spec = FaultSpec(
            endpoint=endpoint, action="latency", seconds=seconds, times=times, skip=skip
        )
        return self.add(spec)[0]

    def refuse(self, endpoint: str, *, times: int | None = 1, skip: int = 0) -> FaultSpec:
        """Drop the connection of the next ``times`` calls to ``endpoint`` unanswered."""
        return self.add(FaultSpec(endpoint=endpoint, action="refuse", times=times, skip=skip))[0]

    def close_on(
        self,
        endpoint: str,
        code: int,
        *,
        after: float = 0.0,
        times: int | None = 1,
        skip: int = 0,
    ) -> FaultSpec:
        """Close the socket with ``code`` when a request of type ``endpoint`` arrives, or
        ``after`` seconds once a socket opens (``endpoint="ws"``)."""
        spec = FaultSpec(
            endpoint=endpoint, action="close", code=code, after=after, times=times, skip=skip
        )
        return self.add(spec)[0]

    def half_open_on(
        self, endpoint: str = "ws", *, after: float = 0.0, times: int | None = 1
    ) -> FaultSpec:
        """Make the socket half-open on a request of type ``endpoint`` or after it opens."""
        spec = FaultSpec(endpoint=endpoint, action="half_open", after=after, times=times)
        return self.add(spec)[0]

    def malformed_on(
        self,
        endpoint: str,
        *,
        frame: str = DEFAULT_MALFORMED_FRAME,
        after: float = 0.0,
        times: int | None = 1,
    ) -> FaultSpec:
        """Send ``frame`` before answering a request of type ``endpoint`` (or after open)."""
        spec = FaultSpec(
            endpoint=endpoint, action="malformed", frame=frame, after=after, times=times
        )
        return self.add(spec)[0]

    def expire_bearer_on(
        self, endpoint: str = "ws", *, after: float = 0.0, times: int | None = 1
    ) -> FaultSpec:
        """Expire the socket's bearer (close 4401) on a request or ``after`` seconds open."""
        spec = FaultSpec(endpoint=endpoint, action="expire_bearer", after=after, times=times)
        return self.add(spec)[0]

    def expire_session_on(self, endpoint: str, *, times: int | None = 1) -> FaultSpec:
        """Expire the caller's login session when it calls ``endpoint`` (refresh then 401s)."""
        return self.add(FaultSpec(endpoint=endpoint, action="expire_session", times=times))[0]

    # matching
    def take(self, endpoint: str, actions: frozenset[str] | None = None) -> list[FaultSpec]:
        """The faults that apply to this call to ``endpoint``, each counted as used once."""
        taken: list[FaultSpec] = []
        for armed in list(self._armed):
            spec = armed.spec
            if spec.endpoint not in (endpoint, "*"):
                continue
            if actions is not None and spec.action not in actions:
                continue
            if armed.skip > 0:
                armed.skip -= 1
                continue
            taken.append(spec)
            if armed.remaining is not None:
                armed.remaining -= 1
                if armed.remaining <= 0:
                    self._armed.remove(armed)
        return taken

    # acting now
    async def close_sockets(self, code: int = 1011, bearer: str | None = None) -> int:
        """Close the open agent sockets (those of ``bearer`` only, if given) with ``code``;
        1006 drops the TCP connection without a close frame. Returns how many."""
        return await self._controls.close_sockets(code, bearer)

    def half_open(self, half_open: bool = True, bearer: str | None = None) -> int:
        """Make the open sockets stop answering (pings, requests) and stop sending."""
        return self._controls.set_half_open(half_open, bearer)

    def send_malformed(
        self, frame: str = DEFAULT_MALFORMED_FRAME, bearer: str | None = None
    ) -> int:
        """Send ``frame`` (malformed by default) on the open sockets."""
        return self._controls.send_raw(frame, bearer)

    async def expire_bearer(self, bearer: str | None = None) -> int:
        """Expire bearers (all, or one): their sockets close with 4401, handshakes get 401."""
        return await self._controls.expire_bearer(bearer)

    def expire_session(self, bearer: str | None = None) -> int:
        """Expire login sessions (all, or one): refresh and logout answer 401 from now on."""
        return self._controls.expire_session(bearer)

    async def refuse_connections(self, seconds: float | None = None) -> None:
        """Stop listening: new TCP connections are refused (open ones stay; close them with
        ``close_sockets(1006)``). Listening resumes after ``seconds``, or on
        :meth:`accept_connections`."""
        await self._controls.set_listening(False, seconds)

    async def accept_connections(self) -> None:
        """Listen again on the same port."""
        await self._controls.set_listening(True)
