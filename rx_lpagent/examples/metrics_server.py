"""Serve an agent's metrics on ``/metrics`` for Prometheus (needs the ``metrics`` extra).

``python -m rx_lpagent.examples.metrics_server [--port 9464] [--duration SECONDS]`` starts the
embedded emulator (whose first domain lookup fails with 503, so a failure is counted too),
connects an agent, asks for the server clock every second through
:meth:`LocationMetrics.timed`, and serves the counters and the latency histogram at
``http://127.0.0.1:PORT/metrics`` until interrupted. With ``LP_ACCOUNT`` and credentials in the
environment (see ``python -m rx_lpagent watch --help``) it watches that account instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from rx_lpagent.agent import Agent
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.emulator import Emulator
from rx_lpagent.metrics import LocationMetrics
from rx_lpagent.recovery import Recovery

__all__ = ["main", "metrics_app", "serve"]

CLOCK_INTERVAL = 1.0
DEFAULT_RECOVERY = Recovery()


def metrics_app(registry: CollectorRegistry) -> web.Application:
    """An aiohttp application answering ``GET /metrics`` with ``registry`` in text format."""

    async def metrics(_: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    return app


async def serve(
    config: AgentConfig,
    *,
    port: int = 9464,
    host: str = "127.0.0.1",
    duration: float | None = None,
    ready: Callable[[str], Awaitable[None] | None] = print,
    registry: CollectorRegistry | None = None,
    recovery: Recovery = DEFAULT_RECOVERY,
) -> None:
    """Connect an agent with ``config``, serve its metrics, poll the clock until ``duration``.

    ``ready(url)`` is called once the agent is connected and ``/metrics`` answers (port 0
    picks a free port).
    """
    registry = CollectorRegistry() if registry is None else registry
    metrics = LocationMetrics(registry)
    runner = web.AppRunner(metrics_app(registry), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound = runner.addresses[0][1]
        async with Agent(config, recovery=recovery) as agent:
            metrics.watch(agent.events)
            await agent.connect()
            waiting = ready(f"http://{host}:{bound}/metrics")
            if waiting is not None:
                await waiting
            loop = asyncio.get_running_loop()
            until = float("inf") if duration is None else loop.time() + duration
            while (remaining := until - loop.time()) > 0:
                with contextlib.suppress(Exception):  # failures are counted, not fatal
                    await agent.get_clock().pipe(metrics.timed(".GetClock"))
                await asyncio.sleep(min(CLOCK_INTERVAL, remaining))
    finally:
        await runner.cleanup()


async def _on_emulator(port: int, duration: float | None) -> None:
    async with Emulator() as lp:
        lp.faults.fail("csds", 503)
        config = AgentConfig(
            lp.account,
            PasswordCredentials(lp.username, lp.password),
            csds_domain=lp.csds_domain,
        )
        # LivePerson's delays in hundredths: the retry after the 503 takes 50 ms, not 5 s
        await serve(
            config,
            port=port,
            duration=duration,
            ready=_announce,
            recovery=Recovery().scaled(0.01),
        )


def _announce(url: str) -> None:
    print(f"serving metrics at {url}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rx_lpagent.examples.metrics_server")
    parser.add_argument("--port", type=int, default=9464, help="port of /metrics (0: free)")
    parser.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this long")
    args = parser.parse_args(argv)
    if os.environ.get("LP_ACCOUNT"):
        coroutine = serve(
            AgentConfig.from_env(), port=args.port, duration=args.duration, ready=_announce
        )
    else:
        coroutine = _on_emulator(args.port, args.duration)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(coroutine)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
