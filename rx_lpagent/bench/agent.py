"""The Agent against bare clients on the same server, in the same run.

    python -m rx_lpagent.bench.agent [--count N] [--requests N] [--in-flight N] [--rounds N]
                                     [--server emulator|fast] [--tls] [--in-process] [--only TEXT]

Measures, for the Agent on each socket transport and for two bare clients that use nothing of
rx_lpagent (aiohttp + msgspec, websockets + msgspec):

* notifications/s of the server's bench mode (``POST /_emulator/bench``): the Agent counts raw
  frames on ``agent.notifications`` and, separately, typed bodies on
  ``agent.notifications_of(OnlineEventDistribution)``; the bare clients decode each frame into
  an envelope (``raw``) or also its body into ``OnlineEventDistribution`` (``typed``);
* the round trip of ``.GetClock`` requests sent one after the other (p50, p99): ``await
  agent.get_clock()`` against a bare send-and-wait;
* requests/s with ``--in-flight`` (1,000) ``.GetClock`` requests in flight at once, a few bursts:
  ``asyncio.gather`` of ``agent.get_clock()`` against a gather of bare coroutines that each send
  a frame and wait for the future a reader task resolves (both pay one task per request).

The server runs in a process of its own (``--in-process`` to share this one), so it does not
take the client's core. ``--server fast`` (the default) is
:mod:`rx_lpagent.bench.fast_server`, which answers from ready-made bytes and leaves the client as
the bottleneck: what the Agent adds to a bare client is what is measured, as issue #15's
figures and targets were (against a fast server, over TLS: ``--tls``). ``--server emulator`` is
the emulator, a whole LivePerson: with 1,000 requests in flight the clients wait on it, and its
share of a round trip is larger than the client's, so the ratios there mostly measure the
emulator. The header says which server ran.

Prints best-of-``--rounds`` numbers, each Agent figure's ratio to the faster bare client, and
its ratio to the bare client on its own socket library (what the Agent adds, apart from the
library: which transport meets which target), then the targets (typed notifications 1.1x, p50
0.91x, i.e. within 1.1x, and 1,000 in flight 1.0x the faster bare client) and which transport
``AgentConfig`` uses by default; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec
import websockets
from websockets.asyncio.client import connect as websockets_connect

from rx_lpagent.agent import Agent
from rx_lpagent.bench import fast_server
from rx_lpagent.bench.emulator import Target, _in_process, _subprocess
from rx_lpagent.cli._support import Parser, plain, progress
from rx_lpagent.config import AgentConfig, PasswordCredentials, TransportName
from rx_lpagent.protocol import OnlineEventDistribution

__all__ = ["main"]


class _Envelope(msgspec.Struct):
    kind: str
    type: str = ""
    body: msgspec.Raw = msgspec.Raw(b"null")


class _Response(msgspec.Struct):
    kind: str
    reqId: str = ""
    code: int = 0


@dataclass
class Result:
    raw: float = 0.0
    typed: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    in_flight: float = 0.0

    def best(self, other: Result) -> Result:
        return Result(
            max(self.raw, other.raw),
            max(self.typed, other.typed),
            min(self.p50_ms, other.p50_ms) if self.p50_ms else other.p50_ms,
            min(self.p99_ms, other.p99_ms) if self.p99_ms else other.p99_ms,
            max(self.in_flight, other.in_flight),
        )


@dataclass(frozen=True)
class Load:
    """How much each client does in one round."""

    count: int
    requests: int
    in_flight: int
    bursts: int = 5


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


async def _trigger(http: aiohttp.ClientSession, target: Target, count: int) -> None:
    async with http.post(
        f"{target.base_url}/_emulator/bench", json={"count": count}, ssl=target.ssl
    ) as response:
        response.raise_for_status()


# --- the Agent ---------------------------------------------------------------------------------


def _config(target: Target, transport: TransportName) -> AgentConfig:
    secure = target.base_url.startswith("https")
    return AgentConfig(
        target.account,
        PasswordCredentials(target.username, target.password),
        csds_domain=target.base_url.split("://", 1)[1] if secure else target.base_url,
        ssl=target.ssl if secure and not isinstance(target.ssl, bool) else None,
        transport=transport,
        keepalive_interval=None,
        refresh_interval=None,
    )


async def _agent_rate(
    agent: Agent, http: aiohttp.ClientSession, target: Target, count: int, *, typed: bool
) -> float:
    done = asyncio.get_running_loop().create_future()
    received = 0

    def count_one(_: object) -> None:
        nonlocal received
        received += 1
        if received == count:
            done.set_result(None)

    stream: Any = agent.notifications_of(OnlineEventDistribution) if typed else agent.notifications
    subscription = stream.subscribe(count_one)
    try:
        started = time.perf_counter()
        await asyncio.gather(_trigger(http, target, count), asyncio.wait_for(done, 120))
        return count / (time.perf_counter() - started)
    finally:
        subscription.dispose()


async def _bursts(load: Load, burst: Callable[[], Awaitable[object]]) -> float:
    """Requests/s of ``load.bursts`` bursts of ``load.in_flight`` requests in flight at once."""
    started = time.perf_counter()
    for _ in range(load.bursts):
        await burst()
    return load.in_flight * load.bursts / (time.perf_counter() - started)


async def _agent(target: Target, load: Load, transport: TransportName) -> Result:
    async with Agent(_config(target, transport)) as agent, aiohttp.ClientSession() as http:
        await agent.connect()
        raw = await _agent_rate(agent, http, target, load.count, typed=False)
        typed = await _agent_rate(agent, http, target, load.count, typed=True)
        samples = []
        for _ in range(load.requests):
            started = time.perf_counter()
            await agent.get_clock()
            samples.append(time.perf_counter() - started)

        def burst() -> Awaitable[object]:
            return asyncio.gather(*(agent.get_clock() for _ in range(load.in_flight)))

        in_flight = await _bursts(load, burst)
    return Result(raw, typed, *_percentiles(samples), in_flight)


# --- bare clients ------------------------------------------------------------------------------


class BareSocket:
    """What a bare client needs of its socket: send a text frame, receive one (None at close)."""

    send: Callable[[bytes], Awaitable[None]]
    receive: Callable[[], Awaitable[bytes | str | None]]


async def _login(http: aiohttp.ClientSession, target: Target) -> str:
    url = f"{target.base_url}/api/account/{target.account}/login?v=1.3"
    body = {"username": target.username, "password": target.password}
    async with http.post(url, json=body, ssl=target.ssl) as response:
        bearer: str = (await response.json())["bearer"]
    return bearer


def _ws_url(target: Target, bearer: str) -> str:
    return f"{target.ws_base_url}/ws_api/account/{target.account}/messaging/brand/{bearer}?v=2.1"


@contextlib.asynccontextmanager
async def _aiohttp_socket(
    http: aiohttp.ClientSession, url: str, target: Target
) -> AsyncIterator[BareSocket]:
    async with http.ws_connect(
        url, ssl=target.ssl, max_msg_size=0, autoping=True, decode_text=False
    ) as ws:
        socket = BareSocket()

        async def send(data: bytes) -> None:
            await ws.send_frame(data, aiohttp.WSMsgType.TEXT)

        async def receive() -> bytes | str | None:
            message = await ws.receive()
            if message.type is aiohttp.WSMsgType.TEXT:
                data: bytes = message.data
                return data
            return None

        socket.send, socket.receive = send, receive
        yield socket


@contextlib.asynccontextmanager
async def _websockets_socket(
    http: aiohttp.ClientSession, url: str, target: Target
) -> AsyncIterator[BareSocket]:
    tls: dict[str, Any] = {"ssl": target.ssl} if url.startswith("wss:") else {}
    async with websockets_connect(
        url, compression=None, max_size=None, ping_interval=None, **tls
    ) as ws:
        socket = BareSocket()

        async def send(data: bytes) -> None:
            await ws.send(data, text=True)

        async def receive() -> bytes | str | None:
            try:
                return await ws.recv(decode=False)
            except websockets.ConnectionClosed:
                return None

        socket.send, socket.receive = send, receive
        yield socket


SocketOpener = Callable[
    [aiohttp.ClientSession, str, Target], contextlib.AbstractAsyncContextManager[BareSocket]
]


async def _bare_rate(
    socket: BareSocket, http: aiohttp.ClientSession, target: Target, count: int, *, typed: bool
) -> float:
    envelope = msgspec.json.Decoder(_Envelope)
    body = msgspec.json.Decoder(OnlineEventDistribution)

    async def read() -> None:
        received = 0
        while received < count:
            data = await socket.receive()
            if data is None:
                raise RuntimeError(f"socket ended after {received} notifications")
            frame = envelope.decode(data)
            if frame.kind == "notification":
                if typed:
                    body.decode(frame.body)
                received += 1

    started = time.perf_counter()
    await asyncio.gather(_trigger(http, target, count), read())
    return count / (time.perf_counter() - started)


async def _bare_in_flight(socket: BareSocket, load: Load) -> float:
    """The bare way to have many requests in flight: a reader task resolves futures by id."""
    encoder = msgspec.json.Encoder()
    response = msgspec.json.Decoder(_Response)
    loop = asyncio.get_running_loop()
    waiting: dict[str, asyncio.Future[None]] = {}
    numbers = iter(range(1, 1 << 62))

    async def read() -> None:
        while (data := await socket.receive()) is not None:
            frame = response.decode(data)
            if frame.kind == "resp" and (future := waiting.pop(frame.reqId, None)) is not None:
                future.set_result(None)

    async def call() -> None:
        request_id = f"b{next(numbers)}"
        future = waiting[request_id] = loop.create_future()
        frame = {"kind": "req", "id": request_id, "type": ".GetClock", "body": {}}
        await socket.send(encoder.encode(frame))
        await future

    def burst() -> Awaitable[object]:
        return asyncio.gather(*(call() for _ in range(load.in_flight)))

    reader = loop.create_task(read())
    try:
        return await _bursts(load, burst)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


async def _bare(target: Target, load: Load, open_socket: SocketOpener) -> Result:
    encoder = msgspec.json.Encoder()
    response = msgspec.json.Decoder(_Response)
    async with aiohttp.ClientSession() as http:
        bearer = await _login(http, target)
        async with open_socket(http, _ws_url(target, bearer), target) as socket:
            raw = await _bare_rate(socket, http, target, load.count, typed=False)
            typed = await _bare_rate(socket, http, target, load.count, typed=True)
            samples = []
            for number in range(load.requests):
                request_id = str(number)
                started = time.perf_counter()
                await socket.send(
                    encoder.encode(
                        {"kind": "req", "id": request_id, "type": ".GetClock", "body": {}}
                    )
                )
                while True:
                    data = await socket.receive()
                    if data is None:
                        raise RuntimeError("socket ended while waiting for a response")
                    frame = response.decode(data)
                    if frame.kind == "resp" and frame.reqId == request_id:
                        break
                samples.append(time.perf_counter() - started)
            in_flight = await _bare_in_flight(socket, load)
    return Result(raw, typed, *_percentiles(samples), in_flight)


# --- the run -----------------------------------------------------------------------------------

Client = Callable[[Target, Load], Awaitable[Result]]

CLIENTS: dict[str, Client] = {
    "bare aiohttp + msgspec": lambda t, load: _bare(t, load, _aiohttp_socket),
    "bare websockets + msgspec": lambda t, load: _bare(t, load, _websockets_socket),
    "Agent (aiohttp)": lambda t, load: _agent(t, load, "aiohttp"),
    "Agent (websockets)": lambda t, load: _agent(t, load, "websockets"),
}
BARE = ("bare aiohttp + msgspec", "bare websockets + msgspec")
SAME_LIBRARY = {"Agent (aiohttp)": BARE[0], "Agent (websockets)": BARE[1]}
"""Each Agent's socket library's bare client: what the Agent adds, apart from the library."""


@dataclass(frozen=True)
class Targets:
    """The Agent's ratios to the faster bare client that issue #15 asks for."""

    typed: float = 1.1
    p50: float = 1 / 1.1
    """"p50 within 1.1x of the bare client": bare/agent at least 1/1.1."""
    in_flight: float = 1.0


