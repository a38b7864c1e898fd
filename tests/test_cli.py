"""The command line as users meet it, in subprocesses: --version, help written for users with
defaults, the same usage from both entry points, and bad input as one line with exit status 2."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import rx_lpagent
from rx_lpagent.cli import COMMANDS
from tests.conftest import run_python

SCRIPT = Path(sys.executable).with_name("rx-lpagent")
MODULE = [sys.executable, "-m", "rx_lpagent"]

HIDE_TRUSTME = """
import builtins, sys

real_import = builtins.__import__


def without_trustme(name, *args, **kwargs):
    if name.split(".")[0] == "trustme":
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    return real_import(name, *args, **kwargs)


builtins.__import__ = without_trustme
from rx_lpagent.cli import main

sys.exit(main(sys.argv[1:]))
"""
"""The command line as if the tls extra (trustme) were not installed."""


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    if command[0] == sys.executable:
        return run_python(*command[1:])
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


def _one_line_error(done: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    for text in expected:
        assert text in line
    return line


def test_version() -> None:
    done = _run([*MODULE, "--version"])
    assert done.returncode == 0
    assert done.stdout.strip() == f"rx-lpagent {rx_lpagent.__version__}"


def test_both_entry_points_print_the_same_usage() -> None:
    assert SCRIPT.exists()
    by_module = _run([*MODULE, "--help"])
    by_script = _run([str(SCRIPT), "--help"])
    assert by_module.returncode == by_script.returncode == 0
    assert by_module.stdout == by_script.stdout
    assert "--version" in by_module.stdout
    for name in COMMANDS:
        assert name in by_module.stdout


@pytest.mark.parametrize(
    "command", [[name] for name in COMMANDS] + [["bench", "decode"], ["bench", "agent"]]
)
def test_help_is_written_for_users_with_defaults(command: list[str]) -> None:
    done = _run([*MODULE, *command, "--help"])
    assert done.returncode == 0, done.stderr
    for markup in ("``", ":mod:", ":class:", ":meth:", ":func:", ":data:"):
        assert markup not in done.stdout, markup
    if command != ["bench"]:
        assert "default" in done.stdout


def test_an_unknown_scenario_is_one_line_naming_the_bundled_ones() -> None:
    for command in ("emulator", "demo"):
        done = _run([*MODULE, command, "--scenario", "flaky-logn"])
        _one_line_error(done, "flaky-logn", "flaky-login", command)


def test_demo_accepts_a_bundled_scenario_name() -> None:
    done = _run([*MODULE, "demo", "--scenario", "flaky-login", "--duration", "0.5", "--plain"])
    assert done.returncode == 0, done.stderr
    assert "Outcomes by location" in done.stdout


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"endpoint": ".GetClok", "status": 503}, "did you mean '.GetClock'"),
        ({"endpoint": "logni", "status": 503}, "did you mean 'login'"),
        ({"endpoint": "login", "action": "statuss"}, "statuss"),
    ],
)
def test_a_misspelled_fault_is_refused(tmp_path: Path, fault: object, expected: str) -> None:
    scenario = tmp_path / "typo.json"
    scenario.write_text(json.dumps({"faults": [fault]}))
    for command in ("emulator", "demo"):
        _one_line_error(_run([*MODULE, command, "--scenario", str(scenario)]), expected)


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_a_port_in_use_is_one_line(taken_port: int) -> None:
    done = _run([*MODULE, "emulator", "--port", str(taken_port)])
    _one_line_error(done, f"127.0.0.1:{taken_port}", "in use")


def test_a_missing_extra_says_which_to_install() -> None:
    done = _run([sys.executable, "-c", HIDE_TRUSTME, "emulator", "--port", "0", "--tls"])
    _one_line_error(done, "pip install 'rx-lpagent[tls]'")


def test_bad_options_are_one_line_too() -> None:
    _one_line_error(_run([*MODULE, "demo", "--duration", "soon"]), "--duration")
    _one_line_error(_run([*MODULE, "demo", "--duration", "0"]), "--duration")
    _one_line_error(_run([*MODULE, "bench", "decod"]), "decod")
    _one_line_error(_run([*MODULE, "nonsense"]), "nonsense")


def test_a_benchmark_shows_what_it_runs_as_it_runs() -> None:
    done = _run([*MODULE, "bench", "decode", "--number", "200"])
    assert done.returncode == 0, done.stderr
    assert "bench decode [1/3] json.loads" in done.stderr
    assert "bench decode [3/3] Node view" in done.stderr
    assert "x json.loads" in done.stdout
