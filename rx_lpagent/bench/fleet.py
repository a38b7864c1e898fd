"""Many agents in one Fleet against the emulator running in a process of its own.

    python -m rx_lpagent bench fleet [--agents N] [--accounts N] [--idle SECONDS] [--gc-threshold N]

Adds N agents (default 10,000, spread over ``--accounts`` accounts) to one
:class:`~rx_lpagent.fleet.Fleet` with its default limits and the default keep-alive, and
measures: the time until all are connected, the RSS of this process, its CPU while idle with
keep-alive running, the number of aiohttp sessions, and, after the emulator drops every socket
at once (1006), the spread of the agents' first reconnect attempts (the socket handshakes the
emulator saw) and the time until all are connected again. Prints the figures next to the
targets for 10,000 agents; asserts nothing.

It also prints the CPU time this process spent connecting them, how long CPython's cyclic
garbage collector ran meanwhile (a fleet's heap only grows then, and every full collection walks
all of it), and how many objects the collector tracks once all are connected.
``--gc-threshold N`` sets the collector's first threshold (``gc.set_threshold(N)``; CPython's
default is 700), a setting of the process a deployment may choose: see README "Running a fleet".

Measured on a shared 2-core machine (other jobs running; wall times vary by ~20% between runs),
10,000 agents, default limits and GC, Python 3.11:

==========================  ==========  ============  ========
figure                      before      after         target
==========================  ==========  ============  ========
all connected               71.8 s      48.4, 46.4 s  < 60 s
  CPU of this process       -           32.3, 27.7 s
  cyclic GC                 21.5 s      13.0, 10.1 s
objects tracked per agent   ~210        200, 195
idle CPU, keep-alive on     7.0-9.4%    2.2, 2.0%     < 5%
RSS                         361 MB      344, 340 MB   < 600 MB
peak RSS (mass reconnect)   0.8-1.0 GB  595, 587 MB
==========================  ==========  ============  ========

("before" is the last figures of issue #16; "after" two runs, the first timing the collector in
wall-clock seconds, the second in CPU seconds. Their reconnects: first attempts spread over
22.1 and 16.6 s, all connected again 41.1 and 38.1 s after the drop, at most 1 socket per
agent user.) With the cuts below but not yet the first one, a run took 79.7 s for 37.9 s of
CPU: the connects were waiting, not computing.

What made the difference, each measured with this benchmark at 1,000-2,000 agents:

* The connect jitter is waited before an agent takes one of the 100 places in flight. Waited
  inside, 1 s of jitter capped the fleet at ~150 connects/s (100 places / (0.5 s + the attempt)),
  below its login pace of 250/s: 2,000 agents took 12.4 s, now 8.1 s (the login pace's 8 s).
* Keep-alive rounds run on a timer wheel shared by every agent on the loop
  (``rx_lpagent.agent._wheel``): each timer may fire up to 1/30 of its delay (at most 1 s)
  late, so the rounds of many agents run from one loop callback and their answers come back
  together, instead of one wake-up of the process per request. CPU per round at 2,000 idle
  agents: ~240 us -> ~70 us (user + system).
* The fleet's per-agent plumbing is plain: the paced login and socket waits, the CSDS cache's
  answer and the start of each connect are loop timers and direct observers instead of Rx
  ``timer``/``take``/``flat_map``/``defer`` pipelines, and the flows chain their steps with a
  one-subscription ``then`` instead of ``flat_map`` (four subscriptions each). Objects the
  collector saw allocated per connect: ~800 -> ~320; full collections while connecting 1,000
  agents: 9 -> 3; the connect's CPU for 1,000 agents: 4.1 s -> 2.1 s.

Not in the idle figure: the periodic session refresh (every 600 s by default) starts 600 s
after each connect, after this benchmark's idle window. Measured with a 60 s refresh at 2,000
agents, a refresh round costs ~1.3 ms of CPU, so at 10,000 agents and 600 s it would add
~2% of a core in the steady state (REST calls and the refresh flow's Rx pipeline, in the agent
and the transport).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import resource
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass

import aiohttp

from rx_lpagent.agent import AgentState
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.events import AgentEvent, Location, at_location
from rx_lpagent.fleet import AgentKey, Fleet, FleetEvent

__all__ = ["main"]


def _accounts(count: int) -> list[str]:
    return [str(1_000_000 + number) for number in range(count)]


def _user(number: int) -> tuple[str, str]:
    return f"bench-bot-{number}", f"bench-secret-{number}"


def _raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# -- the emulator's process ---------------------------------------------------------------------


async def _serve_emulator(agents: int, accounts: int) -> None:
    from rx_lpagent.emulator import Emulator

    _raise_file_limit()
    names = _accounts(accounts)
    async with Emulator(account=names[0], idle_timeout=None) as emulator:
        for number in range(agents):
            name, password = _user(number)
            emulator.add_agent(name, password, account=names[number % accounts])
        print(f"csds_domain: {emulator.csds_domain}", flush=True)
        print(f"base_url: {emulator.base_url}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


@dataclass
class _Emulator:
    csds_domain: str
    base_url: str


@contextlib.asynccontextmanager
async def _emulator_process(agents: int, accounts: int) -> AsyncIterator[_Emulator]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "rx_lpagent.bench.fleet",
        "--serve-emulator",
        "--agents",
        str(agents),
        "--accounts",
        str(accounts),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        info: dict[str, str] = {}
        while not {"csds_domain", "base_url"} <= info.keys():
            line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode()
            if not line:
                raise RuntimeError("the emulator process exited before printing its address")
            name, _, value = line.strip().partition(": ")
            info[name] = value
        yield _Emulator(info["csds_domain"], info["base_url"])
    finally:
        if process.stdin is not None:
            process.stdin.close()  # its stdin ends: it stops
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


# -- this process -------------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _sessions() -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, aiohttp.ClientSession))


async def _until(fleet: Fleet, connected: int, within: float) -> float:
    """Seconds until ``connected`` agents are; raises after ``within``."""
    started = time.perf_counter()
    done = asyncio.get_running_loop().create_future()

    def check(counts: Mapping[AgentState, int]) -> None:
        if counts[AgentState.CONNECTED] >= connected and not done.done():
            done.set_result(None)

    check(fleet.counts)
    subscription = fleet.count_changes.subscribe(check)
    try:
        await asyncio.wait_for(done, within)
    finally:
        subscription.dispose()
    return time.perf_counter() - started


async def _control(base_url: str, method: str, path: str, body: object = None) -> object:
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, f"{base_url}/_emulator/{path}", json=body) as response,
    ):
        response.raise_for_status()
        return await response.json()


class _GcClock:
    """CPU seconds the cyclic garbage collector ran, while installed in ``gc.callbacks``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full_collections = 0
        self._started = 0.0

    def __call__(self, phase: str, info: Mapping[str, int]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started
            self.full_collections += info["generation"] == 2

    @contextlib.contextmanager
    def running(self) -> Iterator[_GcClock]:
        gc.callbacks.append(self)
        try:
            yield self
        finally:
            gc.callbacks.remove(self)


@dataclass
class Figures:
    agents: int
    connect_s: float
    connect_cpu_s: float
    connect_gc_s: float
    full_collections: int
    tracked_objects: int
    rss_mb: float
    idle_cpu: float
    sessions: int
    reconnect_spread_s: float
    attempts_spread_s: float
    reconnect_attempts: int
    reconnected_s: float
    peak_rss_mb: float
    peak_sockets: int


async def _run(args: argparse.Namespace) -> Figures:
    _raise_file_limit()
    count = args.agents
    async with _emulator_process(count, args.accounts) as emulator, Fleet() as fleet:
        names = _accounts(args.accounts)
        for number in range(count):
            name, password = _user(number)
            fleet.add(
                AgentConfig(
                    names[number % args.accounts],
                    PasswordCredentials(name, password),
                    csds_domain=emulator.csds_domain,
                )
            )
        cpu_before = time.process_time()
        with _GcClock().running() as gc_clock:
            connect_s = await _until(fleet, count, args.timeout)
        connect_cpu_s = time.process_time() - cpu_before
        print(
            f"connected {count:,} agents in {connect_s:.1f} s ({connect_cpu_s:.1f} s CPU)",
            flush=True,
        )
        tracked = len(gc.get_objects())

        gc.collect()
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        await asyncio.sleep(args.idle)
        idle_cpu = (time.process_time() - cpu_before) / (time.perf_counter() - wall_before)
        rss_mb, sessions = _rss_mb(), _sessions()
        print(f"idle {args.idle:.0f} s: CPU {idle_cpu:.1%} of a core, RSS {rss_mb:.0f} MB")

        await _control(emulator.base_url, "DELETE", "calls")
        started: dict[AgentKey, float] = {}  # each agent's first reconnect attempt, client side

        def note(event: AgentEvent) -> None:
            if isinstance(event, FleetEvent):
                started.setdefault(event.agent, time.perf_counter())

        watching = fleet.events.pipe(at_location(Location.RECONNECT_CSDS)).subscribe(note)
        dropped_at = time.perf_counter()
        await _control(emulator.base_url, "POST", "sockets/close", {"code": 1006})
        await asyncio.sleep(1.0)  # reconnects wait 1 s at least: the drop has been seen
        try:
            await _until(fleet, count, args.timeout)
        except TimeoutError:
            print(f"only {fleet.counts[AgentState.CONNECTED]:,} reconnected in {args.timeout} s")
        reconnected_s = time.perf_counter() - dropped_at
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        watching.dispose()
        attempts_spread = max(started.values()) - min(started.values()) if started else 0.0
        calls = await _control(emulator.base_url, "GET", "calls")
        assert isinstance(calls, list)
        handshakes = sorted(call["time"] for call in calls if call["endpoint"] == "ws")
        spread = handshakes[-1] - handshakes[0] if handshakes else 0.0
        sockets = await _control(emulator.base_url, "GET", "sockets")
        assert isinstance(sockets, dict)
        peak = max(sockets["peak"].values(), default=0)
    return Figures(
        count,
        connect_s,
        connect_cpu_s,
        gc_clock.seconds,
        gc_clock.full_collections,
        tracked,
        rss_mb,
        idle_cpu,
        sessions,
        spread,
        attempts_spread,
        len(handshakes),
        reconnected_s,
        peak_rss_mb,
        peak,
    )


def report(figures: Figures) -> str:
    per_thousand = figures.agents / 1000
    return "\n".join(
        [
            f"{figures.agents:,} agents in one Fleet (default limits), emulator in a process"
            " of its own:",
            f"  all connected          {figures.connect_s:8.1f} s    (target for 10,000: < 60 s)",
            f"    CPU of this process  {figures.connect_cpu_s:8.1f} s",
            f"    of which the cyclic GC {figures.connect_gc_s:6.1f} s    "
            f"({figures.full_collections} full collections; gc thresholds {gc.get_threshold()})",
            f"  objects the GC tracks  {figures.tracked_objects:8,d}   "
            f"({figures.tracked_objects / figures.agents:.0f} per agent, when all connected)",
            f"  RSS                    {figures.rss_mb:8.0f} MB   (< 600 MB; "
            f"{figures.rss_mb * 1024 / figures.agents:.0f} KiB per agent)",
            f"  idle CPU, keep-alive on {figures.idle_cpu:7.1%} of a core (< 5%)",
            f"  aiohttp sessions       {figures.sessions:8d}      (a few)",
            f"  first reconnects spread {figures.reconnect_spread_s:7.1f} s over "
            f"{figures.reconnect_attempts:,} socket handshakes the emulator saw "
            f"(>= {per_thousand:.1f} s: 1 s per 1,000 agents)",
            f"  reconnect flows began  {figures.attempts_spread_s:8.1f} s apart, first to last "
            "(client side: jitter)\n"
            f"  all connected again    {figures.reconnected_s:8.1f} s after the drop",
            f"  peak RSS (any time)    {figures.peak_rss_mb:8.0f} MB",
            f"  most sockets one agent user ever had at once: {figures.peak_sockets}",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rx_lpagent bench fleet", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=100, help="agents spread over these")
    parser.add_argument("--idle", type=float, default=30.0, help="idle seconds measured")
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after (seconds)")
    parser.add_argument(
        "--gc-threshold",
        type=int,
        default=None,
        help="gc.set_threshold(N) in this process first (CPython's default: 700)",
    )
    parser.add_argument("--serve-emulator", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_emulator:
        asyncio.run(_serve_emulator(args.agents, args.accounts))
        return 0
    if args.gc_threshold is not None:
        gc.set_threshold(args.gc_threshold, *gc.get_threshold()[1:])
    print(report(asyncio.run(_run(args))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
