"""Every wire type string is spelled once, in ``protocol/wire_types.py``."""

from __future__ import annotations

import ast
from pathlib import Path

from rx_lpagent.protocol import wire_types
from tests.conftest import ROOT

PACKAGE = ROOT / "rx_lpagent"
USER_CODE = {"bench", "examples"}
"""Benchmarks' bare clients and the example bots stand for users' code, which spells its own."""


def _spelled_strings(path: Path) -> list[tuple[int, str]]:
    """String constants of a module, docstrings left out."""
    tree = ast.parse(path.read_text())
    prose = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
    ]


def test_no_module_spells_a_wire_type_itself() -> None:
    types = {value for name, value in vars(wire_types).items() if name.isupper()}
    home = PACKAGE / "protocol" / "wire_types.py"
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != home and path.relative_to(PACKAGE).parts[0] not in USER_CODE
        for line, value in _spelled_strings(path)
        if value in types
    ]
    assert found == []


def test_the_home_names_each_type_once() -> None:
    names = {name: value for name, value in vars(wire_types).items() if name.isupper()}
    assert len(set(names.values())) == len(names)
    assert all(isinstance(value, str) and value for value in names.values())
