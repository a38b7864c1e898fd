"""Compare: a recording's client side played against a live emulator, over real sockets; the
differences reported frame by frame, by shape and code, with the recording's line numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rx_lpagent.emulator import Emulator
from rx_lpagent.emulator.compare import Difference, compare_recording, format_report
from rx_lpagent.emulator.compare_shapes import IdMap, shape_differences
from rx_lpagent.recording import SocketClosed, SocketOpened, read_recording
from tests.recording.sessions import record_agent_session, write_recording
from tests.recording.test_replay import SOCKET_URL, answer, csds_and_login, notification, out


async def recorded_session(path: Path) -> Path:
    async with Emulator() as emu:
        await record_agent_session(emu, path)
    return path


def alter(path: Path, target: Path, change: Any) -> list[int]:
    """Copy ``path`` to ``target``, ``change`` applied to every record; the changed lines."""
    changed = []
    lines = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        record = json.loads(line)
        if change(record):
            changed.append(number)
        lines.append(json.dumps(record))
    target.write_text("\n".join(lines) + "\n")
    return changed


@pytest.mark.asyncio
async def test_a_recording_made_against_the_emulator_shows_no_difference(tmp_path: Path) -> None:
    path = await recorded_session(tmp_path / "session.jsonl")
    async with Emulator() as emu:
        # a fresh emulator: new bearer, csrf, conversation and subscription ids, all mapped
        assert await compare_recording(path, emu) == []


@pytest.mark.asyncio
async def test_an_altered_reply_is_reported_and_nothing_else(tmp_path: Path) -> None:
    path = await recorded_session(tmp_path / "session.jsonl")

    def change(record: dict[str, Any]) -> bool:
        data = record.get("data")
        if not isinstance(data, dict):
            return False
        if data.get("reqId") == "r1":
            data["code"] = 500
            return True
        if data.get("reqId") == "r4":
            del data["body"]["conversationId"]
            return True
        return False

    altered = tmp_path / "altered.jsonl"
    clock_line, request_line = alter(path, altered, change)
    async with Emulator() as emu:
        found = await compare_recording(altered, emu)
    assert found == [
        Difference(
            clock_line, "connection 1 .GetClock response", "code", "recorded 500, emulator 200"
        ),
        Difference(
            request_line,
            "connection 1 .ams.cm.AgentRequestConversation response",
            "$.body.conversationId",
            "extra: the emulator sends it (string), the recording does not have it",
        ),
    ]
    report = format_report(found, "altered.jsonl").splitlines()
    assert report[0].startswith(f"altered.jsonl:{clock_line}: connection 1 .GetClock response")
    assert report[-1] == "2 differences"


@pytest.mark.asyncio
async def test_a_real_services_answers_are_compared_by_shape_code_and_notification_type(
    tmp_path: Path,
) -> None:
    path = write_recording(
        tmp_path / "real.jsonl",
        [
            *csds_and_login(),
            SocketOpened(0.1, 1, SOCKET_URL, 101),
            out(0.2, 1, "a", ".GetClock"),
            answer(0.3, 1, "a", {"currentTime": 1, "zone": "UTC"}),
            notification(0.4, 1, ".ams.routing.RingUpdated"),
            SocketClosed(0.5, 1, 4401, by="server"),
        ],
        account="42",
    )
    async with Emulator(account="42") as emu:
        found = await compare_recording(path, emu, wait=0.2)
    by_line = {(d.line, d.path): d.problem for d in found}
    assert by_line[(3, "$.wsuk")].startswith("extra")  # the login answer has more fields
    assert by_line[(6, "$.body.zone")] == "missing: the emulator does not send it (recorded string)"
    assert by_line[(6, "type")] == "recorded 't', emulator '.GetClock$Response'"
    assert by_line[(7, "$")] == "never sent by the emulator"
    assert by_line[(8, "code")] == "recorded 4401 by the server, the emulator kept it open"
    assert not [d for d in found if d.line == 2]  # CSDS: same shape, other hosts (values)
    assert read_recording(path).line_of(0) == 2


def test_shapes_compare_kinds_and_fields_not_values() -> None:
    recorded = {"a": 1, "b": [{"x": "1"}, {"y": None}], "c": "s", "gone": True}
    live = {"a": 2.5, "b": [{"x": "2", "y": None}], "c": 3, "new": {}}
    assert shape_differences(recorded, live) == [
        ("$.c", "other type: recorded string, emulator number"),
        ("$.gone", "missing: the emulator does not send it (recorded boolean)"),
        ("$.new", "extra: the emulator sends it (object), the recording does not have it"),
    ]
    assert shape_differences({"list": []}, {"list": [{"any": 1}]}) == []


def test_recorded_ids_and_placeholders_map_to_the_first_live_ones() -> None:
    ids = IdMap()
    ids.learn(
        {"bearer": "<bearer#1>", "convId": "c-rec", "participantsPId": {"A": ["p-rec"]}, "n": "1"},
        {
            "bearer": "live-bearer",
            "convId": "c-live",
            "participantsPId": {"A": ["p-live"]},
            "n": "2",
        },
    )
    ids.learn({"convId": "c-rec"}, {"convId": "other"})  # the first one stays
    assert ids.apply({"dialogId": "c-rec", "to": ["p-rec"], "n": "1"}) == {
        "dialogId": "c-live",
        "to": ["p-live"],
        "n": "1",
    }
    assert ids.apply_text("wss://h/brand/<bearer#1>?v=2.1") == "wss://h/brand/live-bearer?v=2.1"


@pytest.mark.asyncio
async def test_an_emulator_that_does_not_answer_is_a_difference_not_a_crash(
    tmp_path: Path,
) -> None:
    path = write_recording(tmp_path / "login.jsonl", csds_and_login(), account="42")
    async with Emulator(account="42") as emu:
        emu.faults.refuse("login")
        found = await compare_recording(path, emu)
    assert [(d.line, d.what, d.path) for d in found] == [(3, "login response", "status")]
    assert found[0].problem.startswith("recorded 200, emulator no answer (")


@pytest.mark.asyncio
async def test_a_token_agents_recording_gets_a_live_bearer(tmp_path: Path) -> None:
    """An agent given a bearer logs in with nobody: the compare logs in with the emulator's own
    credentials to open the recorded socket."""
    path = write_recording(
        tmp_path / "token.jsonl",
        [
            SocketOpened(0.1, 1, SOCKET_URL, 101),
            out(0.2, 1, "a", ".GetClock"),
            answer(0.3, 1, "a", {"currentTime": 1}),
        ],
        account="42",
    )
    async with Emulator(account="42") as emu:
        found = await compare_recording(path, emu)
    assert [(d.line, d.path) for d in found] == [(4, "type")]
