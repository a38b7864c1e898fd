"""README's runnable examples run as written, as a user runs them: scripts of their own."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _script(section: str) -> str:
    readme = (ROOT / "README.md").read_text()
    body = readme.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    scripts: list[str] = re.findall(r"```python\n(.+?)\n```", body, flags=re.DOTALL)
    return scripts[0]


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("Quick start", ["'hello'"]),
        ("Messaging", ["subscribed: True", "published, sequence", "refused: 400"]),
        ("Running a fleet", ["1234567/bot-0 Connect#CSDS", "1 CSDS lookup for 20 agents"]),
    ],
)
def test_the_example_runs(section: str, expected: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _script(section)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    for text in expected:
        assert text in done.stdout, (text, done.stdout)
    assert "failed:" not in done.stdout
