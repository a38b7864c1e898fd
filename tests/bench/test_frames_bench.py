"""The frames benchmark runs (its timings are printed, never asserted)."""

from __future__ import annotations

import pytest

from rx_lpagent.bench import frames


@pytest.mark.parametrize("size", [10, 300, 70_000])
def test_the_benchmark_runs_and_reports_every_path(
    capsys: pytest.CaptureFixture[str], size: int
) -> None:
    assert frames.main(["--count", "200", "--size", str(size), "--rounds", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"200 frames of {size} bytes")
    assert len(lines) == 6
    assert all(line.endswith("us/frame") for line in lines[1:])
