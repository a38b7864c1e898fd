"""A benchmark server that costs as little as Python can: what ``bench agent`` needs, no more.

    python -m rx_lpagent.bench.fast_server [--port 0] [--tls]

The emulator is a whole LivePerson (routing, state, faults, records, aiohttp's WebSocket); with
1,000 requests in flight the client waits on it. This server measures the client instead:

* REST (a small aiohttp application on ``--port``): CSDS (every service the emulator lists;
  the messaging services on the socket port), login (any credentials: a bearer, a csrf and a
  ``config`` as the emulator's), refresh and logout (200), and ``POST /_emulator/bench``
  ``{"count": N}``, which streams N ``.ams.ms.OnlineEventDistribution`` notifications (the
  emulator's bench frames, in batches of ready-made frames, one write each) to every open socket;
* the messaging socket (a raw asyncio protocol on a second port, see
  :mod:`rx_lpagent.bench._fast_socket`): every request answered with a ready-made response, the
  answers to one received chunk in one write.

It prints one ``name: value`` line per setting, as the emulator does (``csds_domain``,
``account``, ``username``, ``password``, ``base_url``, ``ws_base_url``, and ``ca_file`` under
``--tls``), then serves until interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import secrets
import shutil
import signal
import ssl
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from rx_lpagent.bench._fast_socket import BenchSocket, text_frame
from rx_lpagent.bench.emulator import Target, _subprocess, target_of
from rx_lpagent.cli._support import Parser, plain
from rx_lpagent.emulator.bench import BENCH_DIALOG, bench_frame_parts
from rx_lpagent.emulator.context import EmulatorContext
from rx_lpagent.emulator.tls import make_certificates

__all__ = ["FastServer", "in_process", "main", "subprocess"]

_MESSAGING = frozenset({"facadeMsg", "asyncMessagingEnt"})


def _emulator_services() -> tuple[str, ...]:
    """The services the emulator's CSDS lists (every one an agent may ask for)."""
    services = next(f.default for f in dataclasses.fields(EmulatorContext) if f.name == "services")
    assert isinstance(services, tuple)
    return services


_SERVICES = _emulator_services()
_BATCH = 256
"""Frames per write: ~80 KB, a few TLS records, one system call."""
_streams = itertools.count(1)


