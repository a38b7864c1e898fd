"""``python -m rx_lpagent watch``: help without credentials, a clear exit 2 without them, and a
watch of the emulator through the LP_* variables."""

from __future__ import annotations

import io

import pytest

from rx_lpagent.cli import main
from rx_lpagent.cli._console import LineConsole
from rx_lpagent.cli.watch import watch
from rx_lpagent.config import AgentConfig
from rx_lpagent.emulator import Emulator
from rx_lpagent.recovery import Recovery

FAST = Recovery().scaled(0.001)
"""The shipped policy in milliseconds: the retries show, the test stays short."""

LP_VARIABLES = (
    "LP_ACCOUNT",
    "LP_USER",
    "LP_PASS",
    "LP_APP_KEY",
    "LP_SECRET",
    "LP_ACCESS_TOKEN",
    "LP_ACCESS_TOKEN_SECRET",
    "LP_ASSERTION",
    "LP_TOKEN",
    "LP_USER_ID",
    "LP_CSDS",
)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LP_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_credentials")
def test_help_needs_no_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["watch", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "LP_ACCOUNT" in out
    assert "LP_CSDS" in out
    assert "--duration" in out


@pytest.mark.usefixtures("no_credentials")
def test_without_credentials_it_exits_2_naming_the_variables(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["watch"]) == 2
    err = capsys.readouterr().err
    assert "LP_ACCOUNT is not set" in err
    for name in ("LP_USER", "LP_PASS", "LP_APP_KEY", "LP_TOKEN"):
        assert name in err
    monkeypatch.setenv("LP_ACCOUNT", "1234567")
    assert main(["watch"]) == 2
    assert "no credentials" in capsys.readouterr().err


def lp_environ(lp: Emulator, password: str | None = None) -> dict[str, str]:
    """The LP_* variables that point watch at ``lp`` (with another password if given)."""
    return {
        "LP_ACCOUNT": lp.account,
        "LP_USER": lp.username,
        "LP_PASS": lp.password if password is None else password,
        "LP_CSDS": lp.csds_domain,
    }


@pytest.mark.asyncio
async def test_it_prints_events_and_notifications_of_the_emulator() -> None:
    async with Emulator() as lp:
        environ = lp_environ(lp)
        await lp.consumer().open_conversation()
        out = io.StringIO()
        code = await watch(
            AgentConfig.from_env(environ), LineConsole(plain=True, file=out), duration=0.2
        )
    text = out.getvalue()
    assert code == 0
    assert "ok     Connect#Login" in text
    assert ".ams.aam.ExConversationChangeNotification" in text
    assert lp.password not in text


@pytest.mark.asyncio
async def test_a_refused_login_ends_the_watch_with_1() -> None:
    async with Emulator() as lp:
        environ = lp_environ(lp, password="wrong")
        out = io.StringIO()
        code = await watch(
            AgentConfig.from_env(environ), LineConsole(plain=True, file=out), recovery=FAST
        )
    assert code == 1
    text = out.getvalue()
    assert "ERROR  Connect#Login" in text
    for attempt in range(1, 6):
        assert f"Connect#Login              retry {attempt} in " in text
    assert "(auth policy, after 401 authentication.login)" in text
    assert "ERROR  Recovery#GiveUp" in text
    assert lp.calls.count("login") == 6


@pytest.mark.asyncio
async def test_when_recovery_gives_up_the_watch_ends_with_1() -> None:
    async with Emulator() as lp:
        environ = lp_environ(lp)
        # the first login passes; once the socket is open its token expires, and every login
        # after that is refused: the reconnect cannot succeed
        lp.faults.fail("login", 401, skip=1, times=None)
        lp.faults.expire_bearer_on("ws", after=0.1)
        out = io.StringIO()
        code = await watch(
            AgentConfig.from_env(environ),
            LineConsole(plain=True, file=out),
            duration=30,
            recovery=FAST,
        )
        assert code == 1
    text = out.getvalue()
    assert "Socket#Close               reconnect in " in text
    assert "Reconnect#Relogin#WS       retry 5 in " in text
    assert "recovery gave up" in text


@pytest.mark.asyncio
async def test_duration_bounds_connecting_too_and_a_summary_ends_the_watch() -> None:
    async with Emulator() as lp:
        lp.faults.delay("csds", 5.0, times=None)  # connecting would take longer than allowed
        out = io.StringIO()
        code = await watch(
            AgentConfig.from_env(lp_environ(lp)), LineConsole(plain=True, file=out), duration=0.3
        )
    assert code == 1
    text = out.getvalue()
    assert "not connected within 0.3 s" in text
    assert "Outcomes by location" in text


@pytest.mark.asyncio
async def test_the_summary_counts_notifications() -> None:
    async with Emulator() as lp:
        await lp.consumer().open_conversation()
        out = io.StringIO()
        code = await watch(
            AgentConfig.from_env(lp_environ(lp)), LineConsole(plain=True, file=out), duration=0.3
        )
    assert code == 0
    assert "notifications .ams.aam.ExConversationChangeNotification" in out.getvalue()
