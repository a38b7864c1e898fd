"""The :class:`Emulator`: one aiohttp application on one port, its lifecycle and TLS."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import ssl
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from rx_lpagent.emulator import control, rest
from rx_lpagent.emulator.bench import stream_notifications
from rx_lpagent.emulator.consumers import EmulatedConsumer
from rx_lpagent.emulator.context import CONTEXT, DEFAULT_IDLE_TIMEOUT, EmulatorContext
from rx_lpagent.emulator.engine import Engine
from rx_lpagent.emulator.faults import Faults, FaultSpec
from rx_lpagent.emulator.messaging import messaging_socket
from rx_lpagent.emulator.middleware import faults_and_records
from rx_lpagent.emulator.records import CallLog
from rx_lpagent.emulator.replay import Replay, ReplaySource, build_replay_app
from rx_lpagent.emulator.replay_script import Pace
from rx_lpagent.emulator.sockets import LiveSocketControls
from rx_lpagent.emulator.state import AgentUser, AppCredentials, Conversation, World
from rx_lpagent.emulator.tls import make_certificates

__all__ = ["Emulator", "build_app"]


def build_app(ctx: EmulatorContext) -> web.Application:
    """The emulator's aiohttp application: REST, messaging socket and control endpoints."""
    app = web.Application(middlewares=[faults_and_records])
    app[CONTEXT] = ctx
    app.router.add_routes(rest.routes())
    app.router.add_get(
        "/ws_api/account/{account}/messaging/brand/{bearer}",
        messaging_socket,
        name="ws",
        allow_head=False,
    )
    app.router.add_routes(control.routes())
    return app


