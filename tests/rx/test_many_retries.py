"""10,000 timed retries in virtual time: flat memory, flat stack, and a clean dispose."""

from __future__ import annotations

import gc
import sys
from types import FrameType

from reactivex import Observable, abc
from reactivex.disposable import Disposable
from reactivex.testing import TestScheduler

from rx_lpagent.errors import ServerError
from rx_lpagent.rx import Backoff, retry_with_backoff

BUSY = ServerError("busy", 503)
RETRIES = 10_000
SAMPLES = (1_000, RETRIES)


def _stack_depth() -> int:
    frame: FrameType | None = sys._getframe()
    depth = 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def test_ten_thousand_retries_keep_memory_and_stack_flat_and_dispose_cleanly() -> None:
    scheduler = TestScheduler()
    attempts = 0
    live = 0
    memory: dict[int, int] = {}
    depth: dict[int, int] = {}

    def flaky(
        observer: abc.ObserverBase[str], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        nonlocal attempts, live
        attempts += 1
        live += 1
        if attempts in SAMPLES:
            gc.collect()
            memory[attempts] = sys.getallocatedblocks()
            depth[attempts] = _stack_depth()
        observer.on_error(BUSY)

        def release() -> None:
            nonlocal live
            live -= 1

        return Disposable(release)

    policy = Backoff(initial=0.001, ratio=1.0, max_attempts=RETRIES + 5)
    retried = Observable(flaky).pipe(retry_with_backoff(policy))
    failures: list[Exception] = []
    subscription = retried.subscribe(on_error=failures.append, scheduler=scheduler)
    scheduler.advance_to(RETRIES * 0.001 + 0.0005)  # attempt 10,001 ran, its retry pending
    subscription.dispose()
    scheduler.start()  # drains the queue: the cancelled retry must not run

    assert attempts == RETRIES + 1
    assert failures == []
    assert live == 0
    assert depth[1_000] == depth[RETRIES]
    # a leak of even one object per retry would add 9,000 blocks
    assert memory[RETRIES] - memory[1_000] < 500, memory
