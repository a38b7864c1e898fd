"""How long 10,000 retries take in virtual time: ours against RxPY's own ``retry``.

Run ``python -m rx_lpagent.bench.retry [--retries N] [--repeat R]``. Each case subscribes a
source that fails synchronously, on a fresh ``TestScheduler``, and runs it to its end; the best of
``--repeat`` runs is printed with its ratio to the baseline, RxPY's ``retry(N + 1)`` (which
cannot wait between attempts, so it is the floor for resubscribing alone).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from reactivex import Observable, abc
from reactivex import operators as ops
from reactivex.disposable import Disposable
from reactivex.testing import TestScheduler

from rx_lpagent.cli._support import Parser, plain, progress
from rx_lpagent.errors import ServerError
from rx_lpagent.rx import Backoff, retry_when, retry_with_backoff

Pipeline = Callable[[Observable[Any], int], Observable[Any]]


def _rxpy_retry(source: Observable[Any], retries: int) -> Observable[Any]:
    return source.pipe(ops.retry(retries + 1))


def _retry_when_immediate(source: Observable[Any], retries: int) -> Observable[Any]:
    def notifier(errors: Observable[Exception]) -> Observable[int]:
        seen = 0

        def signal(error: Exception) -> int:
            nonlocal seen
            seen += 1
            if seen > retries:
                raise error
            return seen

        return errors.pipe(ops.map(signal))

    return source.pipe(retry_when(notifier))


def _retry_with_backoff(source: Observable[Any], retries: int) -> Observable[Any]:
    policy = Backoff(initial=0.001, ratio=1.5, max_delay=0.5, max_attempts=retries)
    return source.pipe(retry_with_backoff(policy))


CASES: dict[str, Pipeline] = {
    "RxPY retry(n) (baseline, no delay)": _rxpy_retry,
    "retry_when, immediate notifier": _retry_when_immediate,
    "retry_with_backoff, timed": _retry_with_backoff,
}


def _run_once(pipeline: Pipeline, retries: int) -> tuple[float, int]:
    attempts = 0

    failure = ServerError("busy", 503)

    def fail_at_once(
        observer: abc.ObserverBase[Any], _: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        nonlocal attempts
        attempts += 1
        observer.on_error(failure)
        return Disposable()

    scheduler = TestScheduler()
    source: Observable[Any] = Observable(fail_at_once)
    started = time.perf_counter()
    pipeline(source, retries).subscribe(on_error=lambda _: None, scheduler=scheduler)
    scheduler.start()
    return time.perf_counter() - started, attempts - 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = Parser(prog="python -m rx_lpagent.bench.retry", description=plain(__doc__))
    parser.add_argument("--retries", type=int, default=10_000, help="retries per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per pipeline (best is kept)")
    args = parser.parse_args(argv)
    print(f"{args.retries:,} retries in virtual time (best of {args.repeat}):")
    baseline: float | None = None
    with progress("bench retry", len(CASES)) as step:
        results = {}
        for name, pipeline in CASES.items():
            step(name)
            results[name] = [_run_once(pipeline, args.retries) for _ in range(args.repeat)]
    for name, runs in results.items():
        best = min(seconds for seconds, _ in runs)
        retried = runs[0][1]
        baseline = best if baseline is None else baseline
        print(
            f"  {name:<38} {best:8.3f} s  {best / max(retried, 1) * 1e6:7.1f} us/retry"
            f"  x{best / baseline:5.2f}  ({retried:,} retries)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
