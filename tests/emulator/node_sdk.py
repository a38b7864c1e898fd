"""Running the official Node.js node-agent-sdk (pinned in ``tests/interop/package.json``) from a
test: finding node and npm (the test is skipped, with the reason printed, when either is
missing), installing the SDK once with ``npm ci`` into ``tests/interop/node_modules``
(git-ignored), and running a script of ``tests/interop/`` that prints one JSON line per step."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from rx_lpagent.emulator import Emulator

INTEROP_DIR = Path(__file__).resolve().parent.parent / "interop"
SDK_VERSION = "1.2.0"


@dataclass
class NodeRun:
    """What one run of a Node script printed."""

    returncode: int
    steps: list[dict[str, Any]] = field(default_factory=list)
    stderr: str = ""

    def named(self, name: str) -> list[dict[str, Any]]:
        return [s for s in self.steps if s.get("step") == name]

    def one(self, name: str, **match: object) -> dict[str, Any]:
        found = [s for s in self.named(name) if all(s.get(k) == v for k, v in match.items())]
        assert len(found) == 1, (
            f"expected one {name!r} {match} line, got {found}\n{self.transcript()}"
        )
        return found[0]

    def transcript(self) -> str:
        lines = "\n".join(json.dumps(s) for s in self.steps)
        return (
            f"node exit {self.returncode}\n--- stdout ---\n{lines}\n--- stderr ---\n{self.stderr}"
        )


def installed_sdk_version() -> str | None:
    manifest = INTEROP_DIR / "node_modules" / "node-agent-sdk" / "package.json"
    if not manifest.exists():
        return None
    version = json.loads(manifest.read_text()).get("version")
    return version if isinstance(version, str) else None


def require_node_sdk() -> str:
    """The node binary, with node-agent-sdk installed next to the scripts; skips the test when
    node or npm is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(n for n, p in (("node", node), ("npm", npm)) if p is None)
        reason = f"interop test needs node and npm on PATH; missing: {missing}"
        print(f"SKIP: {reason}", file=sys.stderr)
        pytest.skip(reason)
    if installed_sdk_version() != SDK_VERSION:
        # npm ci: exactly the lockfile's tree (ws 1.1.5, request 2.88), no audit/fund noise
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=INTEROP_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
        assert installed_sdk_version() == SDK_VERSION
    return node


def node_env(emu: Emulator, username: str, password: str, **settings: str) -> dict[str, str]:
    """The environment of a script of ``tests/interop/`` against ``emu`` (which serves TLS: the
    SDK only speaks https and wss): its CA, CSDS domain, account, the credentials, and
    ``settings`` (``LP_...`` names); no other ``LP_...`` variable of this process's."""
    assert emu.ca_file is not None, "Emulator(tls=True) must write its CA file"
    env = {name: value for name, value in os.environ.items() if not name.startswith("LP_")}
    env.update(
        NODE_EXTRA_CA_CERTS=emu.ca_file,
        LP_CSDS_DOMAIN=emu.csds_domain,
        LP_ACCOUNT=str(emu.account),
        LP_USERNAME=username,
        LP_PASSWORD=password,
        **settings,
    )
    return env


async def run_node(
    node: str,
    script: Path,
    env: dict[str, str],
    on_step: Callable[[dict[str, Any]], Any],
    within: float,
) -> NodeRun:
    """Run ``script``; every line it prints goes to ``on_step`` (awaited if it is a coroutine).
    The process is killed if it has not ended ``within`` seconds."""
    proc = await asyncio.create_subprocess_exec(
        node,
        str(script),
        cwd=INTEROP_DIR,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    stderr_task = asyncio.create_task(proc.stderr.read())
    run = NodeRun(returncode=-1)
    try:
        async with asyncio.timeout(within):
            while line := await proc.stdout.readline():
                try:
                    step = json.loads(line)
                except json.JSONDecodeError:
                    step = {"step": "unparsed", "line": line.decode(errors="replace").rstrip()}
                run.steps.append(step)
                result = on_step(step)
                if asyncio.iscoroutine(result):
                    await result
            run.returncode = await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        run.stderr = (await stderr_task).decode(errors="replace")
    return run