TARGETS = Targets()
SERVER_NAMES = {"emulator": "emulator", "fast": "fast server"}
DEFAULT_TRANSPORT = next(
    field.default for field in msgspec.structs.fields(AgentConfig) if field.name == "transport"
)


Runner = Callable[[bool], contextlib.AbstractAsyncContextManager[Target]]
SERVERS: dict[str, tuple[Runner, Runner]] = {
    "emulator": (_subprocess, _in_process),
    "fast": (fast_server.subprocess, fast_server.in_process),
}
"""Each ``--server``: how to run it in a process of its own, and in this one."""


async def _run(args: argparse.Namespace) -> dict[str, Result]:
    runner = SERVERS[args.server][1 if args.in_process else 0]
    results: dict[str, Result] = {}
    clients = {name: c for name, c in CLIENTS.items() if args.only is None or args.only in name}
    steps = len(clients) * (args.rounds + 1)
    load = Load(args.count, args.requests, args.in_flight)
    warm_up = Load(min(args.count, 2_000), 20, min(args.in_flight, 100), bursts=1)
    with progress("bench agent", steps) as step:
        async with runner(args.tls) as target:
            for name, client in clients.items():  # warm-up: imports, first connections, caches
                step(f"warm-up: {name}")
                await client(target, warm_up)
            for round_ in range(args.rounds):
                for name, client in clients.items():  # interleaved, so drift hits all alike
                    step(f"round {round_ + 1}: {name}")
                    result = await client(target, load)
                    results[name] = results[name].best(result) if name in results else result
    return results


