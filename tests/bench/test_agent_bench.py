"""The agent benchmark runs end to end (tiny counts); it asserts no speed."""

from __future__ import annotations

import pytest

from rx_lpagent.bench import agent as bench


def test_the_benchmark_prints_every_client_and_the_ratios(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--count", "300", "--requests", "30", "--rounds", "1", "--in-process"]
    assert bench.main([*argv, "--server", "emulator"]) == 0
    printed = capsys.readouterr().out
    assert "emulator in this process" in printed
    for name in bench.CLIENTS:
        # a row of figures; an Agent's also a row of ratios to each reference
        assert printed.count(name) == (1 if name in bench.BARE else 3)
    assert "ratio to the faster bare client" in printed
    assert "ratio to the bare client on the same socket library" in printed
    assert f"the Agent's default transport: {bench.DEFAULT_TRANSPORT}" in printed


def test_the_benchmark_runs_against_the_fast_server_in_a_process_of_its_own(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--count", "300", "--requests", "30", "--in-flight", "50", "--rounds", "1"]
    assert bench.main([*argv, "--server", "fast"]) == 0
    printed = capsys.readouterr().out
    assert "fast server in a separate process" in printed
    for name in bench.CLIENTS:
        assert printed.count(name) == (1 if name in bench.BARE else 3)


def test_only_keeps_working_with_the_fast_server(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--count", "300", "--requests", "30", "--in-flight", "50", "--rounds", "1"]
    assert bench.main([*argv, "--server", "fast", "--in-process", "--only", "websockets"]) == 0
    printed = capsys.readouterr().out
    assert "fast server in this process" in printed
    assert "Agent (websockets)" in printed
    assert "Agent (aiohttp)" not in printed
