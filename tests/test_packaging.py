"""Packaging promises: a light import, and a pytest plugin that is harmless where its extra is
missing and useful where it is installed."""

from __future__ import annotations

import subprocess
from importlib.metadata import entry_points
from pathlib import Path

from tests.conftest import ROOT, run_python


def _python(code: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run_python("-c", code, cwd=cwd)


def test_importing_the_package_does_not_import_websockets() -> None:
    done = _python(
        "import sys, rx_lpagent, rx_lpagent.emulator, rx_lpagent.transport\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'websockets'))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_websockets_transport_imports_it_when_chosen() -> None:
    done = _python(
        "import sys\n"
        "from rx_lpagent import AgentConfig, PasswordCredentials\n"
        "from rx_lpagent.agent._live import rest_client\n"
        "from rx_lpagent.transport import socket_transport_for\n"
        "config = AgentConfig('1', PasswordCredentials('u', 'p'), transport='websockets')\n"
        "print(type(socket_transport_for(config.transport, rest_client(config))).__name__)\n"
        "print('websockets' in sys.modules)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["WebsocketsSocketTransport", "True"]


def test_the_pytest_plugin_is_registered_by_entry_point() -> None:
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins["rx_lpagent"] == "rx_lpagent.emulator.pytest_plugin"


HIDE_PYTEST_ASYNCIO = """
import builtins

real_import = builtins.__import__


def without_pytest_asyncio(name, *args, **kwargs):
    if name.split(".")[0] == "pytest_asyncio":
        raise ModuleNotFoundError(f"No module named {name!r}")
    return real_import(name, *args, **kwargs)


builtins.__import__ = without_pytest_asyncio
"""
"""As if pytest-asyncio (which the testing extra brings) were not installed."""


def _pytest(tmp_path: Path, *args: str, without_testing_extra: bool) -> str:
    hide = HIDE_PYTEST_ASYNCIO if without_testing_extra else ""
    options = ["-p", "no:asyncio"] if without_testing_extra else []
    done = _python(
        "import sys\n"
        f"{hide}"
        "import pytest\n"
        f"sys.exit(pytest.main({[*options, '-p', 'no:cacheprovider', *args, str(tmp_path)]!r}))",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_plugin_loads_harmlessly_without_the_testing_extra(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_one():\n    assert True\n")
    fixtures = _pytest(tmp_path, "--fixtures", without_testing_extra=True)
    assert "lp_emulator" not in fixtures
    collected = _pytest(tmp_path, "--collect-only", "-q", without_testing_extra=True)
    alone = _pytest(
        tmp_path, "--collect-only", "-q", "-p", "no:rx_lpagent", without_testing_extra=True
    )
    assert collected.splitlines()[:-1] == alone.splitlines()[:-1]  # the last says how long


def test_with_the_testing_extra_its_fixtures_are_there(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_one():\n    assert True\n")
    fixtures = _pytest(tmp_path, "--fixtures", without_testing_extra=False)
    for name in ("lp_emulator", "lp_emulator_tls", "lp_agent"):
        assert name in fixtures
