"""The layers of README's "Package map", read from the source (an AST walk of every import,
including lazy and TYPE_CHECKING ones): protocol/ does no I/O, and imports point down.

ruff's banned-api rule (TID251, pyproject.toml) keeps aiohttp and websockets in transport/,
emulator/, bench/ and examples/; these tests hold the rest.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "rx_lpagent"

RANKS = {
    # the vocabulary every layer shares: errors, events, the config and its checks
    "errors": 0,
    "_sealed": 0,
    "_endpoints": 0,
    "config": 0,
    "events": 0,
    # pure data on the wire; our Rx operators; the recording format the transport writes
    "protocol": 1,
    "rx": 1,
    "recording": 1,
    # I/O (and what the layers above share about it)
    "transport": 2,
    "recovery": 2,
    "metrics": 2,
    "_isolation": 2,
    "flows": 3,
    "agent": 4,
    # applications of the agent, on top
    "fleet": 5,
    "cli": 5,
    "demo": 5,
    "soak": 5,
    "bench": 5,
    "emulator": 5,
    "examples": 5,
    "testing": 5,
    "__init__": 5,
    "__main__": 5,
}
"""A module may import modules of its own rank or lower, never higher."""

KNOWN_UPWARD: frozenset[tuple[str, str]] = frozenset()

IO_MODULES = {
    "asyncio",
    "aiohttp",
    "websockets",
    "socket",
    "ssl",
    "select",
    "selectors",
    "http",
    "urllib",
    "yarl",
    "subprocess",
    "threading",
    "multiprocessing",
    "concurrent",
    "os",
    "io",
    "pathlib",
    "shutil",
    "tempfile",
    "signal",
}
"""Standard and third-party modules whose job is I/O, networking or concurrency."""

PROTOCOL_MAY_IMPORT = ("rx_lpagent.protocol", "rx_lpagent.errors")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    return list(_imports_in(path.read_text(), package))


def _imports_in(source: str, package: str) -> Iterator[tuple[str, int]]:
    """Every module ``source`` (a module of ``package``) imports, by absolute name, with its
    line; ``from m import x`` gives ``m`` and ``m.x``, as x may be a submodule."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            yield module, node.lineno
            for alias in node.names:
                yield f"{module}.{alias.name}", node.lineno


def _sources(under: Path = PACKAGE) -> list[Path]:
    return sorted(under.rglob("*.py"))


def _existing(module: str) -> str | None:
    """``module`` if it is one of ours (a module or package in rx_lpagent/), else None."""
    path = ROOT.joinpath(*module.split("."))
    if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
        return module
    return None


def _unit(module: str) -> str:
    """The part of the package a module belongs to: its sub-package or root module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_part_of_the_package_has_a_rank() -> None:
    units = {_unit(_module_name(path)) for path in _sources()}
    assert units <= RANKS.keys(), f"place these in RANKS: {sorted(units - RANKS.keys())}"


def test_nothing_imports_upward() -> None:
    upward: list[str] = []
    for path in _sources():
        importer = _module_name(path)
        for imported, line in _imports(path):
            ours = imported.split(".")[0] == "rx_lpagent" and _existing(imported)
            if not ours or (importer, imported) in KNOWN_UPWARD:
                continue
            if RANKS[_unit(imported)] > RANKS[_unit(importer)]:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert upward == []


def _protocol_closure() -> list[Path]:
    """protocol/ and every module of ours it imports, transitively."""
    seen: set[Path] = set()
    todo = _sources(PACKAGE / "protocol")
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for imported, _ in _imports(path):
            module = _existing(imported) if imported.startswith("rx_lpagent.") else None
            if module is None:
                continue
            target = ROOT.joinpath(*module.split("."))
            todo.append(target / "__init__.py" if target.is_dir() else target.with_suffix(".py"))
    return sorted(seen)


def test_protocol_imports_nothing_that_does_io() -> None:
    found: list[str] = []
    for path in _protocol_closure():
        for imported, line in _imports(path):
            top = imported.split(".")[0]
            ours_above = top == "rx_lpagent" and not imported.startswith(PROTOCOL_MAY_IMPORT)
            if top in IO_MODULES or ours_above:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert found == []


@pytest.mark.parametrize(
    ("source", "imported"),
    [
        ("import asyncio\n", "asyncio"),
        ("from ssl import SSLContext\n", "ssl"),
        ("from rx_lpagent.transport import RestClient\n", "rx_lpagent.transport"),
        ("from ..agent import Agent\n", "rx_lpagent.agent"),
        ("from . import frames\n", "rx_lpagent.protocol.frames"),
        ("def f() -> None:\n    import websockets.asyncio.client\n", "websockets.asyncio.client"),
        ("if TYPE_CHECKING:\n    from aiohttp import web\n", "aiohttp"),
    ],
)
def test_the_walk_sees_each_form_of_import(source: str, imported: str) -> None:
    """Lazy, TYPE_CHECKING, relative: each form resolves to what it imports."""
    assert imported in {name for name, _ in _imports_in(source, "rx_lpagent.protocol")}


def test_the_transport_never_sees_the_whole_config() -> None:
    """The transport is handed plain values (hosts, TLS context, timeouts, headers), never an
    AgentConfig: the config's settings are translated once, above it (agent/_live.py)."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _sources(PACKAGE / "transport")
        for imported, line in _imports(path)
        if imported == "rx_lpagent.config.AgentConfig"
    ]
    assert found == []
