from __future__ import annotations

import re
import ssl
from typing import Any

import pytest

from rx_lpagent.config import (
    DEFAULT_CSDS_DOMAIN,
    AgentConfig,
    AppKeyCredentials,
    AssertionCredentials,
    Credentials,
    PasswordCredentials,
    TokenCredentials,
)
from rx_lpagent.errors import ConfigurationError
from tests.conftest import ROOT

CREDENTIALS = PasswordCredentials("bot", "pa55word")


def test_defaults_follow_liveperson() -> None:
    config = AgentConfig("123", CREDENTIALS)
    assert config.csds_domain == DEFAULT_CSDS_DOMAIN
    assert config.secure
    assert (config.http_scheme, config.ws_scheme) == ("https", "wss")
    assert config.messaging_service == "facadeMsg"
    assert config.api_version == "2.1"
    assert config.request_timeout == 10.0
    assert config.refresh_interval == 600.0
    assert config.keepalive_interval == 30.0
    assert config.transport == "websockets"
    assert config.user_agent.startswith("rx_lpagent")
    assert config.domains == {}


@pytest.mark.parametrize(
    ("csds", "host", "secure"),
    [
        ("api.liveperson.net", "api.liveperson.net", True),
        ("https://api.liveperson.net", "api.liveperson.net", True),
        ("http://127.0.0.1:8080", "127.0.0.1:8080", False),
        ("HTTP://127.0.0.1:8080/", "127.0.0.1:8080", False),
    ],
)
def test_csds_domain_decides_the_scheme(csds: str, host: str, secure: bool) -> None:
    config = AgentConfig("123", CREDENTIALS, csds_domain=csds)
    assert (config.csds_host, config.secure) == (host, secure)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"account_id": ""}, "account_id is required"),
        ({"account_id": "12/3"}, "account_id"),
        ({"credentials": "bot:pw"}, "credentials must be"),
        ({"csds_domain": "ftp://x"}, "scheme 'ftp'"),
        ({"csds_domain": "http://h/path"}, "no path"),
        ({"csds_domain": ""}, "csds_domain"),
        ({"csds_domain": "http://127.0.0.1:1", "ssl": ssl.create_default_context()}, "plain"),
        ({"ssl": "yes"}, "ssl must be"),
        ({"domains": {"agentVep": "https://x"}}, "without scheme"),
        ({"domains": {"agentVep": ""}}, "non-empty host"),
        ({"messaging_service": "msg"}, "messaging_service"),
        ({"transport": "trio"}, "unknown transport 'trio'"),
        ({"request_timeout": 0}, "request_timeout must be a positive"),
        ({"request_timeout": None}, "request_timeout"),
        ({"refresh_interval": -1}, "refresh_interval"),
        ({"keepalive_interval": float("nan")}, "keepalive_interval"),
        ({"keepalive_interval": True}, "keepalive_interval"),
        ({"api_version": ""}, "api_version"),
    ],
)
def test_invalid_settings_are_named(settings: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {"account_id": "123", "credentials": CREDENTIALS}
    with pytest.raises(ConfigurationError, match=message) as caught:
        AgentConfig(**{**base, **settings})
    assert caught.value.service == "configuration"
    assert not caught.value.retryable


def test_intervals_may_be_turned_off() -> None:
    config = AgentConfig("123", CREDENTIALS, refresh_interval=None, keepalive_interval=None)
    assert config.refresh_interval is None
    assert config.keepalive_interval is None


@pytest.mark.parametrize(
    "build",
    [
        lambda: PasswordCredentials("", "x"),
        lambda: PasswordCredentials("bot", ""),
        lambda: AppKeyCredentials("bot", "k", "", "t", "ts"),
        lambda: AssertionCredentials(" "),
        lambda: TokenCredentials("token", ""),
    ],
)
def test_empty_credential_fields_are_refused(build: Any) -> None:
    with pytest.raises(ConfigurationError, match="must be a non-empty string"):
        build()


def test_reprs_never_show_secrets() -> None:
    kinds: list[Credentials] = [
        PasswordCredentials("bot", "S3CRET-pass"),
        AppKeyCredentials("bot", "S3CRET-key", "S3CRET-secret", "S3CRET-at", "S3CRET-ats"),
        AssertionCredentials("S3CRET-assertion"),
        TokenCredentials("S3CRET-token", "5551234"),
    ]
    for credentials in kinds:
        config = AgentConfig("123", credentials)
        for text in (repr(credentials), str(credentials), repr(config), str(config)):
            assert "S3CRET" not in text
        rich = credentials.__rich_repr__()
        assert "S3CRET" not in repr(rich)
    assert "username='bot'" in repr(kinds[0])
    assert "user_id='5551234'" in repr(kinds[3])


def test_structs_are_frozen_and_comparable() -> None:
    config = AgentConfig("123", CREDENTIALS)
    with pytest.raises(AttributeError):
        config.account_id = "456"  # type: ignore[misc]
    assert config == AgentConfig("123", PasswordCredentials("bot", "pa55word"))
    with_domains = AgentConfig("123", CREDENTIALS, domains={"agentVep": "h"})
    assert hash(with_domains) == hash(AgentConfig("123", CREDENTIALS, domains={"agentVep": "h"}))
    assert len({config, with_domains}) == 2


def test_from_env_password() -> None:
    env = {"LP_ACCOUNT": "123", "LP_USER": "bot", "LP_PASS": "pw", "LP_CSDS": "http://h:1"}
    config = AgentConfig.from_env(env)
    assert config.credentials == PasswordCredentials("bot", "pw")
    assert config.csds_host == "h:1"
    assert not config.secure


def test_from_env_every_kind_and_overrides() -> None:
    app = {
        "LP_ACCOUNT": "1",
        "LP_USER": "bot",
        "LP_APP_KEY": "k",
        "LP_SECRET": "s",
        "LP_ACCESS_TOKEN": "t",
        "LP_ACCESS_TOKEN_SECRET": "ts",
        "LP_TRANSPORT": "websockets",
    }
    config = AgentConfig.from_env(app, request_timeout=3.0)
    assert config.credentials == AppKeyCredentials("bot", "k", "s", "t", "ts")
    assert config.transport == "websockets"
    assert config.request_timeout == 3.0
    assertion = AgentConfig.from_env({"LP_ACCOUNT": "1", "LP_ASSERTION": "a"})
    assert assertion.credentials == AssertionCredentials("a")
    token = AgentConfig.from_env({"LP_ACCOUNT": "1", "LP_TOKEN": "t", "LP_USER_ID": "9"})
    assert token.credentials == TokenCredentials("t", "9")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LP_USER": "bot", "LP_PASS": "pw"}, "LP_ACCOUNT is not set"),
        ({"LP_ACCOUNT": "1"}, "no credentials"),
        ({"LP_ACCOUNT": "1", "LP_PASS": "pw"}, "LP_USER is not"),
        ({"LP_ACCOUNT": "1", "LP_PASS": "pw", "LP_TOKEN": "t"}, "choose one credential kind"),
        ({"LP_ACCOUNT": "1", "LP_USER": "b", "LP_APP_KEY": "k"}, "LP_SECRET, LP_ACCESS_TOKEN"),
        ({"LP_ACCOUNT": "1", "LP_TOKEN": "t"}, "LP_USER_ID"),
    ],
)
def test_from_env_explains_what_is_missing(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        AgentConfig.from_env(env)


def test_the_readme_configuration_example_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    (snippet,) = re.findall(r"```python\n(.+?)\n```", section, re.DOTALL)
    exec(compile(snippet, "README.md", "exec"), {})
