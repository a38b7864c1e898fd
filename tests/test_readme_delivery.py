"""README "Delivery guarantees": its example runs as written and shows a message of the gap."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT
from tests.test_readme_quickstart import _script


def test_the_delivery_example_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _script("Delivery guarantees")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "received: ['one', 'two']" in done.stdout
