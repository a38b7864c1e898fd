"""Recording never harms the agent: a file that cannot be written at the start is a
ConfigurationError before anything connects; a write that fails mid-session stops the recording,
reports at Recording#Write with a log record, and the agent goes on serving."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

import pytest
from reactivex.testing import TestScheduler

from rx_lpagent.agent import Agent
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.emulator import Emulator
from rx_lpagent.errors import ConfigurationError
from rx_lpagent.events import ErrorEvent, Location
from rx_lpagent.fleet import Fleet
from rx_lpagent.recording import RecordingFailure, read_recording
from tests.agent.waiting import error_at, first, settled
from tests.flows.scripted import ScriptedBackend
from tests.recording.conftest import FAST_RECOVERY, recording_config

CREDENTIALS = PasswordCredentials("bot", "pw")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"record_to": ""}, "record_to must be a file path"),
        ({"record_to": 3}, "record_to must be a file path"),
        ({"record_to": "x.jsonl", "record_mask_text": "yes"}, "record_mask_text must be True"),
        ({"record_mask_text": True}, "set record_to too"),
    ],
)
def test_bad_recording_settings_fail_at_construction(
    settings: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        AgentConfig("123", CREDENTIALS, **settings)  # type: ignore[arg-type]


def test_a_path_is_kept_as_its_string(tmp_path: Path) -> None:
    config = AgentConfig("123", CREDENTIALS, record_to=tmp_path / "a.jsonl")  # type: ignore[arg-type]
    assert config.record_to == str(tmp_path / "a.jsonl")
    assert AgentConfig("123", CREDENTIALS).record_to is None


@pytest.mark.asyncio
async def test_an_unwritable_file_is_a_configuration_error_before_connecting(
    tmp_path: Path,
) -> None:
    config = AgentConfig(
        "123", CREDENTIALS, csds_domain="http://127.0.0.1:9", record_to=str(tmp_path / "no" / "x")
    )
    with pytest.raises(ConfigurationError, match=r"record_to .* cannot be written: No such file"):
        Agent(config)


def test_a_given_backend_or_a_fleet_does_not_record(tmp_path: Path) -> None:
    config = AgentConfig("123", CREDENTIALS, record_to=str(tmp_path / "x.jsonl"))
    with pytest.raises(ConfigurationError, match="a backend was given"):
        Agent(config, backend=ScriptedBackend(TestScheduler()))
    with pytest.raises(ConfigurationError, match="a fleet does not record"):
        Fleet().add(config)
    assert not (tmp_path / "x.jsonl").exists()


def _fill_the_disk_under(path: Path) -> None:
    """Point the open file descriptor of ``path`` at /dev/full: every later write fails with
    ENOSPC, as on a full disk."""
    (fd,) = [
        int(fd)
        for fd in os.listdir("/proc/self/fd")
        if os.path.realpath(f"/proc/self/fd/{fd}") == str(path.resolve())
    ]
    full = os.open("/dev/full", os.O_WRONLY)
    try:
        os.dup2(full, fd)
    finally:
        os.close(full)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
@pytest.mark.asyncio
async def test_a_full_disk_mid_session_stops_the_recording_and_the_agent_goes_on(
    lp: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "session.jsonl"
    async with Agent(recording_config(lp, path), recovery=FAST_RECOVERY) as agent:
        await agent.connect()
        await agent.get_clock()
        _fill_the_disk_under(path)
        failed = first(agent.events, error_at(Location.RECORDING_WRITE))
        with caplog.at_level(logging.WARNING, logger="rx_lpagent"):
            await agent.get_clock()  # its frames cannot be written
            event = await settled(failed)
        assert isinstance(event, ErrorEvent)
        assert isinstance(event.error, RecordingFailure)
        assert str(path) in event.error.message
        assert "No space left on device" in event.error.message
        assert isinstance(event.error.error, OSError)
        assert event.error.error.errno == errno.ENOSPC
        (record,) = [r for r in caplog.records if "Recording#Write" in r.getMessage()]
        assert record.levelno == logging.WARNING
        assert getattr(record, "lp_location", None) == Location.RECORDING_WRITE
        # the agent serves on, and reports the failure once
        reports: list[object] = []
        agent.events.subscribe(
            lambda e: reports.append(e) if error_at("Recording#Write")(e) else None
        )
        assert (await agent.get_clock()).current_time > 0
        await agent.refresh_session()
        assert reports == []
    recording = read_recording(path)  # what was written before the failure is whole
    assert [r.service for r in recording.http()] == ["csds", "login"]
    assert len(list(recording.frames())) == 2
