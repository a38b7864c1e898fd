"""``python -m rx_lpagent emulator --replay FILE`` and ``--compare FILE``: serving a recording,
reporting differences with exit status 1, and bad recordings refused with their line number and
exit status 2 (never a traceback)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from rx_lpagent.cli import main
from rx_lpagent.emulator import Emulator
from rx_lpagent.recording import SocketOpened
from tests.emulator.processes import emulator_command
from tests.recording.sessions import record_agent_session, write_recording
from tests.recording.test_replay import SOCKET_URL, answer, csds_and_login, out

GOOD_HEADER = '{"kind":"header","format":"rx_lpagent-recording","version":1}\n'
BAD_RECORDINGS = {
    "truncated": (GOOD_HEADER + '{"kind":"frame","t":1,"conn', ":2: truncated"),
    "garbage": ("\x00garbage\n", ":1: not a recording header"),
    "empty": ("", "empty: no header line"),
}


@pytest.mark.parametrize("mode", ["--replay", "--compare"])
@pytest.mark.parametrize("kind", sorted(BAD_RECORDINGS))
def test_a_bad_recording_is_refused_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str, kind: str
) -> None:
    content, problem = BAD_RECORDINGS[kind]
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    assert main(["emulator", "--port", "0", mode, str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("python -m rx_lpagent emulator: error: cannot read the")
    assert f"{path}" in captured.err
    assert problem in captured.err
    assert "Traceback" not in captured.err


def test_compare_exits_0_without_differences_and_1_with_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "session.jsonl"

    async def make_recording() -> None:
        async with Emulator() as emu:
            await record_agent_session(emu, path)

    asyncio.run(make_recording())
    assert main(["emulator", "--compare", str(path)]) == 0
    assert capsys.readouterr().out == "no differences\n"

    lines = path.read_text().splitlines()
    altered = []
    for line in lines:
        each = json.loads(line)
        if each.get("data", {}).get("reqId") == "r2":
            each["data"]["code"] = 200
        altered.append(json.dumps(each))
    path.write_text("\n".join(altered) + "\n")
    assert main(["emulator", "--compare", str(path)]) == 1
    report = capsys.readouterr().out.splitlines()
    assert report == [
        f"{path}:8: connection 1 .ams.routing.SetAgentState response: code: recorded 200, "
        "emulator 202",
        "1 difference",
    ]


def test_a_replay_is_served_until_interrupted(tmp_path: Path) -> None:
    path = write_recording(
        tmp_path / "replay.jsonl",
        [
            *csds_and_login(),
            SocketOpened(0.1, 1, SOCKET_URL, 101),
            out(0.2, 1, "a", ".GetClock"),
            answer(0.3, 1, "a", {"currentTime": 99}),
        ],
        account="42",
    )
    with emulator_command("--replay", str(path), "--pace", "fast") as info:
        assert info["account"] == "42"
        assert asyncio.run(_clock_through(info["base_url"])) == {"currentTime": 99}


async def _clock_through(base_url: str) -> object:
    async with aiohttp.ClientSession() as http:
        login = f"{base_url}/api/account/42/login?v=1.3"
        async with http.post(login, json={"username": "anyone", "password": "x"}) as response:
            bearer = (await response.json())["bearer"]
        ws_url = base_url.replace("http", "ws", 1)
        url = f"{ws_url}/ws_api/account/42/messaging/brand/{bearer}?v=2.1"
        async with http.ws_connect(url) as ws:
            await ws.send_json({"kind": "req", "id": "mine", "type": ".GetClock", "body": {}})
            reply = await asyncio.wait_for(ws.receive_json(), 5)
            assert reply["reqId"] == "mine"
            return reply["body"]
