"""Which host serves each service (the one pure function), and the endpoints a config holds."""

from __future__ import annotations

import copy
import pickle

import msgspec
import pytest

import rx_lpagent.config
from rx_lpagent._endpoints import Endpoints, ServiceHosts, require_host, service_hosts
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.errors import ConfigurationError, SDKError, Service

VEP = "vep.example"
FACADE = "facade.example"
ASYNC = "async.example"
OVERRIDE = "override.example:9000"
CREDENTIALS = PasswordCredentials("bot", "pw")

# (what CSDS lists, the config's domains, messaging_service) -> (login host, messaging host)
HOSTS = [
    pytest.param({}, {}, "facadeMsg", (None, None), id="nothing-listed"),
    pytest.param(
        {"agentVep": VEP, "facadeMsg": FACADE, "asyncMessagingEnt": ASYNC},
        {},
        "facadeMsg",
        (VEP, FACADE),
        id="both-listed-facade-preferred",
    ),
    pytest.param(
        {"agentVep": VEP, "facadeMsg": FACADE, "asyncMessagingEnt": ASYNC},
        {},
        "asyncMessagingEnt",
        (VEP, ASYNC),
        id="both-listed-async-preferred",
    ),
    pytest.param(
        {"agentVep": VEP, "asyncMessagingEnt": ASYNC},
        {},
        "facadeMsg",
        (VEP, ASYNC),
        id="facade-missing-falls-back-to-async",
    ),
    pytest.param(
        {"agentVep": VEP, "facadeMsg": FACADE},
        {},
        "asyncMessagingEnt",
        (VEP, FACADE),
        id="async-missing-falls-back-to-facade",
    ),
    pytest.param(
        {"agentVep": VEP, "facadeMsg": "", "asyncMessagingEnt": ASYNC},
        {},
        "facadeMsg",
        (VEP, ASYNC),
        id="an-empty-host-counts-as-none",
    ),
    pytest.param(
        {"agentVep": "", "facadeMsg": "", "asyncMessagingEnt": ""},
        {},
        "facadeMsg",
        (None, None),
        id="all-empty",
    ),
    pytest.param(
        {"facadeMsg": FACADE}, {}, "facadeMsg", (None, FACADE), id="no-login-service-listed"
    ),
    pytest.param(
        {"agentVep": VEP, "msgHist": "hist.example"},
        {},
        "facadeMsg",
        (VEP, None),
        id="no-messaging-service-listed",
    ),
    pytest.param(
        {"agentVep": VEP, "facadeMsg": FACADE},
        {"agentVep": OVERRIDE},
        "facadeMsg",
        (OVERRIDE, FACADE),
        id="login-override-wins",
    ),
    pytest.param(
        {"agentVep": VEP, "facadeMsg": FACADE},
        {"facadeMsg": OVERRIDE},
        "facadeMsg",
        (VEP, OVERRIDE),
        id="messaging-override-wins",
    ),
    pytest.param(
        {},
        {"agentVep": OVERRIDE, "facadeMsg": OVERRIDE},
        "facadeMsg",
        (OVERRIDE, OVERRIDE),
        id="overrides-alone-suffice",
    ),
    pytest.param(
        {"agentVep": VEP},
        {"asyncMessagingEnt": OVERRIDE},
        "facadeMsg",
        (VEP, OVERRIDE),
        id="override-of-the-other-name-is-the-fallback",
    ),
    pytest.param(
        {"agentVep": VEP, "facadeMsg": FACADE},
        {"asyncMessagingEnt": OVERRIDE},
        "facadeMsg",
        (VEP, FACADE),
        id="the-preferred-name-listed-beats-an-override-of-the-other",
    ),
    pytest.param(
        {"agentVep": VEP, "facadeMsg": FACADE},
        {"extra": OVERRIDE},
        "facadeMsg",
        (VEP, FACADE),
        id="unrelated-override-changes-nothing",
    ),
    pytest.param(
        {"agentVep": VEP, "facadeMsg": FACADE},
        {},
        "someOtherService",
        (VEP, None),
        id="a-name-without-fallback-gets-none",
    ),
]


@pytest.mark.parametrize(("csds", "overrides", "messaging_service", "expected"), HOSTS)
def test_service_hosts(
    csds: dict[str, str],
    overrides: dict[str, str],
    messaging_service: str,
    expected: tuple[str | None, str | None],
) -> None:
    hosts = service_hosts(csds, overrides, messaging_service)
    assert hosts == ServiceHosts(*expected)
    endpoints = Endpoints("csds.example", True, tuple(sorted(overrides.items())), messaging_service)
    assert endpoints.hosts(csds) == hosts


