"""``rx_lpagent.recording``: a session with LivePerson, as a file that can be read back.

A recording is a JSON Lines file (format :data:`FORMAT_VERSION`, see :mod:`._format`): one header,
then every HTTP exchange and every socket frame in both directions with its time. Secrets are
replaced by stable placeholders before anything is written. The emulator can replay a recording
to a client, or compare its own answers with the recorded ones.
"""

from rx_lpagent.recording._format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    Direction,
    FrameRecord,
    Header,
    HttpRecord,
    Record,
    Recording,
    RecordingError,
    RecordingWriter,
    SocketClosed,
    SocketOpened,
    is_placeholder,
    placeholder,
    read_recording,
)

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Direction",
    "FrameRecord",
    "Header",
    "HttpRecord",
    "Record",
    "Recording",
    "RecordingError",
    "RecordingWriter",
    "SocketClosed",
    "SocketOpened",
    "is_placeholder",
    "placeholder",
    "read_recording",
]
