"""AgentConfig refuses at construction what would only fail later on the network, and never
reveals a secret when encoded."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import msgspec
import pytest

from rx_lpagent.config import (
    AgentConfig,
    AppKeyCredentials,
    AssertionCredentials,
    PasswordCredentials,
    TokenCredentials,
)
from rx_lpagent.errors import ConfigurationError

CREDENTIALS = PasswordCredentials("bot", "pw")


@pytest.mark.parametrize(
    ("csds", "host", "secure"),
    [
        ("adminlogin.liveperson.net", "adminlogin.liveperson.net", True),
        ("  api.liveperson.net  ", "api.liveperson.net", True),
        ("https://api.liveperson.net:8443/", "api.liveperson.net:8443", True),
        ("http://localhost:8080", "localhost:8080", False),
        ("http://[::1]:8080", "[::1]:8080", False),
        ("https://[2001:db8::1]", "[2001:db8::1]", True),
        ("[::1]:9443", "[::1]:9443", True),
        ("bücher.example", "xn--bcher-kva.example", True),
        ("http://127.0.0.1:65535", "127.0.0.1:65535", False),
    ],
)
def test_valid_csds_domains(csds: str, host: str, secure: bool) -> None:
    config = AgentConfig("123", CREDENTIALS, csds_domain=csds)
    assert (config.csds_host, config.secure) == (host, secure)


@pytest.mark.parametrize(
    ("csds", "message"),
    [
        ("ftp://host", "scheme 'ftp'"),
        ("ws://host", "scheme 'ws'"),
        ("http://host:0", "port 0 is not in 1-65535"),
        ("http://host:70000", "not a valid host"),
        ("http://host:port", "not a valid host"),
        ("http://::1:8080", "not a valid host"),
        ("http://[not-ipv6]:80", "not a valid host|IPv6"),
        ("http://[::1", "not a valid host|IPv6"),
        ("exa mple.com", "whitespace"),
        ("host\r\nX-Injected: 1", "whitespace or control"),
        ("host\x00", "control"),
        ("host\u200b.com", "control|not a valid host"),
        ("https://user:pw@host", "no path, query, fragment or user"),
        ("https://host/path", "no path"),
        ("https://host?query=1", "query"),
        ("https://host#fragment", "fragment"),
        ("ex!ample.com", "not a valid host name"),
        ("-bad-.example", "not a valid host name"),
        ("a..b", "not a valid host name"),
        ("https://", "not a valid host"),
    ],
)
def test_invalid_csds_domains_fail_at_construction(csds: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        AgentConfig("123", CREDENTIALS, csds_domain=csds)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"account_id": "12 3"}, "account_id"),
        ({"account_id": "../123"}, "account_id"),
        ({"account_id": "123\n"}, "account_id"),
        ({"account_id": "1" * 65}, "at most 64"),
        ({"account_id": 123}, "account_id is required"),
        ({"user_agent": "bot/1.0\r\nX-Injected: yes"}, "user_agent .*CR/LF"),
        ({"user_agent": "bot/1.0\n"}, "user_agent"),
        ({"api_version": "2.1\r\n"}, "api_version"),
        ({"domains": {"agentVep": "host:99999"}}, r"domains\['agentVep'\]"),
        ({"domains": {"agentVep": "bad host"}}, "whitespace"),
        ({"domains": {"agentVep": "user@host"}}, "host"),
        ({"domains": {"facadeMsg": "[zz]:80"}}, "IPv6"),
        ({"csds_domain": 8080}, "csds_domain"),
    ],
)
def test_other_bad_values_fail_at_construction(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        AgentConfig(**{"account_id": "123", "credentials": CREDENTIALS, **settings})


def test_good_values_still_pass() -> None:
    config = AgentConfig(
        "le-12345_x",
        CREDENTIALS,
        user_agent="my bot/2.0 (+https://example.com)",
        domains={"agentVep": "va.agentvep.liveperson.net", "facadeMsg": "[::1]:9000"},
    )
    assert config.account_id == "le-12345_x"


SECRET_CONFIGS = [
    PasswordCredentials("bot", "S3CRET-pw"),
    AppKeyCredentials("bot", "S3CRET-key", "S3CRET-secret", "S3CRET-token", "S3CRET-ts"),
    AssertionCredentials("S3CRET-assertion"),
    TokenCredentials("S3CRET-bearer", "user-1"),
]


@pytest.mark.parametrize("credentials", SECRET_CONFIGS, ids=lambda c: type(c).__name__)
def test_encoding_a_config_never_reveals_a_secret(credentials: Any) -> None:
    config = AgentConfig("123", credentials)
    encoded = [
        msgspec.json.encode(config),
        msgspec.json.encode(credentials),
        repr(msgspec.to_builtins(config)).encode(),
        repr(msgspec.structs.asdict(config)).encode(),
        repr(config).encode(),
        str(config).encode(),
    ]
    for text in encoded:
        assert b"S3CRET" not in text
    assert msgspec.to_builtins(config)["account_id"] == "123"


def test_sealed_secrets_still_read_compare_copy_and_pickle_as_before() -> None:
    creds = PasswordCredentials("bot", "S3CRET-pw")
    assert creds.password == "S3CRET-pw"
    assert isinstance(creds.password, str)
    assert creds == PasswordCredentials("bot", "S3CRET-pw")
    assert creds != PasswordCredentials("bot", "other")
    assert hash(creds) == hash(PasswordCredentials("bot", "S3CRET-pw"))
    renamed = msgspec.structs.replace(creds, username="bot2")
    assert (renamed.username, renamed.password) == ("bot2", "S3CRET-pw")
    assert pickle.loads(pickle.dumps(creds)) == creds
    assert copy.deepcopy(creds).password == "S3CRET-pw"
    config = AgentConfig("123", creds)
    assert hash(config) == hash(AgentConfig("123", PasswordCredentials("bot", "S3CRET-pw")))
    assert msgspec.to_builtins(creds) == {"username": "bot", "password": {"secret": "***"}}
    app = AppKeyCredentials("bot", "k", "s", "t", "ts")
    assert (app.app_key, app.secret, app.access_token, app.access_token_secret) == (
        "k",
        "s",
        "t",
        "ts",
    )
    assert TokenCredentials("tok", "u").token == "tok"
    assert AssertionCredentials("a").assertion == "a"