def _ratios(name: str, r: Result, reference: Result) -> str:
    return (
        f"  {name:<27} {r.raw / reference.raw:>9.2f}x {r.typed / reference.typed:>9.2f}x "
        f"{reference.p50_ms / r.p50_ms:>7.2f}x {'':>8} {r.in_flight / reference.in_flight:>11.2f}x"
    )


def report(results: dict[str, Result], args: argparse.Namespace) -> str:
    where = "this process" if args.in_process else "a separate process"
    lines = [
        f"{args.count:,} notifications, {args.requests:,} sequential .GetClock requests, "
        f"{args.in_flight:,} in flight, "
        f"{'TLS' if args.tls else 'plain TCP'}, {SERVER_NAMES[args.server]} in {where}, "
        f"best of {args.rounds}:",
        f"  {'client':<27} {'raw/s':>10} {'typed/s':>10} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'in flight/s':>12}",
    ]
    for name, r in results.items():
        lines.append(
            f"  {name:<27} {r.raw:>10,.0f} {r.typed:>10,.0f} {r.p50_ms:>8.3f} {r.p99_ms:>8.3f}"
            f" {r.in_flight:>12,.0f}"
        )
    bare = [results[name] for name in BARE if name in results]
    if not bare:
        return "\n".join(lines)
    lines.append(
        "  ratio to the faster bare client (throughput: higher is better; p50: bare/agent)"
    )
    fastest = bare[0]
    for other in bare[1:]:
        fastest = fastest.best(other)
    for name, r in results.items():
        if name not in BARE:
            lines.append(_ratios(name, r, fastest))
    same = [(name, SAME_LIBRARY[name]) for name in results if SAME_LIBRARY.get(name) in results]
    if same:
        lines.append("  ratio to the bare client on the same socket library")
        for name, library in same:
            lines.append(_ratios(name, results[name], results[library]))
    lines.append(
        f"  targets against the faster bare client: typed {TARGETS.typed:.2f}x, "
        f"p50 {TARGETS.p50:.2f}x, in flight {TARGETS.in_flight:.2f}x or more; "
        f"the Agent's default transport: {DEFAULT_TRANSPORT}"
    )
    if args.server != "fast":
        lines.append("  (the targets are meant against a fast server: --server fast)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = Parser(prog="python -m rx_lpagent.bench.agent", description=plain(__doc__))
    parser.add_argument("--count", type=int, default=100_000, help="notifications per run")
    parser.add_argument("--requests", type=int, default=2_000, help="sequential requests per run")
    parser.add_argument(
        "--in-flight", type=int, default=1_000, help="requests in flight at once, in each burst"
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs per client (best is kept)")
    parser.add_argument("--tls", action="store_true", help="over TLS (needs trustme)")
    parser.add_argument(
        "--server",
        choices=SERVERS,
        default="fast",
        help="what the clients talk to: the fast benchmark server "
        "(rx_lpagent.bench.fast_server: the client is what is measured), or the emulator",
    )
    parser.add_argument("--in-process", action="store_true", help="the server in this process")
    parser.add_argument(
        "--only", metavar="TEXT", help="run only the clients whose name contains TEXT (profiling)"
    )
    args = parser.parse_args(argv)
    print(report(asyncio.run(_run(args)), args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
