"""RestClient against a real aiohttp server on 127.0.0.1 (tests/transport/conftest.py)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from rx_lpagent._endpoints import ServiceHosts
from rx_lpagent.agent._live import rest_client
from rx_lpagent.config import Credentials, PasswordCredentials, TokenCredentials
from rx_lpagent.errors import (
    AuthenticationError,
    RateLimitedError,
    RequestTimeoutError,
    SDKError,
    ServerError,
    Service,
    TransportError,
)
from rx_lpagent.transport import LoginSession, RestClient
from tests.transport.conftest import (
    ACCOUNT,
    APP_CREDENTIALS,
    ASSERTION_CREDENTIALS,
    PASSWORD,
    USERNAME,
    FakeLivePerson,
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.asyncio
async def test_fetch_domains_maps_services_to_hosts(
    fake_lp: FakeLivePerson, rest: RestClient
) -> None:
    domains = await rest.fetch_domains(ACCOUNT)
    assert domains["agentVep"] == fake_lp.host
    assert domains["facadeMsg"] == fake_lp.host
    assert fake_lp.path_call("csds") == [{"version": "1.0"}]


@pytest.mark.asyncio
async def test_domains_override_wins(fake_lp: FakeLivePerson) -> None:
    """The client returns what CSDS says; the config's endpoints put the overrides on top."""
    config = fake_lp.config(domains={"facadeMsg": "ws.example:1", "extra": "x.example"})
    async with rest_client(config) as rest:
        domains = await rest.fetch_domains(ACCOUNT)
    assert domains["facadeMsg"] == fake_lp.host
    assert "extra" not in domains
    assert config.endpoints.hosts(domains) == ServiceHosts(fake_lp.host, "ws.example:1")


@pytest.mark.asyncio
async def test_fixture_csds_payload_parses(fake_lp: FakeLivePerson, rest: RestClient) -> None:
    fake_lp.fail_next("csds", 200, fake_lp.frames["csds_response"])
    domains = await rest.fetch_domains(ACCOUNT)
    assert domains["asyncMessagingEnt"] == "va.msg.liveperson.net"
    assert len(domains) == 5


@pytest.mark.asyncio
async def test_a_single_base_uri_may_come_bare(fake_lp: FakeLivePerson, rest: RestClient) -> None:
    fake_lp.fail_next("csds", 200, {"baseURIs": {"service": "agentVep", "baseURI": "h"}})
    assert await rest.fetch_domains(ACCOUNT) == {"agentVep": "h"}


@pytest.mark.asyncio
@pytest.mark.parametrize("body", [{}, {"baseURIs": []}, {"baseURIs": None}])
async def test_a_200_without_base_uris_is_an_error(
    fake_lp: FakeLivePerson, rest: RestClient, body: object
) -> None:
    fake_lp.fail_next("csds", 200, body)
    with pytest.raises(SDKError, match="could not fetch domains") as caught:
        await rest.fetch_domains(ACCOUNT)
    assert caught.value.service == Service.DOMAIN_NAMES
    assert not caught.value.retryable


@pytest.mark.asyncio
async def test_csds_garbage_is_an_error(fake_lp: FakeLivePerson, rest: RestClient) -> None:
    fake_lp.fail_next("csds", 200, b"<html>")
    with pytest.raises(SDKError, match="could not fetch domains: invalid"):
        await rest.fetch_domains(ACCOUNT)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("status", "family"),
    [(400, SDKError), (401, AuthenticationError), (500, ServerError), (503, ServerError)],
)
async def test_csds_statuses_map_to_families(
    fake_lp: FakeLivePerson, rest: RestClient, status: int, family: type[SDKError]
) -> None:
    fake_lp.fail_next("csds", status)
    with pytest.raises(family) as caught:
        await rest.fetch_domains(ACCOUNT)
    assert type(caught.value) is family
    assert caught.value.code == status
    assert caught.value.service == Service.DOMAIN_NAMES
    assert caught.value.retryable == (status >= 500)


@pytest.mark.asyncio
async def test_retry_after_is_parsed(fake_lp: FakeLivePerson, rest: RestClient) -> None:
    fake_lp.fail_next("csds", 503, headers={"Retry-After": "7"})
    with pytest.raises(ServerError) as caught:
        await rest.fetch_domains(ACCOUNT)
    assert caught.value.retry_after == 7.0


@pytest.mark.asyncio
async def test_refused_connection_is_a_transport_error(fake_lp: FakeLivePerson) -> None:
    config = fake_lp.config(csds_domain=f"http://127.0.0.1:{_free_port()}")
    async with rest_client(config) as rest:
        with pytest.raises(TransportError) as caught:
            await rest.fetch_domains(ACCOUNT)
    assert caught.value.service == Service.DOMAIN_NAMES
    assert caught.value.retryable
    assert "could not fetch domains" in str(caught.value)


