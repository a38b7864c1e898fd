"""Shared test helpers: the example frames of tests/fixtures/lp-frames.json, loaded once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_python(
    *args: str, cwd: Path = ROOT, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in a subprocess with this interpreter, as a user runs it; never raises
    for its exit status (the test looks at it)."""
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
    )


FIXTURES = ROOT / "tests" / "fixtures" / "lp-frames.json"


@pytest.fixture(scope="session")
def lp_frames() -> dict[str, Any]:
    """The example payloads of tests/fixtures/lp-frames.json (LivePerson's documented shapes)."""
    frames: dict[str, Any] = json.loads(FIXTURES.read_text())
    return frames
