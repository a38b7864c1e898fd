"""Shared test helpers: the example frames of tests/fixtures/lp-frames.json, loaded once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "lp-frames.json"


@pytest.fixture(scope="session")
def lp_frames() -> dict[str, Any]:
    """The example payloads of tests/fixtures/lp-frames.json (LivePerson's documented shapes)."""
    frames: dict[str, Any] = json.loads(FIXTURES.read_text())
    return frames