@pytest.mark.asyncio
async def test_a_slow_answer_times_out(fake_lp: FakeLivePerson) -> None:
    fake_lp.fail_next("csds", 200, fake_lp.frames["csds_response"], delay=1.0)
    async with rest_client(fake_lp.config(request_timeout=0.05)) as rest:
        with pytest.raises(RequestTimeoutError) as caught:
            await rest.fetch_domains(ACCOUNT)
    assert caught.value.service == Service.DOMAIN_NAMES
    assert caught.value.timeout == 0.05
    assert caught.value.retryable


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("credentials", "fixture"),
    [
        (PasswordCredentials(USERNAME, PASSWORD), None),
        (APP_CREDENTIALS, "login_request_app"),
        (ASSERTION_CREDENTIALS, "login_request_assertion"),
    ],
)
async def test_login_sends_the_body_of_each_credential_kind(
    fake_lp: FakeLivePerson, rest: RestClient, credentials: Credentials, fixture: str | None
) -> None:
    session = await rest.login(fake_lp.host, ACCOUNT, credentials)
    expected = (
        {"username": USERNAME, "password": PASSWORD} if fixture is None else fake_lp.frames[fixture]
    )
    assert fake_lp.path_call("login") == [expected]
    response = fake_lp.frames["login_response"]
    assert session == LoginSession(
        bearer=response["bearer"],
        user_id=response["config"]["userId"],
        csrf=response["csrf"],
        user_pid=response["config"]["userPid"],
        session_ttl_ms=28800000,
    )
    assert session.can_refresh
    assert rest.has_session_cookie(fake_lp.host)


@pytest.mark.asyncio
async def test_login_sends_the_user_agent(fake_lp: FakeLivePerson) -> None:
    async with rest_client(fake_lp.config(user_agent="my-bot/1.0")) as rest:
        await rest.login(fake_lp.host, ACCOUNT, PasswordCredentials(USERNAME, PASSWORD))
    headers = next(headers for name, _, headers in fake_lp.calls if name == "login")
    assert headers["User-Agent"] == "my-bot/1.0"


@pytest.mark.asyncio
async def test_token_credentials_make_no_call(fake_lp: FakeLivePerson, rest: RestClient) -> None:
    session = await rest.login(fake_lp.host, ACCOUNT, TokenCredentials("tok", "42"))
    assert session == LoginSession(bearer="tok", user_id="42")
    assert not session.can_refresh
    assert fake_lp.calls == []


@pytest.mark.asyncio
async def test_login_401_carries_the_error_body(fake_lp: FakeLivePerson, rest: RestClient) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await rest.login(fake_lp.host, ACCOUNT, PasswordCredentials(USERNAME, "wrong-pass"))
    error = caught.value
    assert error.code == 401
    assert error.service == Service.LOGIN
    assert "Bad Authentication" in error.message
    assert "internalCode 38" in error.message
    assert "wrong-pass" not in str(error) + repr(error)


@pytest.mark.asyncio
async def test_login_429_with_retry_after(fake_lp: FakeLivePerson, rest: RestClient) -> None:
    fake_lp.fail_next(
        "login", 429, {"error": {"message": "retry after 5 seconds"}}, {"Retry-After": "5"}
    )
    with pytest.raises(RateLimitedError) as caught:
        await rest.login(fake_lp.host, ACCOUNT, PasswordCredentials(USERNAME, PASSWORD))
    assert (caught.value.code, caught.value.retry_after) == (429, 5.0)
    assert "retry after 5 seconds" in caught.value.message


@pytest.mark.asyncio
async def test_login_500_is_a_server_error(fake_lp: FakeLivePerson, rest: RestClient) -> None:
    fake_lp.fail_next("login", 500, b"oops")
    with pytest.raises(ServerError) as caught:
        await rest.login(fake_lp.host, ACCOUNT, PasswordCredentials(USERNAME, PASSWORD))
    assert caught.value.code == 500
    assert caught.value.retryable


@pytest.mark.asyncio
async def test_a_200_with_error_is_an_error_coded_by_internal_code(
    fake_lp: FakeLivePerson, rest: RestClient
) -> None:
    fake_lp.fail_next("login", 200, fake_lp.frames["login_error_401"])
    with pytest.raises(AuthenticationError) as caught:
        await rest.login(fake_lp.host, ACCOUNT, PasswordCredentials(USERNAME, PASSWORD))
    assert caught.value.code == 38
    assert caught.value.service == Service.LOGIN