def test_service_hosts_leaves_its_inputs_alone() -> None:
    csds = {"agentVep": VEP, "asyncMessagingEnt": ASYNC}
    overrides = {"agentVep": OVERRIDE}
    service_hosts(csds, overrides, "facadeMsg")
    assert csds == {"agentVep": VEP, "asyncMessagingEnt": ASYNC}
    assert overrides == {"agentVep": OVERRIDE}


@pytest.mark.parametrize("host", [None, ""])
def test_require_host_names_the_missing_service(host: str | None) -> None:
    with pytest.raises(SDKError, match="no 'facadeMsg' domain") as caught:
        require_host(host, "facadeMsg")
    assert caught.value.service == Service.DOMAIN_NAMES
    assert require_host(FACADE, "facadeMsg") == FACADE


def test_the_endpoints_hosts_or_a_domain_names_error() -> None:
    endpoints = Endpoints("csds.example", messaging_service="asyncMessagingEnt")
    csds = {"agentVep": VEP, "facadeMsg": FACADE}
    assert (endpoints.login_host(csds), endpoints.messaging_host(csds)) == (VEP, FACADE)
    with pytest.raises(SDKError, match="no 'agentVep' domain"):
        endpoints.login_host({"facadeMsg": FACADE})
    with pytest.raises(SDKError, match="no 'asyncMessagingEnt' domain"):
        endpoints.messaging_host({"agentVep": VEP})


@pytest.mark.parametrize(
    ("csds_domain", "csds", "secure", "schemes"),
    [
        ("adminlogin.liveperson.net", "adminlogin.liveperson.net", True, ("https", "wss")),
        ("https://h.example:8443/", "h.example:8443", True, ("https", "wss")),
        ("http://127.0.0.1:8080", "127.0.0.1:8080", False, ("http", "ws")),
        ("http://[::1]:8080", "[::1]:8080", False, ("http", "ws")),
    ],
)
def test_a_config_holds_its_endpoints(
    csds_domain: str, csds: str, secure: bool, schemes: tuple[str, str]
) -> None:
    config = AgentConfig(
        "123",
        CREDENTIALS,
        csds_domain=csds_domain,
        domains={"facadeMsg": OVERRIDE, "agentVep": VEP},
        messaging_service="asyncMessagingEnt",
    )
    assert config.endpoints == Endpoints(
        csds, secure, (("agentVep", VEP), ("facadeMsg", OVERRIDE)), "asyncMessagingEnt"
    )
    assert (config.endpoints.http_scheme, config.endpoints.ws_scheme) == schemes
    assert (config.csds_host, config.secure) == (csds, secure)
    assert (config.http_scheme, config.ws_scheme) == schemes


def test_csds_domain_is_parsed_once_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    config = AgentConfig("123", CREDENTIALS, csds_domain="http://127.0.0.1:8080")

    def parsed_again(_: str) -> None:
        raise AssertionError("csds_domain parsed again")

    monkeypatch.setattr(rx_lpagent.config, "parse_csds", parsed_again)
    for _ in range(3):
        assert config.endpoints is config.endpoints
        assert (config.secure, config.csds_host, config.ws_scheme) == (
            False,
            "127.0.0.1:8080",
            "ws",
        )


def test_the_endpoints_follow_the_config_through_copies() -> None:
    config = AgentConfig("123", CREDENTIALS, csds_domain="http://h.example:1")
    assert copy.copy(config).endpoints == config.endpoints
    assert copy.deepcopy(config).endpoints == config.endpoints
    assert pickle.loads(pickle.dumps(config)).endpoints == config.endpoints
    moved = msgspec.structs.replace(config, csds_domain="https://other.example", domains={"a": "b"})
    assert moved.endpoints == Endpoints("other.example", True, (("a", "b"),), "facadeMsg")
    with pytest.raises(ConfigurationError, match="scheme 'ftp'"):
        msgspec.structs.replace(config, csds_domain="ftp://x")


def test_the_endpoints_are_not_a_field() -> None:
    config = AgentConfig("123", CREDENTIALS)
    assert "endpoints" not in AgentConfig.__struct_fields__
    assert "_endpoints" not in AgentConfig.__struct_fields__
    assert "endpoints" not in msgspec.json.decode(msgspec.json.encode(config))
    assert "endpoints" not in repr(config)
    with pytest.raises(AttributeError):
        config.endpoints = Endpoints("x")  # type: ignore[misc]
