"""The recording file format: written, read back, and refused with the line number."""

from __future__ import annotations

from pathlib import Path

import pytest

from rx_lpagent.recording import (
    FORMAT_VERSION,
    FrameRecord,
    HttpRecord,
    RecordingError,
    RecordingWriter,
    SocketClosed,
    SocketOpened,
    is_placeholder,
    placeholder,
    read_recording,
)


def _write_sample(path: Path) -> None:
    writer = RecordingWriter(path, account="123", masked_text=True)
    writer.write(
        HttpRecord(writer.now(), "login", "POST", "http://h/login", {"password": "<password#1>"})
    )
    connection = writer.next_connection()
    writer.write(SocketOpened(writer.now(), connection, "ws://h/brand/<bearer#1>", status=101))
    writer.write(FrameRecord(writer.now(), connection, "out", data={"kind": "req", "id": "1"}))
    writer.write(FrameRecord(writer.now(), connection, "in", raw="not json"))
    writer.write(SocketClosed(writer.now(), connection, 1006))
    writer.close()
    writer.close()  # closing twice is harmless
    assert writer.closed


def test_a_recording_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "session.jsonl"
    _write_sample(path)
    recording = read_recording(path)
    assert recording.header.version == FORMAT_VERSION
    assert recording.header.account == "123"
    assert recording.header.masked_text
    assert [type(r) for r in recording.records] == [
        HttpRecord,
        SocketOpened,
        FrameRecord,
        FrameRecord,
        SocketClosed,
    ]
    assert [f.direction for f in recording.frames(1)] == ["out", "in"]
    assert [h.service for h in recording.http("login")] == ["login"]
    closed = recording.records[-1]
    assert isinstance(closed, SocketClosed)
    assert closed.by == "server"


def test_placeholders_are_recognised() -> None:
    assert placeholder("bearer", 2) == "<bearer#2>"
    assert is_placeholder("<bearer#2>")
    assert not is_placeholder("Bearer <bearer#2>")
    assert not is_placeholder(3)


@pytest.mark.parametrize(
    ("tail", "line", "problem"),
    [
        ('{"kind":"frame","t":1', 7, "truncated"),
        ('{"kind":"nope","t":1}', 7, "nope"),
        ('{"kind":"frame","t":0.0,"connection":1,"direction":"in","raw":"x"}', 7, "time goes back"),
        ('{"kind":"frame","t":9,"connection":1,"direction":"in"}', 7, "exactly one"),
    ],
)
def test_a_bad_line_is_reported_with_its_number(
    tmp_path: Path, tail: str, line: int, problem: str
) -> None:
    path = tmp_path / "session.jsonl"
    _write_sample(path)
    with path.open("a") as file:
        file.write(tail + "\n")
    with pytest.raises(RecordingError, match=problem) as caught:
        read_recording(path)
    assert caught.value.line == line
    assert f"{path}:{line}:" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "empty"),
        ('{"kind":"http","t":1,"service":"x","method":"GET","url":"u"}\n', "header"),
        ('{"kind":"header","format":"other"}\n', "is not"),
        ('{"kind":"header","version":99}\n', "newer"),
        ("\x00\x01garbage\n", "header"),
    ],
)
def test_a_bad_header_or_empty_file_is_refused(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "session.jsonl"
    path.write_text(content)
    with pytest.raises(RecordingError, match=problem):
        read_recording(path)


def test_a_missing_file_is_a_recording_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="No such file"):
        read_recording(tmp_path / "absent.jsonl")
