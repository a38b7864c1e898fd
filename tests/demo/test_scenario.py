"""The demo's scenario format: emulator scenarios as they are, plus a timeline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rx_lpagent.demo.cli import DEFAULT_DURATION
from rx_lpagent.demo.scenario import DEFAULT_SCENARIO, Scenario, load_scenario, parse_scenario
from rx_lpagent.emulator import parse_faults
from tests.conftest import ROOT


def test_an_emulator_scenario_is_a_demo_scenario() -> None:
    spec = {"endpoint": "csds", "status": 503, "times": 2}
    for data in ({"faults": [spec]}, [spec], spec):
        scenario = parse_scenario(data)
        assert [fault.endpoint for fault in scenario.faults] == ["csds"]
        assert scenario.timeline == []


def test_a_timeline_is_sorted_and_squeezed() -> None:
    scenario = parse_scenario(
        {
            "timeline": [
                {"at": 3.0, "do": "close_sockets", "code": 4401},
                {"at": 1.0, "faults": [{"endpoint": "refresh", "status": 401}], "do": "refresh"},
            ]
        }
    )
    assert [step.at for step in scenario.timeline] == [1.0, 3.0]
    assert scenario.timeline[1].code == 4401
    assert [step.at for step in scenario.squeezed(0.5).timeline] == [0.5, 1.5]
    assert scenario.span == 3.0 + 1.5


@pytest.mark.parametrize(
    "data",
    [
        {"timeline": [{"at": 1.0, "do": "explode"}]},
        {"timeline": [{"at": -1.0}]},
        {"faults": [{"endpoint": "csds", "colour": "red"}]},
        {"timeline": [], "extra": 1},
    ],
)
def test_invalid_scenarios_say_why(data: object) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_scenario(data)


def test_a_scenario_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({"timeline": [{"at": 0.5, "do": "expire_bearer"}]}))
    assert load_scenario(path) == Scenario(
        timeline=parse_scenario(json.loads(path.read_text())).timeline
    )


def test_the_default_scenario_plays_the_faults_of_the_issue_within_the_default_run() -> None:
    endpoints = [fault.endpoint for fault in DEFAULT_SCENARIO.faults] + [
        fault.endpoint for step in DEFAULT_SCENARIO.timeline for fault in step.faults
    ]
    actions = [step.do for step in DEFAULT_SCENARIO.timeline]
    assert {"csds", "refresh", ".ams.ms.PublishEvent"} <= set(endpoints)
    assert {"refresh", "close_sockets", "expire_bearer"} <= set(actions)
    assert DEFAULT_SCENARIO.span <= DEFAULT_DURATION


def _readme_json(section: str) -> list[object]:
    readme = (ROOT / "README.md").read_text()
    body = readme.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return [json.loads(block) for block in re.findall(r"```json\n(.+?)\n```", body, re.S)]


def test_the_readme_scenarios_are_valid() -> None:
    (demo,) = _readme_json("Demo")
    assert [step.do for step in parse_scenario(demo).timeline] == [
        "half_open",
        "refresh",
        "close_sockets",
    ]
    (emulator,) = _readme_json("The emulator")
    assert len(parse_faults(emulator)) == 4
    assert len(parse_scenario(emulator).faults) == 4
