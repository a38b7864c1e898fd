"""``python -m rx_lpagent watch --record FILE [--mask-text]``: a user's command, in a subprocess
against the emulator, writes a recording that reads back; bad uses end with exit status 2."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from rx_lpagent.cli import main
from rx_lpagent.emulator import Emulator
from rx_lpagent.recording import SocketOpened, read_recording
from tests.recording.conftest import CANARY_PASSWORD
from tests.test_watch import LP_VARIABLES, lp_environ

TEXT = "a consumer's words that must not leave the team"


async def _watch(lp: Emulator, *options: str) -> tuple[int, str]:
    environ = {k: v for k, v in os.environ.items() if k not in LP_VARIABLES}
    environ.update(lp_environ(lp))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "rx_lpagent",
        "watch",
        "--plain",
        "--duration",
        "2",
        *options,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 45)
    assert process.returncode is not None
    return process.returncode, out.decode()


@pytest.mark.asyncio
@pytest.mark.parametrize("mask", [False, True])
async def test_watch_records_the_session(lp: Emulator, tmp_path: Path, mask: bool) -> None:
    path = tmp_path / "watch.jsonl"
    consumer = lp.consumer()
    conv_id = await consumer.open_conversation()
    await consumer.send_text(conv_id, TEXT)
    code, out = await _watch(lp, "--record", str(path), *(["--mask-text"] if mask else []))
    assert code == 0, out
    assert f"to {path}" in out
    assert ("texts masked" in out) is mask
    recording = read_recording(path)
    assert recording.header.masked_text is mask
    assert [h.service for h in recording.http()][:2] == ["csds", "login"]
    assert [r.status for r in recording.records if isinstance(r, SocketOpened)] == [101]
    types = {f.data.get("type") for f in recording.frames() if f.data is not None}
    assert ".ams.aam.SubscribeExConversations" in types
    assert ".ams.aam.ExConversationChangeNotification" in types
    data = path.read_bytes()
    assert CANARY_PASSWORD.encode() not in data
    assert (TEXT.encode() in data) is not mask


def test_mask_text_without_record_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "--mask-text"]) == 2
    assert "add --record FILE" in capsys.readouterr().err


def test_an_unwritable_recording_ends_watch_with_2_before_connecting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in LP_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LP_ACCOUNT", "1234567")
    monkeypatch.setenv("LP_USER", "bot")
    monkeypatch.setenv("LP_PASS", CANARY_PASSWORD)
    monkeypatch.setenv("LP_CSDS", "http://127.0.0.1:9")  # never reached
    target = tmp_path / "missing" / "watch.jsonl"
    assert main(["watch", "--plain", "--record", str(target)]) == 2
    out = capsys.readouterr().out
    assert "cannot be written" in out
    assert "Connect#CSDS" not in out
