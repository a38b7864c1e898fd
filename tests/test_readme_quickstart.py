"""README's quick start runs as written, as a user would run it: a script of its own."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def test_the_quick_start_runs(tmp_path: object) -> None:
    readme = (ROOT / "README.md").read_text()
    body = readme.split("## Quick start\n", 1)[1].split("\n## ", 1)[0]
    script = re.findall(r"```python\n(.+?)\n```", body, flags=re.DOTALL)[0]
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "'hello'" in done.stdout
    assert "failed:" not in done.stdout
