"""Shared test helpers: the fixture frames of ../shared, loaded once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures" / "lp-frames.json"


@pytest.fixture(scope="session")
def lp_frames() -> dict[str, Any]:
    """The example payloads of shared/fixtures/lp-frames.json (skips if the file is absent)."""
    if not FIXTURES.exists():
        pytest.skip(f"fixture file not found: {FIXTURES}")
    frames: dict[str, Any] = json.loads(FIXTURES.read_text())
    return frames
