"""The demo plays its story against the embedded emulator and ends with the summary."""

from __future__ import annotations

import pytest

from rx_lpagent.cli import main


def test_the_scripted_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--plain", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    for line in (
        "error Connect#CSDS",
        "retry connect #1",
        "ok    RefreshSession#Relogin#WS",
        "socket closed (code 1006)",
        "socket closed (code 4401)",
        "error Reconnect#Relogin#WS  code=429",
        "consumer says 'still there?'",
    ):
        assert line in out, line
    assert "messages handled: 3" in out
    # re-subscriptions cut short by the 4401 close are redone on the next socket, not errors
    assert "Subscription#Resubscribe" not in out
    assert "Connect#CSDS" in out.split("location")[-1]


def test_the_demo_with_a_bundled_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--plain", "--scenario", "flaky-login", "--duration", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "scenario flaky-login" in out
    assert "messages handled:" in out
