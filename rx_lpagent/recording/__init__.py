"""``rx_lpagent.recording``: a session with LivePerson, as a file that can be read back.

A recording is a JSON Lines file (format :data:`FORMAT_VERSION`, see :mod:`._format`): one header,
then every HTTP exchange and every socket frame in both directions with its time. Secrets are
replaced by stable placeholders before anything is written. The emulator can replay a recording
to a client, or compare its own answers with the recorded ones.

:class:`SessionRecorder` is the writing side the transport taps feed (redacting with a
:class:`Redactor`); ``AgentConfig(record_to=...)`` turns it on for an agent.
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
from rx_lpagent.recording._recorder import RecordingFailure, SessionRecorder
from rx_lpagent.recording._redact import Redactor, credential_secrets

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
    "RecordingFailure",
    "RecordingWriter",
    "Redactor",
    "SessionRecorder",
    "SocketClosed",
    "SocketOpened",
    "is_placeholder",
    "credential_secrets",
    "placeholder",
    "read_recording",
]