def _reachable(host: str) -> str:
    """The host to hand out for a listening address (a wildcard one is not connectable)."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


class Emulator:
    """A local LivePerson on 127.0.0.1 (a free port unless told): CSDS, login, refresh, logout,
    the messaging socket, stateful conversations, fault injection, optional TLS.

    ::

        async with Emulator() as emu:
            conv_id = await emu.consumer().open_conversation()

    ``tls`` serves https/wss with a CA made at start (``ca_file``, ``client_ssl_context()``);
    ``account`` is the account id; ``idle_timeout`` closes sockets that sent nothing (pings
    and pongs count) for that many seconds, with 1000 (None: never; the default, 90 s, has a
    margin over the 60 s keep-alive interval real clients use); ``session_ttl`` is the login
    session's life in seconds (``sessionTTl``; a refresh restarts it; at its end sockets close
    with 4401);
    ``ring_timeout`` is how long a ring waits before it expires and goes to the next agent;
    ``username``/``password`` are the default agent's; ``advertised_host`` is the host CSDS hands
    out (default ``host``); ``faults`` are armed at start (see :mod:`.faults`).

    ``replay`` (a recording file, a :class:`~rx_lpagent.recording.Recording` or a
    :class:`~.replay.Replay`) serves that recording instead of the emulated LivePerson, at
    ``pace`` ``recorded`` or ``fast`` (see :mod:`.replay`); ``account`` then defaults to the
    recording's.

    Three agents exist from the start: the user/password one (``username``, ``password``,
    ``agent``), an app-key one (``app_credentials``) and an SSO one (``assertion``).
    """

    def __init__(
        self,
        *,
        tls: bool = False,
        account: str | None = None,
        idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
        host: str = "127.0.0.1",
        port: int = 0,
        session_ttl: float = 28800.0,
        ring_timeout: float = 72.0,
        username: str = "bot",
        password: str = "bot-password",
        advertised_host: str | None = None,
        faults: Iterable[FaultSpec] = (),
        replay: ReplaySource | Replay | None = None,
        pace: Pace = "recorded",
    ) -> None:
        self.replay = None if replay is None else Replay.of(replay, pace)
        faults = list(faults)
        if self.replay is not None and faults:
            raise ValueError("faults apply to the emulated LivePerson, not to a replay")
        recorded_account = self.replay.recording.header.account if self.replay else ""
        account = account or recorded_account or "1234567"
        self.tls = tls
        self.host = host
        self._requested_port = port
        world = World()
        world.add_account(account)
        self._account = account
        self._default_agent = world.add_agent(account, username, password=password)
        self._app_credentials = AppCredentials(
            "app-bot", "app-key", "app-secret", "access-token", "access-token-secret"
        )
        world.add_agent(account, "app-bot", app=self._app_credentials)
        self._assertion = f"emulator-assertion-{secrets.token_hex(8)}"
        world.add_agent(account, "sso-bot", assertion=self._assertion)
        self._ctx = EmulatorContext(
            world=world,
            engine=Engine(world, ring_timeout=ring_timeout),
            faults=Faults(),
            calls=CallLog(),
            idle_timeout=idle_timeout,
            session_ttl=session_ttl,
            tls=tls,
            advertised_host=advertised_host or _reachable(host),
        )
        self._controls = LiveSocketControls(self._ctx, self._set_listening)
        self._ctx.faults.attach(self._controls)
        self._ctx.faults.extend(faults)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._ca_dir: Path | None = None
        self._ca_file: Path | None = None
        self._server_ssl: ssl.SSLContext | None = None

    # lifecycle
    async def start(self) -> Self:
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        if self.tls:
            self._make_certificates()
        app = (
            build_app(self._ctx)
            if self.replay is None
            else build_replay_app(self._ctx, self.replay)
        )
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port, ssl_context=self._server_ssl)
        await site.start()
        self._runner, self._site = runner, site
        self._ctx.port = int(runner.addresses[0][1])
        return self

    async def _set_listening(self, listening: bool) -> None:
        if self._runner is None:
            raise RuntimeError("the emulator is not running")
        if listening and self._site is None:
            site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self._server_ssl)
            await site.start()
            self._site = site
        elif not listening and self._site is not None:
            site, self._site = self._site, None
            await site.stop()

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._ctx.engine.stop()
        self._controls.cancel_restore()
        self._site = None
        for connection in list(self._ctx.engine.connections):
            if connection.half_open:
                connection.drop()
            else:
                connection.spawn(connection.close(1001, "emulator stopping"))
        await runner.cleanup()
        if self._ca_dir is not None:
            shutil.rmtree(self._ca_dir, ignore_errors=True)
            self._ca_dir = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _make_certificates(self) -> None:
        names = ["127.0.0.1", "localhost"]
        if self._ctx.advertised_host not in names:
            names.append(self._ctx.advertised_host)
        self._server_ssl, self._ca_dir, self._ca_file = make_certificates(names)

    # addresses and credentials
    @property
    def port(self) -> int:
        return self._ctx.port

    @property
    def csds_domain(self) -> str:
        """``http://127.0.0.1:PORT`` in plain mode; a bare ``127.0.0.1:PORT`` (https) with TLS."""
        return self._ctx.authority if self.tls else f"http://{self._ctx.authority}"

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self._ctx.authority}"

    @property
    def ws_base_url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://{self._ctx.authority}"

    @property
    def account(self) -> str:
        return self._account

    @property
    def username(self) -> str:
        return self._default_agent.login_name

    @property
    def password(self) -> str:
        assert self._default_agent.password is not None
        return self._default_agent.password

    @property
    def agent(self) -> AgentUser:
        """The default (user/password) agent."""
        return self._default_agent

    @property
    def app_credentials(self) -> AppCredentials:
        return self._app_credentials

    @property
    def assertion(self) -> str:
        return self._assertion

    @property
    def ca_file(self) -> str | None:
        return None if self._ca_file is None else str(self._ca_file)

    def client_ssl_context(self) -> ssl.SSLContext:
        """An SSL context trusting the emulator's CA (TLS mode only)."""
        if self._ca_file is None:
            raise RuntimeError("the emulator runs without TLS (Emulator(tls=True) to enable)")
        return ssl.create_default_context(cafile=str(self._ca_file))

    # parts
    @property
    def faults(self) -> Faults:
        return self._ctx.faults

    @property
    def calls(self) -> CallLog:
        return self._ctx.calls

    @property
    def world(self) -> World:
        return self._ctx.world

    @property
    def engine(self) -> Engine:
        return self._ctx.engine

    @property
    def context(self) -> EmulatorContext:
        return self._ctx

    def add_agent(self, login_name: str, password: str, *, account: str | None = None) -> AgentUser:
        """Another user/password agent (the account is created if new)."""
        return self._ctx.world.add_agent(account or self._account, login_name, password=password)

    def consumer(
        self,
        consumer_id: str | None = None,
        *,
        account: str | None = None,
        profile: dict[str, Any] | None = None,
    ) -> EmulatedConsumer:
        """The consumer ``consumer_id`` (created on first use; a random id if none is given)."""
        record = self._ctx.world.consumer(
            account or self._account, consumer_id or secrets.token_hex(32), profile
        )
        return EmulatedConsumer(self._ctx.engine, record)

    def conversation(self, conv_id: str) -> Conversation:
        found = self._ctx.world.conversation(conv_id)
        if found is None:
            raise KeyError(conv_id)
        return found

    @property
    def conversations(self) -> list[Conversation]:
        return [
            conversation
            for account in self._ctx.world.accounts.values()
            for conversation in account.conversations.values()
        ]

    async def wait_until(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        """Wait (at most ``within`` seconds) until ``condition()`` holds; it is checked after
        every change of conversations, rings and agent states. TimeoutError otherwise."""
        changed = self._ctx.engine.changed
        async with asyncio.timeout(within):
            while not condition():
                changed.clear()
                await changed.wait()

    async def wait_for_messages(
        self, conv_id: str, count: int, within: float = 10.0
    ) -> list[dict[str, Any]]:
        """Wait until conversation ``conv_id`` holds ``count`` stored events; return them."""
        await self.wait_until(lambda: len(self.conversation(conv_id).messages) >= count, within)
        return self.conversation(conv_id).messages

    async def stream_notifications(self, count: int, *, bearer: str | None = None) -> int:
        """Bench mode: stream ``count`` pre-encoded notifications on every open agent socket
        (or the one of ``bearer``); returns the total written."""
        sockets = [
            c
            for c in self._ctx.engine.connections
            if not c.closing and (bearer is None or c.bearer == bearer)
        ]
        sent = await asyncio.gather(*(stream_notifications(c, count) for c in sockets))
        return sum(sent)

    def info(self) -> dict[str, str]:
        """What a client needs, as the CLI prints it."""
        lines = {
            "csds_domain": self.csds_domain,
            "account": self.account,
            "username": self.username,
            "password": self.password,
            "base_url": self.base_url,
        }
        if self.ca_file is not None:
            lines["ca_file"] = self.ca_file
        return lines

    def __repr__(self) -> str:
        state = "running" if self._runner is not None else "stopped"
        return f"Emulator({self.base_url!r}, account={self.account!r}, {state})"
