"""After a reconnect, fetch what each tracked dialog missed while the socket was down.

:meth:`Backfill.prepare` runs as a new socket is attached: every dialog the ledger tracks starts
holding its live events. The function it returns runs once re-subscription is done and asks, per
dialog, ``.ams.ms.QueryMessages`` for the events from the last delivered sequence on, page after
page (``maxQuantity``) until a page comes back short or ``limit`` events were fetched. The events
go through the ledger (so each is delivered once, in sequence order), then the held live ones.

Each dialog ends in one event at ``Subscription#Backfill``: :class:`~rx_lpagent.events.Backfilled`
with its counts, or an :class:`~rx_lpagent.events.ErrorEvent` carrying a
:class:`~rx_lpagent.errors.BackfillError` that names the dialog and the sequence after which
events may be missing (retries exhausted, or the limit reached). A socket lost during a backfill
ends it silently: its dialogs stay held and the next socket backfills them again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
import reactivex
from reactivex import abc
from reactivex import operators as ops
from reactivex.disposable import Disposable, SerialDisposable

from rx_lpagent.agent._ledger import ONLINE_EVENT, DialogLedger, event_key
from rx_lpagent.errors import BackfillError, MalformedFrameError, redact
from rx_lpagent.events import AgentEvent, Backfilled, Context, ErrorEvent, Location, Retrying
from rx_lpagent.flows.report import as_sdk_error
from rx_lpagent.protocol import wire_types as wt
from rx_lpagent.protocol.frames import Notification, Response
from rx_lpagent.recovery import Recovery

__all__ = ["PAGE_SIZE", "QUERY_MESSAGES", "Backfill"]

QUERY_MESSAGES = wt.QUERY_MESSAGES
PAGE_SIZE = 100
"""``maxQuantity`` of one history query."""
_CONCURRENT_DIALOGS = 4

Query = Callable[[dict[str, Any]], reactivex.Observable[Response]]
Start = Callable[[abc.SchedulerBase, Recovery | None], None]

_page_decoder = msgspec.json.Decoder(list[msgspec.Raw])


@dataclass
class _Progress:
    newer: int | None
    fetched: int = 0
    delivered: int = 0
    pages: int = 0
    truncated: bool = False


class Backfill:
    """Runs the backfill of each reconnect; at most one round at a time."""

    def __init__(
        self,
        ledger: DialogLedger,
        query: Query,
        emit: Callable[[AgentEvent], None],
        *,
        limit: int,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._ledger = ledger
        self._query = query
        self._emit = emit
        self._limit = limit
        self._page_size = page_size
        self._round = 0
        self._job = SerialDisposable()

    def stop(self) -> None:
        """End the running round (its socket is going away); its dialogs stay held."""
        self._round += 1
        self._job.disposable = Disposable()

    def prepare(self) -> Start:
        """Hold the tracked dialogs' live events now; the result starts the queries."""
        self.stop()
        work = self._ledger.begin_backfill()
        round_ = self._round

        def start(scheduler: abc.SchedulerBase, recovery: Recovery | None) -> None:
            if round_ != self._round or not work:
                return
            dialogs = [self._dialog(d, after, scheduler, recovery) for d, after in work]
            self._job.disposable = (
                reactivex.from_iterable(dialogs)
                .pipe(ops.merge(max_concurrent=_CONCURRENT_DIALOGS))
                .subscribe(scheduler=scheduler)
            )

        return start

    def _dialog(
        self,
        dialog_id: str,
        after: int | None,
        scheduler: abc.SchedulerBase,
        recovery: Recovery | None,
    ) -> reactivex.Observable[bool]:
        progress = _Progress(after)

        def page(_: abc.SchedulerBase | None) -> reactivex.Observable[bool]:
            asked = max(1, min(self._page_size, self._limit - progress.fetched))
            body = {
                "dialogId": dialog_id,
                "newerThanSequence": 0 if progress.newer is None else progress.newer,
                "maxQuantity": asked,
            }

            def take(response: Response) -> bool:
                return self._take_page(dialog_id, progress, response, asked)

            return self._query(body).pipe(ops.map(take))

        pages: reactivex.Observable[bool] = reactivex.defer(page).pipe(
            ops.repeat(), ops.take_while(bool)
        )
        if recovery is not None:
            pages = pages.pipe(recovery.retry_backfill(scheduler, on_retry=self._announce_retry))

        def done() -> None:
            held = self._ledger.end_backfill(dialog_id)
            if progress.truncated:
                self._report_gap(
                    dialog_id,
                    progress,
                    f"stopped at its limit of {self._limit} events",
                    None,
                )
                return
            self._emit(
                Backfilled(
                    dialog_id=dialog_id,
                    fetched=progress.fetched,
                    delivered=progress.delivered,
                    held=held,
                    pages=progress.pages,
                )
            )

        def failed(error: Exception, _: reactivex.Observable[bool]) -> reactivex.Observable[bool]:
            self._ledger.end_backfill(dialog_id)
            reason = f"failed: {type(error).__name__}: {redact(str(error))}"
            self._report_gap(dialog_id, progress, reason, error)
            return reactivex.empty()

        return pages.pipe(ops.do_action(on_completed=done), ops.catch(failed))

    def _announce_retry(self, policy: str, attempt: int, delay: float, error: Exception) -> None:
        self._emit(
            Retrying(attempt, delay, as_sdk_error(error, None), Context(Location.BACKFILL), policy)
        )

    def _take_page(
        self, dialog_id: str, progress: _Progress, response: Response, asked: int
    ) -> bool:
        """Deliver one page; whether to ask for the next one."""
        try:
            events = _page_decoder.decode(response.body)
        except (msgspec.DecodeError, UnicodeError, ValueError, TypeError) as exc:
            raise MalformedFrameError(
                f"invalid {QUERY_MESSAGES} reply: {exc}", error=exc, raw=bytes(response.body)
            ) from exc
        keyed: list[tuple[int, Notification]] = []
        for raw in events:
            key = event_key(raw)
            if key is not None and key.dialog_id == dialog_id and key.sequence is not None:
                keyed.append((key.sequence, Notification(ONLINE_EVENT, raw)))
        progress.pages += 1
        progress.fetched += len(events)
        progress.delivered += self._ledger.backfilled(dialog_id, keyed)
        top = max((sequence for sequence, _ in keyed), default=None)
        advanced = top is not None and (progress.newer is None or top > progress.newer)
        if advanced:
            progress.newer = top
        full = len(events) >= asked
        if full and advanced and progress.fetched < self._limit:
            return True
        progress.truncated = full
        return False

    def _report_gap(
        self, dialog_id: str, progress: _Progress, reason: str, error: Exception | None
    ) -> None:
        after = progress.newer
        since = "any sequence" if after is None else f"sequence {after}"
        error_ = BackfillError(
            f"backfill of dialog {dialog_id} {reason}; events after {since} may be missing",
            dialog_id,
            after,
            error,
        )
        self._emit(ErrorEvent(error_, Context(Location.BACKFILL)))
