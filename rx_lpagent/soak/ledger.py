"""What the soak counts: the outcome of every request, and every consumer message delivered."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rx_lpagent.errors import SDKError

__all__ = ["Deliveries", "RequestLedger", "RequestRecord"]


@dataclass
class RequestRecord:
    """One request: how many values it emitted, how many times it ended, its first error."""

    values: int = 0
    endings: int = 0
    error: Exception | None = None
    hung: bool = False
    """No outcome within the soak's bound; a late one does not change that."""

    @property
    def done(self) -> bool:
        return self.endings > 0 and not self.hung


@dataclass
class RequestLedger:
    """The requests of a run; ``hung`` ones got no outcome within the soak's bound."""

    records: list[RequestRecord] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def start(self) -> RequestRecord:
        record = RequestRecord()
        self.records.append(record)
        return record

    def value(self, record: RequestRecord) -> None:
        record.values += 1

    def completed(self, record: RequestRecord) -> None:
        record.endings += 1

    def failed(self, record: RequestRecord, error: Exception) -> None:
        record.endings += 1
        if record.error is None:
            record.error = error
            self.errors[type(error).__name__] += 1

    def give_up_on(self, pending: list[RequestRecord]) -> None:
        for record in pending:
            record.hung = True

    @property
    def hung(self) -> int:
        return sum(1 for r in self.records if r.hung)

    @property
    def ok(self) -> int:
        return sum(1 for r in self.records if r.done and r.error is None and r.values == 1)

    @property
    def typed(self) -> int:
        return sum(1 for r in self.records if r.done and isinstance(r.error, SDKError))

    @property
    def untyped(self) -> int:
        """Failed with something else than an SDKError, or completed without a value."""
        return sum(
            1
            for r in self.records
            if r.done
            and (
                (r.error is not None and not isinstance(r.error, SDKError))
                or (r.error is None and r.values == 0)
            )
        )

    @property
    def twice(self) -> int:
        """Ended more than once, or emitted more than one value."""
        return sum(1 for r in self.records if r.endings > 1 or r.values > 1)


@dataclass
class Deliveries:
    """Consumer messages sent, and how often each (dialog, sequence) reached the subscriber."""

    sent: set[tuple[str, int]] = field(default_factory=set)
    seen: Counter[tuple[str, int]] = field(default_factory=Counter)
    missing: set[tuple[str, int]] = field(default_factory=set)
    """Sent and not delivered (yet)."""

    def send(self, dialog_id: str, sequence: int) -> None:
        key = (dialog_id, sequence)
        self.sent.add(key)
        if key not in self.seen:
            self.missing.add(key)

    def deliver(self, dialog_id: str, sequence: int) -> None:
        key = (dialog_id, sequence)
        self.seen[key] += 1
        self.missing.discard(key)

    @property
    def lost(self) -> int:
        return len(self.missing)

    @property
    def duplicated(self) -> int:
        """Deliveries beyond the first, over every message."""
        return sum(count - 1 for count in self.seen.values() if count > 1)
