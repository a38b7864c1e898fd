"""CSDS, login, refresh, logout and the swift store, over real sockets."""

from __future__ import annotations

from typing import Any

import pytest

from rx_lpagent.emulator import Emulator
from tests.emulator.conftest import Client

pytestmark = pytest.mark.asyncio

REQUIRED_SERVICES = {"agentVep", "facadeMsg", "asyncMessagingEnt", "msgHist", "swift"}


async def _post(client: Client, path: str, body: Any, **kwargs: Any) -> tuple[int, Any]:
    async with client.http.post(client.url(path), json=body, **kwargs) as response:
        text = await response.text()
        return response.status, (await response.json() if text else None)


async def test_csds_lists_every_service_at_the_emulator(client: Client, emu: Emulator) -> None:
    path = f"/api/account/{emu.account}/service/baseURI.json?version=1.0"
    async with client.http.get(client.url(path)) as response:
        assert response.status == 200
        body = await response.json()
    services = {entry["service"]: entry for entry in body["baseURIs"]}
    assert set(services) >= REQUIRED_SERVICES
    for entry in services.values():
        assert entry["baseURI"] == f"127.0.0.1:{emu.port}"
        assert entry["account"] == emu.account
    assert emu.calls.last("csds").status == 200


async def test_csds_single_service_form(client: Client, emu: Emulator) -> None:
    path = f"/api/account/{emu.account}/service/agentVep/baseURI.json?version=1.0"
    async with client.http.get(client.url(path)) as response:
        assert await response.json() == {
            "service": "agentVep",
            "account": emu.account,
            "baseURI": f"127.0.0.1:{emu.port}",
        }
    missing = f"/api/account/{emu.account}/service/nope/baseURI.json?version=1.0"
    async with client.http.get(client.url(missing)) as response:
        assert response.status == 404


async def test_csds_unknown_account_is_401(client: Client) -> None:
    async with client.http.get(client.url("/api/account/999/service/baseURI.json")) as response:
        assert response.status == 401
        assert "error" in await response.json()


@pytest.mark.parametrize("kind", ["user", "app", "assertion"])
async def test_login_with_every_credential_kind(client: Client, emu: Emulator, kind: str) -> None:
    body: dict[str, Any] = {
        "user": {"username": emu.username, "password": emu.password},
        "app": dict(emu.app_credentials),
        "assertion": {"jwt": "dummy", "assertion": emu.assertion},
    }[kind]
    path = f"/api/account/{emu.account}/login?v=1.3"
    async with client.http.post(client.url(path), json=body) as response:
        assert response.status == 200
        data = await response.json()
        assert response.cookies["Session_id"].value
    assert data["bearer"]
    assert data["csrf"]
    assert data["sessionTTl"] == "28800000"
    assert data["config"]["userId"]
    assert data["config"]["userPid"]
    secrets = [str(value) for key, value in body.items() if key not in ("username", "jwt")]
    recorded = repr(emu.calls.last("login"))
    assert not any(secret in recorded for secret in secrets)


async def test_each_login_is_a_new_session(client: Client) -> None:
    first, second = await client.login(), await client.login()
    assert first["bearer"] != second["bearer"]
    assert first["csrf"] != second["csrf"]
    assert first["config"]["userId"] == second["config"]["userId"]


@pytest.mark.parametrize(
    "body",
    [
        {"username": "bot", "password": "wrong"},
        {
            "username": "app-bot",
            "appKey": "k",
            "secret": "s",
            "accessToken": "t",
            "accessTokenSecret": "ts",
        },
        {"jwt": "dummy", "assertion": "forged"},
        {},
    ],
)
async def test_wrong_credentials_get_the_documented_401(
    client: Client, emu: Emulator, body: dict[str, Any]
) -> None:
    status, data = await _post(client, f"/api/account/{emu.account}/login?v=1.3", body)
    assert status == 401
    error = data["error"]
    assert error["message"] == "Bad Authentication"
    assert error["internalCode"] == 38
    assert error["responseStatus"] == "UNAUTHORIZED"
    assert error["time"]


