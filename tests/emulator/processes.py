"""``python -m rx_lpagent emulator ...`` as a subprocess: started, read until it has printed what
a client needs, interrupted with Ctrl-C at the end (and it must then exit 0)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import ROOT


@contextmanager
def emulator_command(*args: str, last: str = "base_url") -> Iterator[dict[str, str]]:
    """The ``name: value`` lines the command printed, up to the line named ``last``."""
    command = [sys.executable, "-m", "rx_lpagent", "emulator", "--port", "0", *args]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    ) as process:
        assert process.stdout is not None
        try:
            info: dict[str, str] = {}
            while last not in info:
                line = process.stdout.readline()
                assert line, process.stderr.read() if process.stderr else ""
                name, _, value = line.strip().partition(": ")
                info[name] = value
            yield info
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=20) == 0
