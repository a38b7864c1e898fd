"""README's set-up commands are the ones CI runs, and the demo command works."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", setup)


def test_readme_gives_two_setup_commands() -> None:
    commands = _commands()
    assert len(commands) == 2
    assert "rx_lpagent demo" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert _commands()[1] in ci


def test_the_demo_command_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rx_lpagent", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout
