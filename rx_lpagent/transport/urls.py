"""The URLs of the LivePerson services an agent talks to (PROTOCOL.md sections 1 to 3)."""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["csds_url", "login_service_url", "messaging_url"]

LOGIN_API_VERSION = "1.3"


def _segment(value: str) -> str:
    return quote(value, safe="")


def csds_url(csds_host: str, account: str, *, secure: bool = True) -> str:
    """``GET`` here for the account's ``{"baseURIs": [...]}``."""
    scheme = "https" if secure else "http"
    return (
        f"{scheme}://{csds_host}/api/account/{_segment(account)}/service/baseURI.json?version=1.0"
    )


def login_service_url(agent_vep: str, account: str, action: str, *, secure: bool = True) -> str:
    """``POST`` here to ``login``, ``refresh`` or ``logout`` (host = the ``agentVep`` domain)."""
    scheme = "https" if secure else "http"
    return f"{scheme}://{agent_vep}/api/account/{_segment(account)}/{action}?v={LOGIN_API_VERSION}"


def messaging_url(
    host: str, account: str, bearer: str, version: str = "2.1", secure: bool = True
) -> str:
    """The messaging WebSocket URL. It carries the bearer in its path: pass it through
    :func:`rx_lpagent.errors.redact` before it goes anywhere a person can read."""
    scheme = "wss" if secure else "ws"
    return (
        f"{scheme}://{host}/ws_api/account/{_segment(account)}/messaging/brand/"
        f"{_segment(bearer)}?v={_segment(version)}"
    )
