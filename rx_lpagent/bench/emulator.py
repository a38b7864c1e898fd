"""How fast the emulator streams notifications to one client (bench mode).

    python -m rx_lpagent.bench.emulator [--count N] [--tls] [--decode] [--in-process]

By default the emulator runs in its own process (``python -m rx_lpagent emulator --port 0``) so
that client and server do not share a CPU; a bare aiohttp client logs in, opens the messaging
socket, asks for N notifications (``POST /_emulator/bench``) and counts them. Prints
notifications per second; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import aiohttp
import msgspec

from rx_lpagent.cli._support import Parser, plain, progress
from rx_lpagent.emulator import Emulator

__all__ = ["Serving", "Target", "main", "measure", "target_of"]


@dataclass
class Target:
    base_url: str
    ws_base_url: str
    account: str
    username: str
    password: str
    ssl: ssl.SSLContext | bool


class Serving(Protocol):
    """What a benchmark needs to know of a server running in its process."""

    @property
    def tls(self) -> bool: ...
    @property
    def base_url(self) -> str: ...
    @property
    def ws_base_url(self) -> str: ...
    @property
    def account(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def password(self) -> str: ...
    def client_ssl_context(self) -> ssl.SSLContext: ...


def target_of(server: Serving) -> Target:
    """The benchmark target a running server (the emulator, the fast server) is."""
    return Target(
        server.base_url,
        server.ws_base_url,
        server.account,
        server.username,
        server.password,
        server.client_ssl_context() if server.tls else True,
    )


@contextlib.asynccontextmanager
async def _in_process(tls: bool) -> AsyncIterator[Target]:
    async with Emulator(tls=tls) as emu:
        yield target_of(emu)


EMULATOR_COMMAND = ("-m", "rx_lpagent", "emulator")


@contextlib.asynccontextmanager
async def _subprocess(
    tls: bool, command: Sequence[str] = EMULATOR_COMMAND, *, separate_socket: bool = False
) -> AsyncIterator[Target]:
    """A server started as ``python COMMAND --port 0 [--tls]`` that prints ``name: value``
    lines (the emulator's ``base_url``...; ``ws_base_url`` too if its sockets are on a
    ``separate_socket`` port)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *command,
        "--port",
        "0",
        *(["--tls"] if tls else []),
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        info: dict[str, str] = {}
        wanted = {"base_url", "account", "username", "password"} | ({"ca_file"} if tls else set())
        if separate_socket:
            wanted.add("ws_base_url")
        while not wanted <= info.keys():
            line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
            if not line:
                raise RuntimeError(f"{' '.join(command)} exited before printing its address")
            name, _, value = line.strip().partition(": ")
            info[name] = value
        context: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=info["ca_file"]) if tls else True
        )
        base = info["base_url"]
        yield Target(
            base,
            info.get("ws_base_url") or base.replace("http", "ws", 1),
            info["account"],
            info["username"],
            info["password"],
            context,
        )
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


async def measure(target: Target, count: int, *, decode: bool = False) -> float:
    """Notifications per second one bare aiohttp client reads from the emulator."""
    decoder = msgspec.json.Decoder()
    async with aiohttp.ClientSession() as http:
        login_url = f"{target.base_url}/api/account/{target.account}/login?v=1.3"
        body = {"username": target.username, "password": target.password}
        async with http.post(login_url, json=body, ssl=target.ssl) as response:
            bearer = (await response.json())["bearer"]
        ws_url = (
            f"{target.ws_base_url}/ws_api/account/{target.account}/messaging/brand/{bearer}?v=2.1"
        )
        async with http.ws_connect(ws_url, ssl=target.ssl, max_msg_size=0) as ws:
            trigger = asyncio.create_task(
                http.post(
                    f"{target.base_url}/_emulator/bench", json={"count": count}, ssl=target.ssl
                )
            )
            received = 0
            started = time.perf_counter()
            while received < count:
                message = await ws.receive()
                if message.type is not aiohttp.WSMsgType.TEXT:
                    raise RuntimeError(f"socket ended after {received} notifications")
                if decode:
                    decoder.decode(message.data)
                received += 1
            elapsed = time.perf_counter() - started
            (await trigger).release()
    return count / elapsed


async def _run(args: argparse.Namespace) -> None:
    runner = _in_process if args.in_process else _subprocess
    rates = []
    with progress("bench emulator", args.runs + 1) as step:
        async with runner(args.tls) as target:
            step("warm-up")
            await measure(target, min(args.count, 10_000), decode=args.decode)
            for run in range(args.runs):
                step(f"run {run + 1}")
                rates.append(await measure(target, args.count, decode=args.decode))
    where = "in-process" if args.in_process else "separate process"
    scheme = "wss" if args.tls else "ws"
    print(
        f"emulator bench mode ({where}, {scheme}, {args.count} notifications x {args.runs}):"
        f" best {max(rates):,.0f}/s, mean {sum(rates) / len(rates):,.0f}/s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = Parser(prog="python -m rx_lpagent.bench.emulator", description=plain(__doc__))
    parser.add_argument("--count", type=int, default=200_000, help="notifications per run")
    parser.add_argument("--runs", type=int, default=3, help="measured runs")
    parser.add_argument("--tls", action="store_true", help="over TLS (needs trustme)")
    parser.add_argument("--decode", action="store_true", help="msgspec-decode every frame")
    parser.add_argument("--in-process", action="store_true", help="emulator in this process")
    asyncio.run(_run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
