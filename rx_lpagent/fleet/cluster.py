"""Agent users split among worker processes with ZooKeeper (kazoo's ``SetPartitioner``).

Every worker joins a party under ``path`` and is handed a share of the agent users (all workers
list the same users); it holds a ZooKeeper lock per agent user while that agent may be connected.
When a worker joins or leaves (or its session expires: the ZooKeeper server ends it after
``session_timeout`` without hearing from the worker) every worker disposes its agents, releases
its locks and takes its new share, connecting those agents only once it holds their locks.

A worker whose connection to ZooKeeper is suspended disposes its agents at once: kazoo suspends
after two thirds of the session timeout without an answer, so the agents are gone before the
server can expire the session and let another worker lock them. Hence one socket per agent user
at most, at any moment, as long as disposing takes less than a third of the session timeout.

Needs the ``[cluster]`` extra (kazoo).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import urllib.parse
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

from rx_lpagent.config import AgentConfig
from rx_lpagent.fleet._fleet import AgentKey, Fleet, agent_key

__all__ = ["DEFAULT_PATH", "ClusterWorker", "member_name"]

_log = logging.getLogger("rx_lpagent.fleet.cluster")

DEFAULT_PATH = "/rx_lpagent/fleet"


def member_name(key: AgentKey) -> str:
    """The agent user as a ZooKeeper node name (a lock is taken under it)."""
    return urllib.parse.quote(f"{key.account}.{key.user}", safe="")


class ClusterWorker:
    """One worker: connects the agents of its share of ``configs`` in ``fleet``.

    ``await worker.run(stop)`` until ``stop`` is set; then its agents are disposed and it leaves
    the party (its locks are released) before returning.
    """

    def __init__(
        self,
        fleet: Fleet,
        configs: Sequence[AgentConfig],
        *,
        hosts: str,
        path: str = DEFAULT_PATH,
        identifier: str | None = None,
        session_timeout: float = 10.0,
        settle: float = 1.0,
        on_change: Callable[[frozenset[AgentKey]], None] | None = None,
    ) -> None:
        """``settle``: how long party membership must stay unchanged before the set is split
        (kazoo's ``time_boundary``); ``on_change`` is told each share this worker takes."""
        self._fleet = fleet
        self._configs = {member_name(agent_key(config)): config for config in configs}
        if len(self._configs) != len(configs):
            raise ValueError("two agent configs log in as the same agent user")
        self._hosts = hosts
        self._path = path.rstrip("/")
        self._identifier = identifier
        self._session_timeout = session_timeout
        self._settle = settle
        self._on_change = on_change
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def run(self, stop: asyncio.Event) -> None:
        from kazoo.client import KazooClient

        self._loop = asyncio.get_running_loop()
        client = KazooClient(hosts=self._hosts, timeout=self._session_timeout)
        await asyncio.to_thread(client.start, self._session_timeout * 3)
        thread = threading.Thread(target=self._drive, args=(client,), name="zk-partitioner")
        thread.start()
        try:
            await stop.wait()
        finally:
            self._stopping.set()
            await asyncio.to_thread(thread.join)
            await self._dispose_all()
            await asyncio.to_thread(_stop_client, client)

    # -- the partitioner, on its own thread -----------------------------------------------------

    def _drive(self, client: Any) -> None:
        changed = threading.Event()
        partitioner: Any = None
        taken: frozenset[str] | None = None
        try:
            while not self._stopping.is_set():
                if partitioner is None or partitioner.failed:
                    self._call(self._dispose_all())
                    taken = None
                    if partitioner is not None:
                        # locks a failed release left behind still belong to a live session
                        _finish(partitioner)
                    joined = self._join(client, changed)
                    if joined is None:
                        self._stopping.wait(0.2)
                    else:
                        partitioner = joined
                    continue
                changed.clear()
                if partitioner.release:
                    self._call(self._dispose_all())
                    taken = None
                    partitioner.release_set()
                    continue
                if partitioner.acquired:
                    share = frozenset(partitioner)
                    if share != taken:
                        taken = share
                        self._call(self._take(share))
                changed.wait(0.2)
        finally:
            if partitioner is not None and not partitioner.failed:
                self._call(self._dispose_all())
                _finish(partitioner)

    def _join(self, client: Any, changed: threading.Event) -> Any:
        from kazoo.exceptions import KazooException

        try:
            return client.SetPartitioner(
                self._path,
                set=tuple(self._configs),
                identifier=self._identifier,
                time_boundary=self._settle,
                max_reaction_time=min(1.0, self._session_timeout / 4),
                state_change_event=changed,
            )
        except KazooException as exc:
            _log.warning("could not join the ZooKeeper party (retrying): %r", exc)
            return None

    def _call(self, coroutine: Any) -> None:
        """Run ``coroutine`` on the worker's loop and wait for it (the partitioner must not go
        on before the agents are gone or started)."""
        assert self._loop is not None
        future: Future[None] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        future.result()

    # -- the agents, on the event loop ----------------------------------------------------------

    async def _take(self, share: frozenset[str]) -> None:
        keys = frozenset(agent_key(self._configs[name]) for name in share)
        await asyncio.gather(*(self._fleet.remove(key) for key in self._fleet if key not in keys))
        for name in sorted(share):
            if agent_key(self._configs[name]) not in self._fleet:
                self._fleet.add(self._configs[name])
        _log.info("this worker now connects %d agent users", len(keys))
        if self._on_change is not None:
            self._on_change(keys)

    async def _dispose_all(self) -> None:
        if len(self._fleet):
            _log.info("disposing %d agents before releasing them", len(self._fleet))
        await asyncio.gather(*(self._fleet.remove(key) for key in self._fleet))


def _finish(partitioner: Any) -> None:
    from kazoo.exceptions import KazooException

    try:
        partitioner.finish()
    except KazooException as exc:
        _log.warning("could not leave the ZooKeeper party cleanly: %r", exc)


def _stop_client(client: Any) -> None:
    client.stop()
    client.close()
