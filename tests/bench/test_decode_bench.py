"""The decode benchmark runs (its timings are printed, never asserted)."""

from __future__ import annotations

import pytest

from rx_lpagent.bench import decode


def test_the_benchmark_runs_and_reports_three_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert decode.main(["--number", "20"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"input: {len(decode.FRAME)} bytes")
    assert [line.split("  ")[0] for line in lines[1:]] == [
        "json.loads (untyped dicts)",
        "typed: frame + body + event",
        "Node view: frame + transform",
    ]
