"""The public names of rx_lpagent are exactly the ones README.md documents."""

from __future__ import annotations

import importlib
import importlib.util
import re

import rx_lpagent
from tests.conftest import ROOT


def _documented_names() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Public API", 1)[1].split("\n## ", 1)[0]
    paragraph = section.split("\n\n")[2]
    return set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", paragraph))


def test_all_equals_the_documented_names() -> None:
    assert set(rx_lpagent.__all__) == _documented_names()


def test_every_exported_name_exists_and_nothing_else_is_public() -> None:
    for name in rx_lpagent.__all__:
        assert hasattr(rx_lpagent, name), name
    public = {
        name
        for name in vars(rx_lpagent)
        if not name.startswith("_") and not isinstance(getattr(rx_lpagent, name), type(re))
    }
    assert public == set(rx_lpagent.__all__)


def test_the_errors_module_is_not_shadowed() -> None:
    from rx_lpagent import errors

    assert errors is importlib.import_module("rx_lpagent.errors")
    assert rx_lpagent.errors.SDKError is rx_lpagent.SDKError


def test_no_public_name_is_also_a_module() -> None:
    for name in rx_lpagent.__all__:
        assert importlib.util.find_spec(f"rx_lpagent.{name}") is None, name
