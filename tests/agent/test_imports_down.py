"""The agent's modules import nothing above them: not the commands, the demo, the fleet, the
benchmarks or the examples (the event log once took its texts from the CLI's console)."""

from __future__ import annotations

import ast
from pathlib import Path

import rx_lpagent.agent

_ABOVE: tuple[str, ...] = tuple(
    f"rx_lpagent.{name}"
    for name in ("cli", "demo", "fleet", "bench", "examples", "soak", "emulator")
)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_agent_imports_nothing_above_it() -> None:
    package = Path(rx_lpagent.agent.__file__).parent
    upward = {
        f"{path.name}: {name}"
        for path in sorted(package.glob("*.py"))
        for name in _imports(path)
        if name.startswith(_ABOVE)
    }
    assert upward == set()
