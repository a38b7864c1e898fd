"""README's Operators and virtual-time examples run as written."""

from __future__ import annotations

import re

import pytest
from reactivex import Observable

from rx_lpagent.rx import last_value
from tests.conftest import ROOT


def _python_blocks(section: str) -> list[str]:
    readme = (ROOT / "README.md").read_text()
    body = readme.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.+?)\n```", body, flags=re.DOTALL)


def test_the_refresh_recipe_and_its_virtual_time_test_run() -> None:
    (recipe,) = _python_blocks("Operators")
    (virtual,) = _python_blocks("Testing your pipelines in virtual time")
    namespace: dict[str, object] = {}
    exec(compile(recipe, "README.md#operators", "exec"), namespace)
    exec(compile(virtual, "README.md#testing", "exec"), namespace)
    assert "timeline" in namespace


@pytest.mark.asyncio
async def test_the_recipe_pipeline_runs_on_the_running_loop() -> None:
    (recipe,) = _python_blocks("Operators")
    namespace: dict[str, object] = {}
    exec(compile(recipe, "README.md#operators", "exec"), namespace)
    refreshed = namespace["refreshed"]

    assert isinstance(refreshed, Observable)
    assert await last_value(refreshed) == "refreshed"
