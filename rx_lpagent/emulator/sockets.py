"""What ``emu.faults`` does to the open sockets and sessions when told to act now."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from rx_lpagent.emulator.connection import Connection
from rx_lpagent.emulator.context import EmulatorContext
from rx_lpagent.emulator.faults import SocketControls

__all__ = ["LiveSocketControls"]


class LiveSocketControls(SocketControls):
    """Fault actions on the emulator's open sockets and sessions."""

    def __init__(self, ctx: EmulatorContext, listen: Callable[[bool], Awaitable[None]]) -> None:
        self._ctx = ctx
        self._listen = listen
        self._restore: asyncio.Task[None] | None = None

    async def set_listening(self, listening: bool, seconds: float | None = None) -> None:
        self.cancel_restore()
        await self._listen(listening)
        if not listening and seconds is not None:
            self._restore = asyncio.get_running_loop().create_task(self._listen_after(seconds))

    async def _listen_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self._listen(True)

    def cancel_restore(self) -> None:
        if self._restore is not None:
            self._restore.cancel()
            self._restore = None

    def _sockets(self, bearer: str | None) -> list[Connection]:
        return [
            c
            for c in self._ctx.engine.connections
            if not c.closing and (bearer is None or c.bearer == bearer)
        ]

    async def close_sockets(self, code: int, bearer: str | None = None) -> int:
        sockets = self._sockets(bearer)
        await asyncio.gather(*(c.close(code, "closed by emulator") for c in sockets))
        return len(sockets)

    def set_half_open(self, half_open: bool, bearer: str | None = None) -> int:
        sockets = self._sockets(bearer)
        for connection in sockets:
            connection.half_open = half_open
        return len(sockets)

    def send_raw(self, frame: str, bearer: str | None = None) -> int:
        sockets = self._sockets(bearer)
        for connection in sockets:
            connection.send(frame.encode())
        return len(sockets)

    async def expire_bearer(self, bearer: str | None = None) -> int:
        sessions = [
            s for s in self._ctx.world.sessions.values() if bearer is None or s.bearer == bearer
        ]
        for session in sessions:
            session.bearer_valid = False
        return await self.close_sockets(4401, bearer) if sessions else 0

    def expire_session(self, bearer: str | None = None) -> int:
        sessions = [
            s for s in self._ctx.world.sessions.values() if bearer is None or s.bearer == bearer
        ]
        for session in sessions:
            session.session_valid = False
        return len(sessions)
