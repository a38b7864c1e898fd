"""The fleet file: agents with their credential kinds, secrets from the environment, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from rx_lpagent.config import (
    AppKeyCredentials,
    AssertionCredentials,
    PasswordCredentials,
    TokenCredentials,
)
from rx_lpagent.errors import ConfigurationError
from rx_lpagent.fleet import FleetLimits, Rate
from rx_lpagent.fleet.fleet_file import load_fleet_file, parse_fleet_file

FILE = """
[zookeeper]
path = "/bots"
session_timeout = 4.0

[limits]
logins_per_account = 5.0
logins_per_account_burst = 2
connect_jitter = 3.0

[defaults]
csds_domain = "127.0.0.1:8080"
keepalive_interval = 20.0

[[agents]]
account = "123"
username = "bot-1"
password_env = "BOT1_PASSWORD"

[[agents]]
account = "123"
username = "app-bot"
app_key = "k"
secret = "s"
access_token = "t"
access_token_secret_env = "APP_TOKEN_SECRET"
keepalive_interval = 5.0

[[agents]]
account = "456"
assertion = "jwt"

[[agents]]
account = "456"
token = "bearer"
user_id = "42"
"""


def test_a_fleet_file_lists_agents_limits_and_zookeeper_settings(tmp_path: Path) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(FILE)
    env = {"BOT1_PASSWORD": "pw", "APP_TOKEN_SECRET": "ats"}
    parsed = load_fleet_file(path, env)
    kinds = [type(config.credentials) for config in parsed.agents]
    assert kinds == [PasswordCredentials, AppKeyCredentials, AssertionCredentials, TokenCredentials]
    assert parsed.agents[0].credentials == PasswordCredentials("bot-1", "pw")
    assert isinstance(parsed.agents[1].credentials, AppKeyCredentials)
    assert parsed.agents[1].credentials.access_token_secret == "ats"
    assert [config.keepalive_interval for config in parsed.agents] == [20.0, 5.0, 20.0, 20.0]
    assert {config.csds_domain for config in parsed.agents} == {"127.0.0.1:8080"}
    assert parsed.limits.logins_per_account == Rate(5.0, burst=2)
    assert parsed.limits.logins_per_process == FleetLimits().logins_per_process
    assert parsed.limits.connect_jitter == 3.0
    assert (parsed.zookeeper.path, parsed.zookeeper.session_timeout) == ("/bots", 4.0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "no \\[\\[agents\\]\\]"),
        ({"agents": [{"username": "x", "password": "y"}]}, "no account"),
        ({"agents": [{"account": "1", "username": "x"}]}, "no credentials"),
        ({"agents": [{"account": "1", "username": "x", "password_env": "NOPE"}]}, "NOPE"),
        ({"agents": [{"account": "1", "token": "t", "user_id": "1", "colour": 1}]}, "colour"),
        (
            {"agents": [{"account": "1", "token": "t", "user_id": "1"}], "limits": {"x": 1}},
            "unknown \\[limits\\]",
        ),
    ],
)
def test_mistakes_in_a_fleet_file_are_configuration_errors(
    data: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_fleet_file(data, {})


def test_secrets_never_appear_in_the_errors() -> None:
    data = {"agents": [{"account": "1", "password": "hunter2", "colour": 1}]}
    with pytest.raises(ConfigurationError) as caught:
        parse_fleet_file(data, {})
    assert "hunter2" not in str(caught.value)
