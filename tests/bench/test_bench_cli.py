"""``python -m rx_lpagent bench NAME`` finds and runs the benchmark scripts."""

from __future__ import annotations

import pytest

from rx_lpagent.bench.cli import available
from rx_lpagent.cli import main


def test_every_benchmark_module_is_offered() -> None:
    assert {"decode", "retry", "transports", "emulator"} <= set(available())


def test_bench_runs_a_benchmark_with_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "decode", "--number", "10"]) == 0
    assert "json.loads" in capsys.readouterr().out