class FastServer:
    """The fast benchmark server in this process: ``async with FastServer() as server``."""

    def __init__(
        self, *, tls: bool = False, host: str = "127.0.0.1", port: int = 0, account: str = "bench"
    ) -> None:
        self.tls = tls
        self.host = host
        self.account = account
        self.username = "bench-agent"
        self.password = "bench-password"
        self._requested_port = port
        self._runner: web.AppRunner | None = None
        self._sockets_server: asyncio.Server | None = None
        self._sockets: set[BenchSocket] = set()
        self._server_ssl: ssl.SSLContext | None = None
        self._ca_dir: Path | None = None
        self._ca_file: Path | None = None
        self.port = 0
        self.socket_port = 0

    async def start(self) -> Self:
        if self.tls:
            certificates = make_certificates(["127.0.0.1", "localhost", self.host])
            self._server_ssl, self._ca_dir, self._ca_file = certificates
        loop = asyncio.get_running_loop()
        self._sockets_server = await loop.create_server(
            lambda: BenchSocket(self._sockets.add, self._sockets.discard),
            self.host,
            0,
            ssl=self._server_ssl,
        )
        self.socket_port = self._sockets_server.sockets[0].getsockname()[1]
        app = web.Application()
        app.add_routes(self._routes())
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, self.host, self._requested_port, ssl_context=self._server_ssl
        )
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        if self._sockets_server is not None:
            self._sockets_server.close()
            for socket in list(self._sockets):
                socket.abort()
            await self._sockets_server.wait_closed()
            self._sockets_server = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._ca_dir is not None:
            shutil.rmtree(self._ca_dir, ignore_errors=True)
            self._ca_dir = self._ca_file = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- addresses -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def ws_base_url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.socket_port}"

    @property
    def csds_domain(self) -> str:
        """What ``AgentConfig(csds_domain=...)`` takes: a bare host under TLS."""
        return self.base_url.split("://", 1)[1] if self.tls else self.base_url

    @property
    def ca_file(self) -> str | None:
        return None if self._ca_file is None else str(self._ca_file)

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's CA (only under TLS)."""
        if self._ca_file is None:
            raise RuntimeError("the fast server runs without TLS (FastServer(tls=True))")
        return ssl.create_default_context(cafile=str(self._ca_file))

    def info(self) -> dict[str, str]:
        """What a client needs, as the command prints it."""
        names = ("csds_domain", "account", "username", "password", "base_url", "ws_base_url")
        lines = {name: str(getattr(self, name)) for name in names}
        if self.ca_file is not None:
            lines["ca_file"] = self.ca_file
        return lines

    # --- bench mode ----------------------------------------------------------------------------

    async def stream(self, count: int) -> int:
        """Stream ``count`` notifications to every open socket; how many were written."""
        # a dialog of its own per stream, as the emulator does: sequences restart at 0
        prefix, suffix = bench_frame_parts(f"{BENCH_DIALOG}-{next(_streams)}")
        sockets = [socket for socket in self._sockets if socket.is_open]
        for start in range(0, count, _BATCH):
            # built one batch at a time, while the client reads the one before
            batch = b"".join(
                text_frame(b"%b%d%b" % (prefix, sequence, suffix))
                for sequence in range(start, min(start + _BATCH, count))
            )
            sockets = [socket for socket in sockets if socket.write(batch)]
            await asyncio.gather(*(socket.writable() for socket in sockets))
        return count * len(sockets)

    # --- REST ----------------------------------------------------------------------------------

    def _routes(self) -> list[web.RouteDef]:
        account_path = "/api/account/{account}"
        return [
            web.get(f"{account_path}/service/baseURI.json", self._csds, allow_head=False),
            web.post(f"{account_path}/login", self._login),
            web.post(f"{account_path}/refresh", self._ok),
            web.post(f"{account_path}/logout", self._ok),
            web.post("/_emulator/bench", self._bench),
        ]

    async def _csds(self, request: web.Request) -> web.Response:
        account = request.match_info["account"]
        rest = f"{self.host}:{self.port}"
        sockets = f"{self.host}:{self.socket_port}"
        return web.json_response(
            {
                "baseURIs": [
                    {
                        "service": service,
                        "account": account,
                        "baseURI": sockets if service in _MESSAGING else rest,
                    }
                    for service in _SERVICES
                ]
            }
        )

    async def _login(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = {
            "csrf": secrets.token_hex(16),
            "config": {
                "loginName": self.username,
                "userId": "bench-agent-id",
                "userPid": "bench-agent-pid",
            },
            "sessionTTl": "28800000",
            "bearer": secrets.token_urlsafe(24),
        }
        return web.json_response(body)

    async def _ok(self, request: web.Request) -> web.Response:
        return web.Response(status=200)

    async def _bench(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        count = body.get("count", 100_000) if isinstance(body, dict) else None
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise web.HTTPBadRequest(text='the body is {"count": N}, N >= 0')
        return web.json_response({"sent": await self.stream(count)})


@contextlib.asynccontextmanager
async def in_process(tls: bool) -> AsyncIterator[Target]:
    """A fast server in this process, as a benchmark's target."""
    async with FastServer(tls=tls) as server:
        yield target_of(server)


def subprocess(tls: bool) -> contextlib.AbstractAsyncContextManager[Target]:
    """A fast server in a process of its own (so it does not take the client's core)."""
    return _subprocess(tls, ("-m", "rx_lpagent.bench.fast_server"), separate_socket=True)


async def _serve(server: FastServer) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with server:
        for name, value in server.info().items():
            print(f"{name}: {value}", flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = Parser(prog="python -m rx_lpagent.bench.fast_server", description=plain(__doc__))
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="the REST port (0: any free one)")
    parser.add_argument("--tls", action="store_true", help="https/wss (needs trustme)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(FastServer(tls=args.tls, host=args.host, port=args.port)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
