from __future__ import annotations

import logging

import pytest

from rx_lpagent.agent._bus import Bus, StateCell


def test_a_raising_subscriber_does_not_break_the_stream(caplog: pytest.LogCaptureFixture) -> None:
    bus: Bus[int] = Bus("events")
    seen_first: list[int] = []
    seen_last: list[int] = []
    bus.subscribe(seen_first.append)

    def explode(value: int) -> None:
        raise RuntimeError(f"subscriber bug on {value}")

    bus.subscribe(explode)
    bus.subscribe(seen_last.append)
    with caplog.at_level(logging.ERROR, logger="rx_lpagent.events"):
        bus.emit(1)
        bus.emit(2)
    assert seen_first == [1, 2]
    assert seen_last == [1, 2]
    assert "subscriber bug" in caplog.text


def test_bus_never_completes_until_closed_and_then_completes_everyone() -> None:
    bus: Bus[int] = Bus()
    completed: list[str] = []
    bus.subscribe(on_completed=lambda: completed.append("early"))
    bus.emit(1)
    assert completed == []
    bus.close()
    bus.emit(2)
    bus.subscribe(on_completed=lambda: completed.append("late"))
    assert completed == ["early", "late"]
    assert bus.observer_count == 0


def test_dispose_unsubscribes() -> None:
    bus: Bus[int] = Bus()
    seen: list[int] = []
    subscription = bus.subscribe(seen.append)
    bus.emit(1)
    subscription.dispose()
    bus.emit(2)
    assert seen == [1]
    assert bus.observer_count == 0


def test_state_cell_replays_the_current_value_and_reports_changes_only() -> None:
    cell = StateCell("idle")
    seen: list[str] = []
    cell.changes.subscribe(seen.append)
    assert cell.set("connecting")
    assert not cell.set("connecting")
    cell.set("connected")
    late: list[str] = []
    cell.changes.subscribe(late.append)
    assert seen == ["idle", "connecting", "connected"]
    assert late == ["connected"]
    assert cell.value == "connected"
    done: list[bool] = []
    cell.changes.subscribe(on_completed=lambda: done.append(True))
    cell.close()
    assert done == [True]
