"""``python -m rx_lpagent emulator`` prints its address and credentials and serves until
interrupted."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.emulator.processes import emulator_command


def test_the_emulator_command_serves_tls_with_a_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "faults.json"
    scenario.write_text(json.dumps({"faults": [{"endpoint": "csds", "status": 503}]}))
    with emulator_command(
        "--tls", "--scenario", str(scenario), "--account", "42", last="ca_file"
    ) as info:
        assert set(info) >= {"csds_domain", "account", "username", "password", "ca_file"}
        assert info["account"] == "42"
        assert not info["csds_domain"].startswith("http")
        context = ssl.create_default_context(cafile=info["ca_file"])
        url = f"https://{info['csds_domain']}/api/account/42/service/baseURI.json?version=1.0"
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url, context=context, timeout=10)
        assert caught.value.code == 503
        caught.value.close()
        with urllib.request.urlopen(url, context=context, timeout=10) as response:
            assert json.load(response)["baseURIs"][0]["baseURI"] == info["csds_domain"]