async def test_login_rejects_a_body_that_is_not_json(client: Client, emu: Emulator) -> None:
    path = client.url(f"/api/account/{emu.account}/login?v=1.3")
    async with client.http.post(path, data=b"nope") as response:
        assert response.status == 400


async def test_refresh_needs_cookie_and_csrf(client: Client, emu: Emulator) -> None:
    login = await client.login()
    path = f"/api/account/{emu.account}/refresh?v=1.3"
    assert await _post(client, path, {"csrf": login["csrf"]}) == (200, None)
    status, data = await _post(client, path, {"csrf": "wrong"})
    assert status == 401
    assert data["error"]["internalCode"] == 10
    assert "CSRF" in data["error"]["message"]
    client.http.cookie_jar.clear()
    status, _ = await _post(client, path, {"csrf": login["csrf"]})
    assert status == 401


async def test_logout_ends_the_session(client: Client, emu: Emulator) -> None:
    login = await client.login()
    socket = await client.connect(login["bearer"])
    logout = f"/api/account/{emu.account}/logout?v=1.3"
    refresh = f"/api/account/{emu.account}/refresh?v=1.3"
    cookie = {"Cookie": f"Session_id={emu.world.sessions[login['bearer']].cookie}"}
    assert (await _post(client, logout, {"csrf": "bad"}, headers=cookie))[0] == 401
    assert (await _post(client, logout, {"csrf": login["csrf"]}, headers=cookie))[0] == 200
    assert await socket.wait_closed() == 4401
    assert (await _post(client, refresh, {"csrf": login["csrf"]}, headers=cookie))[0] == 401
    assert [c.status for c in emu.calls.of("logout")] == [401, 200]


async def test_swift_upload_and_download(client: Client) -> None:
    socket = await client.connect()
    upload = await socket.request(
        ".ams.ms.GenerateURLForUploadFile", {"fileSize": 4, "fileType": "PNG"}
    )
    assert upload["code"] == 200
    relative, params = upload["body"]["relativePath"], upload["body"]["queryParams"]
    async with client.http.put(client.url(relative), params=params, data=b"\x89PNG") as response:
        assert response.status == 201
    download = await socket.request(
        ".ams.ms.GenerateURLForDownloadFile", {"relativePath": relative}
    )
    params = download["body"]["queryParams"]
    async with client.http.get(client.url(relative), params=params) as response:
        assert await response.read() == b"\x89PNG"
    bad = {**params, "temp_url_sig": "0"}
    async with client.http.get(client.url(relative), params=bad) as response:
        assert response.status == 401


async def test_secrets_stay_out_of_records_and_reprs(client: Client, emu: Emulator) -> None:
    login = await client.login()
    socket = await client.connect(login["bearer"])
    await socket.request(".GetClock")
    refresh = f"/api/account/{emu.account}/refresh?v=1.3"
    assert (await _post(client, refresh, {"csrf": login["csrf"]}))[0] == 200
    session = emu.world.sessions[login["bearer"]]
    secrets = [login["bearer"], login["csrf"], session.cookie, emu.password]
    secrets += [emu.app_credentials.secret, emu.app_credentials.access_token_secret]
    texts = [
        repr(emu.calls.as_list()),
        repr(list(emu.calls)),
        repr(session),
        repr(emu.agent),
        repr(emu.app_credentials),
        repr(emu),
    ]
    for text in texts:
        assert not any(secret in text for secret in secrets), text


async def test_more_accounts_and_agents(client: Client, emu: Emulator) -> None:
    other = emu.add_agent("other-bot", "other-password", account="777")
    assert other.old_id.startswith("777.")
    async with client.http.get(client.url("/api/account/777/service/baseURI.json")) as response:
        assert response.status == 200
    body = {"username": "other-bot", "password": "other-password"}
    status, data = await _post(client, "/api/account/777/login?v=1.3", body)
    assert status == 200
    assert data["config"]["userId"] == other.user_id
    status, _ = await _post(client, f"/api/account/{emu.account}/login?v=1.3", body)
    assert status == 401
