"""``python -m rx_lpagent demo`` in its short scripted mode (the scenario squeezed into about a
second), with rich and in plain text."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rx_lpagent.cli import main


def test_the_short_demo_shows_failures_retries_recovery_and_a_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--duration", "1", "--seed", "3", "--plain"]) == 0
    out = capsys.readouterr().out
    for expected in (
        "ERROR  Connect#CSDS",
        "retry  Connect#CSDS               retry 1 in ",
        "(connect policy, after 503 domainNames)",
        "ok     Connect#WS",
        "RefreshSession#Relogin#WS",
        "socket Closed                     code 1006",
        "retry  Socket#Close               reconnect in ",
        "retry  Reconnect#CSDS             retry 1 in ",
        "ok     Reconnect#Relogin#WS",
        "429 messaging",
        "reply retry 1",
        "bot answered",
        "Outcomes by location",
        "reconnects                       2",
    ):
        assert expected in out, expected
    summary = out.split("Outcomes by location", 1)[1]
    assert "Connect#CSDS                       1         2" in summary


def test_a_scenario_file_and_no_rich(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "rich.console", None)  # as if rich were not installed
    scenario = tmp_path / "drop.json"
    scenario.write_text(
        json.dumps(
            {
                "faults": [{"endpoint": "login", "status": 500}],
                "timeline": [{"at": 0.1, "note": "drop it", "do": "close_sockets", "code": 1011}],
            }
        )
    )
    assert main(["demo", "--scenario", str(scenario), "--duration", "0.5", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "ERROR  Connect#Login" in out
    assert "step   close_sockets              drop it" in out
    assert "code 1011" in out
    assert "┏" not in out


def test_a_bad_scenario_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"timeline": [{"at": 1, "do": "explode"}]}')
    assert main(["demo", "--scenario", str(bad), "--plain"]) == 2
    (error,) = capsys.readouterr().err.splitlines()
    assert error.startswith(f"python -m rx_lpagent demo: error: scenario '{bad}': ")
    assert main(["demo", "--scenario", str(tmp_path / "missing.json"), "--plain"]) == 2
    assert "no scenario file or bundled scenario" in capsys.readouterr().err


def test_an_agent_that_never_connects_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refused = tmp_path / "refused.json"
    refused.write_text('{"faults": [{"endpoint": "login", "status": 401, "times": null}]}')
    assert main(["demo", "--scenario", str(refused), "--duration", "0.3", "--plain"]) == 1
    out = capsys.readouterr().out
    assert "retry 5 in " in out
    assert "(auth policy, after 401 authentication.login)" in out
    assert "ERROR  Recovery#GiveUp" in out
    assert "connect gave up" in out
