"""The Agent against bare clients on the same emulator, in the same run.

    python -m rx_lpagent.bench.agent [--count N] [--requests N] [--rounds N] [--tls] [--in-process]

Measures, for the Agent on each socket transport and for two bare clients that use nothing of
rx_lpagent (aiohttp + msgspec, websockets + msgspec):

* notifications/s of the emulator's bench mode (``POST /_emulator/bench``): the Agent counts raw
  frames on ``agent.notifications`` and, separately, typed bodies on
  ``agent.notifications_of(OnlineEventDistribution)``; the bare clients decode each frame into
  an envelope (``raw``) or also its body into ``OnlineEventDistribution`` (``typed``);
* the round trip of ``.GetClock`` requests sent one after the other (p50, p99): ``await
  agent.get_clock()`` against a bare send-and-wait.

The emulator runs in a process of its own (``--in-process`` to share this one), so it does not
take the client's core. Prints best-of-``--rounds`` numbers and each Agent figure's ratio to the
faster bare client; asserts nothing.
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

    def best(self, other: Result) -> Result:
        return Result(
            max(self.raw, other.raw),
            max(self.typed, other.typed),
            min(self.p50_ms, other.p50_ms) if self.p50_ms else other.p50_ms,
            min(self.p99_ms, other.p99_ms) if self.p99_ms else other.p99_ms,
        )


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


async def _agent(target: Target, count: int, requests: int, transport: TransportName) -> Result:
    async with Agent(_config(target, transport)) as agent, aiohttp.ClientSession() as http:
        await agent.connect()
        raw = await _agent_rate(agent, http, target, count, typed=False)
        typed = await _agent_rate(agent, http, target, count, typed=True)
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            await agent.get_clock()
            samples.append(time.perf_counter() - started)
    return Result(raw, typed, *_percentiles(samples))


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


async def _bare(target: Target, count: int, requests: int, open_socket: SocketOpener) -> Result:
    encoder = msgspec.json.Encoder()
    response = msgspec.json.Decoder(_Response)
    async with aiohttp.ClientSession() as http:
        bearer = await _login(http, target)
        async with open_socket(http, _ws_url(target, bearer), target) as socket:
            raw = await _bare_rate(socket, http, target, count, typed=False)
            typed = await _bare_rate(socket, http, target, count, typed=True)
            samples = []
            for number in range(requests):
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
    return Result(raw, typed, *_percentiles(samples))


# --- the run -----------------------------------------------------------------------------------

Client = Callable[[Target, int, int], Awaitable[Result]]

CLIENTS: dict[str, Client] = {
    "bare aiohttp + msgspec": lambda t, n, r: _bare(t, n, r, _aiohttp_socket),
    "bare websockets + msgspec": lambda t, n, r: _bare(t, n, r, _websockets_socket),
    "Agent (aiohttp)": lambda t, n, r: _agent(t, n, r, "aiohttp"),
    "Agent (websockets)": lambda t, n, r: _agent(t, n, r, "websockets"),
}
BARE = ("bare aiohttp + msgspec", "bare websockets + msgspec")


async def _run(args: argparse.Namespace) -> dict[str, Result]:
    runner = _in_process if args.in_process else _subprocess
    results: dict[str, Result] = {}
    clients = {name: c for name, c in CLIENTS.items() if args.only is None or args.only in name}
    steps = len(clients) * (args.rounds + 1)
    with progress("bench agent", steps) as step:
        async with runner(args.tls) as target:
            for name, client in clients.items():  # warm-up: imports, first connections, caches
                step(f"warm-up: {name}")
                await client(target, min(args.count, 2_000), 20)
            for round_ in range(args.rounds):
                for name, client in clients.items():  # interleaved, so drift hits all alike
                    step(f"round {round_ + 1}: {name}")
                    result = await client(target, args.count, args.requests)
                    results[name] = results[name].best(result) if name in results else result
    return results


def report(results: dict[str, Result], args: argparse.Namespace) -> str:
    where = "in-process" if args.in_process else "separate process"
    lines = [
        f"{args.count:,} notifications, {args.requests:,} sequential .GetClock requests, "
        f"{'TLS' if args.tls else 'plain TCP'}, emulator in a {where}, best of {args.rounds}:",
        f"  {'client':<27} {'raw/s':>10} {'typed/s':>10} {'p50 ms':>8} {'p99 ms':>8}",
    ]
    for name, r in results.items():
        lines.append(
            f"  {name:<27} {r.raw:>10,.0f} {r.typed:>10,.0f} {r.p50_ms:>8.3f} {r.p99_ms:>8.3f}"
        )
    bare = [results[name] for name in BARE if name in results]
    if not bare:
        return "\n".join(lines)
    fastest_raw = max(r.raw for r in bare)
    fastest_typed = max(r.typed for r in bare)
    fastest_p50 = min(r.p50_ms for r in bare)
    lines.append(
        "  ratio to the faster bare client (throughput: higher is better; p50: bare/agent)"
    )
    for name, r in results.items():
        if name not in BARE:
            lines.append(
                f"  {name:<27} {r.raw / fastest_raw:>9.2f}x {r.typed / fastest_typed:>9.2f}x "
                f"{fastest_p50 / r.p50_ms:>7.2f}x"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = Parser(prog="python -m rx_lpagent.bench.agent", description=plain(__doc__))
    parser.add_argument("--count", type=int, default=100_000, help="notifications per run")
    parser.add_argument("--requests", type=int, default=2_000, help="sequential requests per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per client (best is kept)")
    parser.add_argument("--tls", action="store_true", help="over TLS (needs trustme)")
    parser.add_argument("--in-process", action="store_true", help="emulator in this process")
    parser.add_argument(
        "--only", metavar="TEXT", help="run only the clients whose name contains TEXT (profiling)"
    )
    args = parser.parse_args(argv)
    print(report(asyncio.run(_run(args)), args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
