"""The fleet benchmark runs end to end with a few agents; it asserts no speed."""

from __future__ import annotations

import pytest

from rx_lpagent.cli import main


def test_the_fleet_benchmark_prints_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "fleet", "--agents", "20", "--accounts", "2", "--idle", "0.2"]) == 0
    printed = capsys.readouterr().out
    figures = (
        "all connected",
        "cyclic GC",
        "RSS",
        "idle CPU",
        "aiohttp sessions",
        "reconnects spread",
    )
    for figure in figures:
        assert figure in printed
    assert "most sockets one agent user ever had at once: 1" in printed
