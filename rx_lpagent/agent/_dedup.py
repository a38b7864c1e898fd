"""Exactly-once per dialog: a sequence high-water mark plus a small window of recent sequences.

The messaging service delivers at least once (a backfill after a reconnect overlaps what arrived
live), so the agent drops what it already delivered. The state per dialog is two integers: the
highest sequence delivered and a bitmask of which of the ``size`` sequences below it were
delivered too. A sequence more than ``size`` below the mark counts as delivered: an event that
late is taken as a repeat, never delivered twice (see README "Delivery guarantees").
"""

from __future__ import annotations

__all__ = ["DEFAULT_WINDOW", "DedupWindow"]

DEFAULT_WINDOW = 64


class DedupWindow:
    """Which sequences of one dialog were delivered: ``admit`` says whether one is new."""

    __slots__ = ("_mask", "_seen", "high_water", "size")

    def __init__(self, size: int = DEFAULT_WINDOW) -> None:
        if size < 1:
            raise ValueError(f"a de-duplication window holds at least 1 sequence, not {size}")
        self.size = size
        self._mask = (1 << size) - 1
        self.high_water: int | None = None
        """The highest sequence admitted, None before the first."""
        self._seen = 0  # bit k: high_water - k was admitted

    def admit(self, sequence: int) -> bool:
        """True (and remember it) if ``sequence`` was not admitted before; False for a repeat."""
        high = self.high_water
        if high is not None and sequence == high + 1:  # the usual case: the next one
            self._seen = ((self._seen << 1) | 1) & self._mask
            self.high_water = sequence
            return True
        if high is None or sequence > high:
            shift = self.size if high is None else min(sequence - high, self.size)
            self._seen = ((self._seen << shift) | 1) & self._mask
            self.high_water = sequence
            return True
        offset = high - sequence
        if offset >= self.size:
            return False
        bit = 1 << offset
        if self._seen & bit:
            return False
        self._seen |= bit
        return True

    def seen(self, sequence: int) -> bool:
        """Whether ``sequence`` counts as delivered already (without admitting it)."""
        high = self.high_water
        if high is None or sequence > high:
            return False
        offset = high - sequence
        return offset >= self.size or bool(self._seen & (1 << offset))

    def __repr__(self) -> str:
        return f"DedupWindow(high_water={self.high_water}, size={self.size})"
