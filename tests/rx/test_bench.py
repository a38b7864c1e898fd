"""The retry benchmark runs (its numbers are printed, not asserted)."""

from __future__ import annotations

import pytest

from rx_lpagent.bench import retry


def test_the_retry_benchmark_runs_and_reports_every_case(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert retry.main(["--retries", "50", "--repeat", "1"]) == 0
    report = capsys.readouterr().out
    assert report.count("(50 retries)") == len(retry.CASES)
