"""A standalone ZooKeeper server (the Debian ``zookeeper`` package) on a free port, per module.

Skips, with the reason, where the package or Java is missing (``.ci/run`` installs them).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

JARS = Path("/usr/share/java")
CONF = Path("/etc/zookeeper/conf")
TICK_MS = 200
"""Sessions may last 2 to 20 ticks: 0.4 to 4 s, so tests can expire them quickly."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _missing() -> str | None:
    if shutil.which("java") is None:
        return "java is not installed"
    if not list(JARS.glob("zookeeper*.jar")):
        return "ZooKeeper is not installed (apt-get install zookeeper)"
    try:
        import kazoo  # noqa: F401
    except ImportError:
        return "kazoo is not installed (pip install 'rx-lpagent[cluster]')"
    return None


def _wait_listening(port: int, server: subprocess.Popen[bytes], within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"ZooKeeper exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as probe:
                probe.sendall(b"srvr")
                if probe.recv(64):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"ZooKeeper did not listen on {port} within {within} s")


@pytest.fixture(scope="module")
def zookeeper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``host:port`` of a fresh ZooKeeper server, stopped after the module."""
    reason = _missing()
    if reason is not None:
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("zookeeper")
    port = _free_port()
    (home / "zoo.cfg").write_text(
        f"tickTime={TICK_MS}\n"
        f"dataDir={home / 'data'}\n"
        f"clientPort={port}\n"
        "clientPortAddress=127.0.0.1\n"
        "admin.enableServer=false\n"
        "4lw.commands.whitelist=srvr\n"
    )
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [
            "java",
            "-Xmx128m",
            "-cp",
            f"{JARS}/*:{CONF}",
            "org.apache.zookeeper.server.quorum.QuorumPeerMain",
            str(home / "zoo.cfg"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_listening(port, server, within=40.0)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