@pytest.mark.asyncio
async def test_a_200_with_an_unknown_error_status_is_a_plain_error(
    fake_lp: FakeLivePerson, rest: RestClient
) -> None:
    fake_lp.fail_next("login", 200, {"error": {"message": "nope", "internalCode": 7}})
    with pytest.raises(SDKError) as caught:
        await rest.login(fake_lp.host, ACCOUNT, PasswordCredentials(USERNAME, PASSWORD))
    assert type(caught.value) is SDKError
    assert caught.value.code == 7


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"bearer": "b", "csrf": "c", "config": {}}, "invalid login state, userId is undefined"),
        ({"bearer": "b", "csrf": "c"}, "invalid login state, userId is undefined"),
        ({"csrf": "c", "config": {"userId": "1"}}, "bearer is undefined"),
        (b"not json", "invalid login answer"),
    ],
)
async def test_incomplete_login_answers_are_errors(
    fake_lp: FakeLivePerson, rest: RestClient, body: Any, message: str
) -> None:
    fake_lp.fail_next("login", 200, body)
    with pytest.raises(SDKError, match=message) as caught:
        await rest.login(fake_lp.host, ACCOUNT, PasswordCredentials(USERNAME, PASSWORD))
    assert caught.value.service == Service.LOGIN


@pytest.mark.asyncio
async def test_a_numeric_user_id_becomes_a_string(
    fake_lp: FakeLivePerson, rest: RestClient
) -> None:
    fake_lp.fail_next("login", 200, {"bearer": "b", "config": {"userId": 5551234}})
    session = await rest.login(fake_lp.host, ACCOUNT, PasswordCredentials(USERNAME, PASSWORD))
    assert session.user_id == "5551234"
    assert session.csrf is None


@pytest.mark.asyncio
async def test_refresh_and_logout_send_csrf_and_cookie(
    fake_lp: FakeLivePerson, rest: RestClient
) -> None:
    session = await rest.login(fake_lp.host, ACCOUNT, PasswordCredentials(USERNAME, PASSWORD))
    await rest.refresh(fake_lp.host, ACCOUNT, session)
    await rest.logout(fake_lp.host, ACCOUNT, session)
    expected_body = fake_lp.frames["refresh_request"]
    calls = [(name, body, cookies) for name, body, cookies in fake_lp.calls if name != "login"]
    assert calls == [
        ("refresh", expected_body, {"Session_id": "session-cookie-value"}),
        ("logout", expected_body, {"Session_id": "session-cookie-value"}),
    ]


@pytest.mark.asyncio
async def test_refresh_with_a_bad_csrf_is_401(fake_lp: FakeLivePerson, rest: RestClient) -> None:
    session = await rest.login(fake_lp.host, ACCOUNT, PasswordCredentials(USERNAME, PASSWORD))
    stale = LoginSession(bearer=session.bearer, user_id=session.user_id, csrf="stale")
    with pytest.raises(AuthenticationError) as caught:
        await rest.refresh(fake_lp.host, ACCOUNT, stale)
    assert caught.value.code == 401
    assert caught.value.service == Service.REFRESH_SESSION
    assert "CSRF token invalid" in caught.value.message


@pytest.mark.asyncio
async def test_refresh_5xx_and_logout_errors_name_their_service(
    fake_lp: FakeLivePerson, rest: RestClient
) -> None:
    session = await rest.login(fake_lp.host, ACCOUNT, PasswordCredentials(USERNAME, PASSWORD))
    fake_lp.fail_next("refresh", 503, headers={"Retry-After": "2"})
    with pytest.raises(ServerError) as refresh_error:
        await rest.refresh(fake_lp.host, ACCOUNT, session)
    assert refresh_error.value.retry_after == 2.0
    assert refresh_error.value.service == Service.REFRESH_SESSION
    fake_lp.fail_next("logout", 500)
    with pytest.raises(ServerError) as logout_error:
        await rest.logout(fake_lp.host, ACCOUNT, session)
    assert logout_error.value.service == Service.LOGOUT


@pytest.mark.asyncio
async def test_token_sessions_cannot_refresh(fake_lp: FakeLivePerson, rest: RestClient) -> None:
    session = await rest.login(fake_lp.host, ACCOUNT, TokenCredentials("tok", "42"))
    with pytest.raises(SDKError, match="no csrf") as caught:
        await rest.refresh(fake_lp.host, ACCOUNT, session)
    assert caught.value.service == Service.REFRESH_SESSION
    assert fake_lp.calls == []
    assert not rest.has_session_cookie(fake_lp.host)


def test_login_session_repr_hides_bearer_and_csrf() -> None:
    session = LoginSession(bearer="BEARER-x", user_id="1", csrf="CSRF-x", user_pid="p")
    for text in (repr(session), str(session), repr(session.__rich_repr__())):
        assert "BEARER" not in text
        assert "CSRF" not in text
    assert "user_id='1'" in repr(session)
