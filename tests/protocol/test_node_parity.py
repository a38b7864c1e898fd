"""Differential tests: our transforms against node-agent-sdk 1.2.0's own Transformer.

Needs node and npm; the SDK is installed once into pytest's cache directory (outside the
package) and only executed, never copied. Whenever the SDK produces a result, ours must be the
same JSON with the same key order. Where the SDK throws we may still succeed: we accept a bare
element for a one-element array and a few other shapes it trips over (see transforms.py).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import msgspec
import pytest

from rx_lpagent.protocol import (
    AgentIdentity,
    NodeView,
    Notification,
    fill_request,
    query_messages_to_node_view,
    to_node_view,
    user_profile_to_sdes,
)

pytestmark = pytest.mark.interop

SDK_VERSION = "1.2.0"
ME = AgentIdentity("123", "5551234", "3b5b7ec6-2b0f-53af-9afd-11d4072c85a7")
_SCRIPT = Path(__file__).with_name("node_parity.js")


@pytest.fixture(scope="session")
def sdk_lib(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed")
    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    name = f"node-agent-sdk-{SDK_VERSION}"
    prefix = tmp_path_factory.mktemp(name) if cache is None else cache.mkdir(name)
    lib = prefix / "node_modules" / "node-agent-sdk" / "lib"
    if not (lib / "Transformer.js").exists():
        try:
            subprocess.run(
                [
                    npm,
                    "install",
                    "--ignore-scripts",
                    "--no-audit",
                    "--no-fund",
                    "--fetch-retries=1",
                    "--prefix",
                    str(prefix),
                    f"node-agent-sdk@{SDK_VERSION}",
                ],
                check=True,
                capture_output=True,
                timeout=45,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            pytest.skip(f"could not install node-agent-sdk@{SDK_VERSION}: {exc}")
    return lib


def _run_node(lib: Path, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    agent = {"__oldAgentId": ME.old_agent_id, "agentId": ME.user_pid, "accountId": ME.account_id}
    completed = subprocess.run(
        ["node", str(_SCRIPT)],
        input=json.dumps({"agent": agent, "cases": cases}),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        env={**os.environ, "NODE_AGENT_SDK_LIB": str(lib)},
    )
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    return results


def _ours(case: dict[str, Any]) -> dict[str, Any]:
    """Our result for a case, in the shape node_parity.js prints."""
    kind, type_, body = case["kind"], case["type"], case["body"]
    raw = msgspec.Raw(json.dumps(body).encode())
    if kind == "req":
        wire_type, filled = fill_request(type_, body, ME)
        return {"ok": True, "type": wire_type, "body": filled, "warnings": [], "emitted": []}
    if type_ == ".ams.ms.QueryMessages$Response":
        view = query_messages_to_node_view(raw, ME)
        if isinstance(view, NodeView | None):
            emitted = [] if view is None else [{"type": view.type, "body": view.body}]
            return {
                "ok": True,
                "type": "GenericSubscribeResponse",
                "body": None,
                "warnings": [],
                "emitted": emitted,
            }
        return {"ok": False}
    if type_ == ".ams.userprofile.GetUserProfile$Response":
        sdes = user_profile_to_sdes(raw)
        if isinstance(sdes, list):
            return {"ok": True, "type": type_, "body": sdes, "warnings": [], "emitted": []}
        return {"ok": False}
    view = to_node_view(Notification(type_, raw), ME)
    if isinstance(view, NodeView):
        return {
            "ok": True,
            "type": view.type,
            "body": view.body,
            "warnings": list(view.warnings),
            "emitted": [],
        }
    return {"ok": False}


def _key_orders(value: Any) -> list[list[str]]:
    if isinstance(value, dict):
        return [list(value), *[o for v in value.values() for o in _key_orders(v)]]
    if isinstance(value, list):
        return [o for v in value for o in _key_orders(v)]
    return []


def _assert_parity(lib: Path, cases: list[dict[str, Any]], *, node_errors_must_match: bool) -> None:
    for case, theirs in zip(cases, _run_node(lib, cases), strict=True):
        if case["type"] == ".ams.ms.QueryMessages$Response" and isinstance(case["body"], dict):
            continue  # documented: we take a bare event for a list of one, the SDK ignores it
        ours = _ours(case)
        if not theirs["ok"]:
            if node_errors_must_match:
                assert not ours["ok"], (case, theirs["error"])
            continue
        assert ours["ok"], (case, theirs)
        del theirs["ok"], ours["ok"]
        assert ours == theirs, case
        assert _key_orders(ours) == _key_orders(theirs), case


def _fixture_cases(lp_frames: dict[str, Any]) -> list[dict[str, Any]]:
    cases = [
        {"kind": f["kind"], "type": f["type"], "body": f["body"]}
        for name, f in lp_frames.items()
        if name.startswith(("notif_", "resp_query", "resp_get_user"))
        or name
        in {
            "req_set_agent_state",
            "req_subscribe_routing_tasks",
            "req_subscribe_ex_conversations",
            "req_join_as_manager",
        }
    ]
    query = lp_frames["req_query_messages"]["body"]
    cases.append({"kind": "req", "type": "ms.SubscribeMessagingEvents", "body": query})
    return cases


def test_fixtures_transform_exactly_as_the_sdk_does(
    sdk_lib: Path, lp_frames: dict[str, Any]
) -> None:
    cases = _fixture_cases(lp_frames)
    assert len(cases) >= 12
    _assert_parity(sdk_lib, cases, node_errors_must_match=True)


_SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    "",
    "x",
    "123.5551234",
    ME.user_pid,
    "SUGGESTED",
]
_ROLES = ["CONSUMER", "ASSIGNED_AGENT", "MANAGER", "READER"]


def _mutate(value: Any, rnd: random.Random, depth: int = 0) -> Any:
    """A randomly damaged copy of ``value``: the shapes the SDK and we must both survive."""
    roll = rnd.random()
    if depth > 0 and roll < 0.06:
        return rnd.choice(_SCALARS)
    if depth > 0 and roll < 0.1:
        return [value]  # an element where the SDK expects... or a list where it expects one
    if roll < 0.14 and isinstance(value, list) and len(value) == 1:
        return value[0]  # the bare element for a one-element array
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if rnd.random() < 0.08:
                continue
            new_key = rnd.choice(_ROLES) if key in _ROLES and rnd.random() < 0.2 else key
            out[new_key] = _mutate(item, rnd, depth + 1)
        return out
    if isinstance(value, list):
        items = [_mutate(item, rnd, depth + 1) for item in value]
        if items and rnd.random() < 0.2:
            items.append(_mutate(rnd.choice(value), rnd, depth + 1))
        return items
    if isinstance(value, str) and rnd.random() < 0.1:
        return rnd.choice(["123.5551234", ME.user_pid, "SUGGESTED", *_ROLES])
    return value


@pytest.mark.parametrize("seed", range(5))
def test_damaged_fixtures_transform_as_the_sdk_does_whenever_it_succeeds(
    sdk_lib: Path, lp_frames: dict[str, Any], seed: int
) -> None:
    rnd = random.Random(seed)  # seeded: a failure names its seed and replays
    base = _fixture_cases(lp_frames)
    cases = [{**case, "body": _mutate(case["body"], rnd)} for _ in range(40) for case in base]
    _assert_parity(sdk_lib, cases, node_errors_must_match=False)
