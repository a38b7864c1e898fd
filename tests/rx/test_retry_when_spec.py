"""retry_when behaves as RxJS's retryWhen (7.x), case by case, in virtual time.

Each test draws one behaviour pinned by RxJS's own specification of ``retryWhen`` with our
marble helper, including when the source and the notifier's output are subscribed and
disposed. The notifier runs only from the source's first error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import reactivex
from reactivex import Observable, abc
from reactivex import operators as ops
from reactivex.disposable import Disposable

from rx_lpagent.rx import retry_when
from tests.rx.marbles import Marbles, Tracked, subscriptions

BAD = ValueError("bad")
DONE = ValueError("done")
NOTIFIER_FAILED = ValueError("notifier failed")


def _fail_on_3(value: int) -> int:
    if value == 3:
        raise BAD
    return value


@dataclass(frozen=True)
class Case:
    """A source and a notifier (cold unless said hot), what the result gives, who subscribed."""

    source: str
    notifier: str
    expected: str
    source_subs: tuple[str, ...]
    notifier_subs: tuple[str, ...] = ()
    unsub: str | None = None
    hot_source: bool = False
    hot_notifier: bool = False
    chained: bool = False
    """Operators on both sides of ``retry_when``, whose unsubscription must reach through."""


NEVER_41 = "-----------------------------------------!"
CASES = [
    # mirroring: a source that does not fail never meets the notifier
    pytest.param(Case("|", "|", "|", ("(^!)",)), id="empty source, empty notifier"),
    pytest.param(Case("|", "-", "|", ("(^!)",)), id="empty source, never notifier"),
    pytest.param(
        Case("-", "|", "-", ("^" + NEVER_41[1:],), unsub=NEVER_41),
        id="never source, empty notifier, unsubscribed",
    ),
    pytest.param(
        Case("-", "-", "-", ("^" + NEVER_41[1:],), unsub=NEVER_41),
        id="never source, never notifier, unsubscribed",
    ),
    pytest.param(
        Case("--a--b--c--|", "|", "--a--b--c--|", ("^----------!",)),
        id="cold source that completes, empty notifier",
    ),
    pytest.param(
        Case("--a--b--c---", "|", "--a--b--c---", ("^-----------",)),
        id="cold source that never ends, empty notifier",
    ),
    pytest.param(
        Case("-a-^--b--c--|", "|", "---b--c--|", ("^--------!",), hot_source=True),
        id="hot source that completes, empty notifier",
    ),
    pytest.param(
        Case("-1--2--3--|", "-r-r-r-r-r--r|", "-1--2--3--|", ("^---------!",), hot_notifier=True),
        id="hot notifier emitting before any error",
    ),
    # the first error: the notifier is called and its output subscribed, then and only then
    pytest.param(Case("#", "|", "|", ("(^!)",), ("(^!)",)), id="error at once, empty notifier"),
    pytest.param(Case("#", "-", "-", ("(^!)",), ("^",)), id="error at once, never notifier"),
    pytest.param(
        Case("--a--b--c--#", "-", "--a--b--c-----", ("^----------!",), ("-----------^",)),
        id="never notifier hides an eventual error",
    ),
    pytest.param(
        Case("--a--b--c--#", "|", "--a--b--c--|", ("^----------!",), ("-----------(^!)",)),
        id="empty notifier turns an eventual error into completion",
    ),
    # retrying: items of the notifier's output resubscribe; its end ends the result
    pytest.param(
        Case(
            "-1--2--#",
            "-------------r------------r-|",
            "-1--2---------1--2---------1|",
            ("^------!", "-------------^------!", "--------------------------^-!"),
            ("-------^--------------------!",),
            hot_notifier=True,
        ),
        id="hot notifier retries, then completes",
    ),
    pytest.param(
        Case(
            "-1--2--#",
            "-----------r-------r---------#",
            "-1--2-------1--2----1--2-----#",
            ("^------!", "-----------^------!", "-------------------^------!"),
            ("-------^---------------------!",),
            hot_notifier=True,
        ),
        id="hot notifier retries, then fails",
    ),
    # unsubscription disposes the running attempt and the notifier's output
    pytest.param(
        Case(
            "-1--2--#",
            "---------r-------r---------#",
            "-1--2-----1--2----1--",
            ("^------!", "---------^------!", "-----------------^--!"),
            ("-------^------------!",),
            unsub="--------------------!",
            hot_notifier=True,
        ),
        id="unsubscribed early",
    ),
    pytest.param(
        Case(
            "-1--2--#",
            "---------r-------r-------r-#",
            "-1--2-----1--2----1--",
            ("^------!", "---------^------!", "-----------------^--!"),
            ("-------^------------!",),
            unsub="--------------------!",
            hot_notifier=True,
            chained=True,
        ),
        id="unsubscribed early through operators on both sides",
    ),
    # where we part from RxJS on purpose: it would leave the running attempt subscribed next
    # to the new one, both emitting; here one attempt runs at a time
    pytest.param(
        Case(
            "-1--2--#",
            "---------r--r-------|",
            "-1--2-----1--1--2---|",
            ("^------!", "---------^--!", "------------^------!"),
            ("-------^------------!",),
            hot_notifier=True,
        ),
        id="an item during a running attempt replaces it",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_a_source_and_a_notifier_drawn_as_marbles(case: Case) -> None:
    m = Marbles()
    source = m.hot(case.source) if case.hot_source else m.cold(case.source, error=BAD)
    draw = m.hot if case.hot_notifier else m.cold
    notifier = draw(case.notifier, error=NOTIFIER_FAILED)

    def build() -> Observable[Any]:
        if not case.chained:
            return source.pipe(retry_when(lambda _: notifier))
        return source.pipe(
            ops.flat_map(reactivex.of),
            retry_when(lambda _: notifier),
            ops.flat_map(reactivex.of),
        )

    received = m.run(build, case.unsub)

    assert received == m.expected(case.expected, error=NOTIFIER_FAILED)
    assert source.subscriptions == subscriptions(*case.source_subs)
    assert notifier.subscriptions == subscriptions(*case.notifier_subs)


def test_a_notifier_function_that_raises_fails_the_result_at_the_first_error() -> None:
    m = Marbles()
    source = m.cold("--a--b--c--#", error=BAD)
    calls = 0

    def broken(_: Observable[Exception]) -> Observable[Any]:
        nonlocal calls
        calls += 1
        raise NOTIFIER_FAILED

    received = m.run(lambda: source.pipe(retry_when(broken)))

    assert received == m.expected("--a--b--c--#", error=NOTIFIER_FAILED)
    assert received[-1].value.exception is NOTIFIER_FAILED  # type: ignore[union-attr]
    assert source.subscriptions == subscriptions("^----------!")
    assert calls == 1


def test_a_notifier_function_is_called_once_per_subscription_of_the_result() -> None:
    m = Marbles()
    source = m.cold("-1--2--#", error=BAD)
    made: list[float] = []

    def count_errors(errors: Observable[Exception]) -> Observable[Any]:
        made.append(m.scheduler.clock)
        return errors.pipe(ops.take(2))

    received = m.run(lambda: source.pipe(retry_when(count_errors), ops.repeat(2)))

    assert received == m.expected("-1--2---1--2---1--2---1--2--|")
    assert made == [107.0, 121.0]


# -- retrying: items of the notifier's output resubscribe


def test_a_hot_source_is_resubscribed_and_its_completion_completes() -> None:
    m = Marbles()
    source = m.hot("   -1--2--3----4--5---|")
    notifier = m.hot(" --------------r--------r---r--r--r---|")
    expected = "       -1--2----------5---|"

    received = m.run(lambda: source.pipe(ops.map(_fail_on_3), retry_when(lambda _: notifier)))

    assert received == m.expected(expected)
    assert source.subscriptions == subscriptions("^------!", "--------------^----!")
    assert notifier.subscriptions == subscriptions("-------^-----------!")


def test_a_notifier_of_errors_retries_until_it_fails() -> None:
    m = Marbles()
    source = m.cold("(123|)")
    retried = False

    def retry_once(error: Exception) -> Exception:
        nonlocal retried
        assert error is BAD
        if retried:
            raise DONE
        retried = True
        return error

    notifiers: list[Tracked[Any]] = []

    def notify(errors: Observable[Exception]) -> Observable[Any]:
        notifiers.append(m.track(errors.pipe(ops.map(retry_once))))
        return notifiers[-1]

    received = m.run(lambda: source.pipe(ops.map(_fail_on_3), retry_when(notify)))

    assert received == m.expected("(1212#)", error=DONE)
    assert source.subscriptions == subscriptions("(^!)", "(^!)")
    assert [n.subscriptions for n in notifiers] == [subscriptions("(^!)")]


def test_an_empty_notifier_completes_at_the_first_error() -> None:
    m = Marbles()
    source = m.cold("(123|)")
    notifier = m.track(reactivex.empty())

    received = m.run(lambda: source.pipe(ops.map(_fail_on_3), retry_when(lambda _: notifier)))

    assert received == m.expected("(12|)")
    assert source.subscriptions == subscriptions("(^!)")
    assert notifier.subscriptions == subscriptions("(^!)")


def test_a_notifier_of_errors_that_eventually_raises_fails_the_result() -> None:
    m = Marbles()
    source = m.cold("-1--2--#", error=BAD)
    invoked = 0

    def signal(_: Exception) -> str:
        nonlocal invoked
        invoked += 1
        if invoked == 3:
            raise NOTIFIER_FAILED
        return "x"

    notifiers: list[Tracked[Any]] = []

    def notify(errors: Observable[Exception]) -> Observable[Any]:
        notifiers.append(m.track(errors.pipe(ops.map(signal))))
        return notifiers[-1]

    received = m.run(lambda: source.pipe(retry_when(notify)))

    assert received == m.expected("-1--2---1--2---1--2--#", error=NOTIFIER_FAILED)
    assert source.subscriptions == subscriptions(
        "^------!",
        "-------^------!",
        "--------------^------!",
    )
    assert [n.subscriptions for n in notifiers] == [subscriptions("-------^-------------!")]


def test_a_notifier_of_errors_that_eventually_completes_completes_the_result() -> None:
    m = Marbles()
    source = m.cold("-1--2--#", error=BAD)
    notifiers: list[Tracked[Any]] = []

    def notify(errors: Observable[Exception]) -> Observable[Any]:
        def count(seen: int, _: Exception) -> int:
            return seen + 1

        def before_third(seen: int) -> bool:
            return seen < 3

        counted: Observable[int] = errors.pipe(ops.scan(count, 0))
        notifiers.append(m.track(counted.pipe(ops.take_while(before_third))))
        return notifiers[-1]

    received = m.run(lambda: source.pipe(retry_when(notify)))

    assert received == m.expected("-1--2---1--2---1--2--|")
    assert source.subscriptions == subscriptions(
        "^------!",
        "-------^------!",
        "--------------^------!",
    )
    assert [n.subscriptions for n in notifiers] == [subscriptions("-------^-------------!")]


# -- synchronous sources


def test_a_failed_attempt_is_finalized_before_the_next_even_when_synchronous() -> None:
    results: list[object] = []

    def failing(
        observer: abc.ObserverBase[int], _: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        observer.on_next(1)
        observer.on_next(2)
        observer.on_error(BAD)
        return Disposable(lambda: results.append("finalizer"))

    m = Marbles()
    source = m.track(Observable(failing))
    notifiers: list[Tracked[bool]] = []

    def three_retries(errors: Observable[Exception]) -> Observable[bool]:
        def answer(error: Exception, index: int) -> bool:
            if index < 3:
                return True
            raise error

        # answers inside the source's on_error, before its subscribe has returned a finalizer
        notifiers.append(m.track(errors.pipe(ops.map_indexed(answer))))
        return notifiers[-1]

    received = m.run(
        lambda: source.pipe(
            retry_when(three_retries), ops.do_action(results.append, results.append)
        )
    )

    assert results == [1, 2, "finalizer"] * 3 + [1, 2, BAD, "finalizer"]
    assert received == m.expected("(12121212#)", error=BAD)
    assert source.subscriptions == subscriptions("(^!)", "(^!)", "(^!)", "(^!)")
    assert [n.subscriptions for n in notifiers] == [subscriptions("(^!)")]


def test_a_synchronous_source_stops_as_soon_as_the_result_is_disposed() -> None:
    m = Marbles()
    produced: list[int] = []

    def counting() -> Any:
        for i in range(10):
            produced.append(i)
            yield i

    source = m.track(reactivex.from_iterable(counting()))
    notifier = m.track(reactivex.of(0))

    received = m.run(lambda: source.pipe(retry_when(lambda _: notifier), ops.take(3)))

    assert produced == [0, 1, 2]
    assert received == m.expected("(012|)")
    assert source.subscriptions == subscriptions("(^!)")
    assert notifier.subscriptions == []
