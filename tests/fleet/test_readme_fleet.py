"""README's "Running a fleet" example runs as written, as a script of its own."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def test_the_fleet_example_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running a fleet\n", 1)[1].split("\n## ", 1)[0]
    script = re.findall(r"```python\n(.+?)\n```", section, flags=re.DOTALL)[0]
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "1 CSDS lookup for 20 agents" in done.stdout
    assert "1234567/bot-0 Connect#CSDS" in done.stdout
