"""Where an agent connects, decided once and without I/O: :class:`Endpoints` (parsed from the
config when it is built) and :func:`service_hosts`, the one place that says which host serves
which service.

The checks of the settings that end up in URLs and headers live here too, so a bad one fails
at construction (a :class:`ConfigurationError` naming the field) instead of as a retried network
error. ``csds_domain`` is parsed with yarl (which aiohttp brings).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Final, NamedTuple

import msgspec
import yarl

from rx_lpagent.errors import ConfigurationError, SDKError, Service

__all__ = [
    "AGENT_VEP",
    "CsdsAddress",
    "Endpoints",
    "ServiceHosts",
    "check_account_id",
    "check_header_value",
    "check_host",
    "parse_csds",
    "require_host",
    "service_hosts",
]

AGENT_VEP: Final = "agentVep"
"""The CSDS service name of the login service (login, refresh, logout)."""

_MESSAGING_FALLBACK: Final = {"facadeMsg": "asyncMessagingEnt", "asyncMessagingEnt": "facadeMsg"}

_SCHEMES = {"https": True, "http": False}
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
_ACCOUNT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CSDS_FORMS = (
    "use a bare host (https/wss), https://host[:port], or http://host:port (plain, for the "
    "emulator); IPv6 addresses go in brackets: https://[::1]:8443"
)


class CsdsAddress(NamedTuple):
    """A parsed csds_domain: ``host[:port]`` as it goes into URLs (IPv6 in brackets)."""

    authority: str
    secure: bool


def _has_control_or_space(text: str) -> bool:
    return any(char.isspace() or not char.isprintable() for char in text)


def parse_csds(csds_domain: str) -> CsdsAddress:
    """The host[:port] and scheme of a csds_domain setting; ConfigurationError if it is not one."""
    if not csds_domain.strip():
        raise ConfigurationError("AgentConfig: csds_domain must be a host name or an http(s) URL")
    text = csds_domain.strip()
    if _has_control_or_space(text):
        raise ConfigurationError(
            f"AgentConfig: csds_domain {csds_domain!r} contains whitespace or control characters"
        )
    scheme, sep, _ = text.partition("://")
    if not sep:
        text = "https://" + text
    elif scheme.lower() not in _SCHEMES:
        raise ConfigurationError(
            f"AgentConfig: csds_domain scheme {scheme!r} is not supported; {_CSDS_FORMS}"
        )
    try:
        url = yarl.URL(text)
        port = url.explicit_port
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"AgentConfig: csds_domain {csds_domain!r} is not a valid host: {exc}; {_CSDS_FORMS}"
        ) from None
    if url.path not in ("", "/") or url.query_string or url.fragment or url.user is not None:
        raise ConfigurationError(
            f"AgentConfig: csds_domain {csds_domain!r} must be host[:port] with no path, query, "
            "fragment or user"
        )
    if port is not None and not 1 <= port <= 65535:
        raise ConfigurationError(
            f"AgentConfig: csds_domain {csds_domain!r}: port {port} is not in 1-65535"
        )
    host = url.raw_host or ""
    _check_host_name(host, f"csds_domain {csds_domain!r}", bracketed="[" in text)
    authority = f"[{host}]" if ":" in host else host
    if port is not None:
        authority += f":{port}"
    return CsdsAddress(authority, _SCHEMES[url.scheme])


class ServiceHosts(NamedTuple):
    """The host[:port] of each service an agent uses; None where no host is known."""

    login: str | None
    messaging: str | None


def service_hosts(
    csds: Mapping[str, str], overrides: Mapping[str, str], messaging_service: str
) -> ServiceHosts:
    """Which host serves each service: the ``domains`` override, else what CSDS lists.

    Login is ``agentVep``'s host. Messaging is ``messaging_service``'s host, else the other
    messaging name's (facadeMsg in SDK >= 1.4.5, asyncMessagingEnt before: accounts may list
    either). An empty host counts as none.
    """
    merged = {**csds, **overrides}
    messaging = merged.get(messaging_service) or None
    other = _MESSAGING_FALLBACK.get(messaging_service)
    if messaging is None and other is not None:
        messaging = merged.get(other) or None
    return ServiceHosts(login=merged.get(AGENT_VEP) or None, messaging=messaging)


def require_host(host: str | None, service: str) -> str:
    """``host``, or the error saying CSDS (and ``domains``) named none for ``service``."""
    if not host:
        raise SDKError(
            f"could not fetch domains: no {service!r} domain for this account",
            None,
            Service.DOMAIN_NAMES,
        )
    return host


class Endpoints(msgspec.Struct, frozen=True):
    """Where an agent connects, from its config: the CSDS host[:port] (IPv6 in brackets),
    whether every service is reached over TLS (https/wss) or plain (http/ws), the ``domains``
    overrides (sorted pairs) and the messaging service it prefers."""

    csds: str
    secure: bool = True
    overrides: tuple[tuple[str, str], ...] = ()
    messaging_service: str = "facadeMsg"

    @property
    def http_scheme(self) -> str:
        return "https" if self.secure else "http"

    @property
    def ws_scheme(self) -> str:
        return "wss" if self.secure else "ws"

    def hosts(self, csds: Mapping[str, str]) -> ServiceHosts:
        """:func:`service_hosts` for what CSDS answered, with these overrides and preference."""
        return service_hosts(csds, dict(self.overrides), self.messaging_service)

    def login_host(self, csds: Mapping[str, str]) -> str:
        """The login service's host, or an SDKError (DOMAIN_NAMES) if there is none."""
        return require_host(self.hosts(csds).login, AGENT_VEP)

    def messaging_host(self, csds: Mapping[str, str]) -> str:
        """The messaging socket's host, or an SDKError (DOMAIN_NAMES) if there is none."""
        return require_host(self.hosts(csds).messaging, self.messaging_service)


def _check_host_name(host: str, what: str, *, bracketed: bool) -> None:
    if bracketed:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ConfigurationError(
                f"AgentConfig: {what}: {host!r} in brackets is not an IPv6 address"
            ) from None
        return
    if not host or _HOST_NAME.fullmatch(host) is None or len(host) > 253:
        raise ConfigurationError(f"AgentConfig: {what}: {host!r} is not a valid host name")


def check_host(service: str, value: str) -> None:
    """A ``domains`` override: host[:port], no scheme or path (the scheme follows csds_domain)."""
    if "://" in value or "/" in value:
        raise ConfigurationError(
            f"AgentConfig: domains[{service!r}] = {value!r} must be host[:port] without "
            "scheme or path; the scheme follows csds_domain"
        )
    what = f"domains[{service!r}]"
    if _has_control_or_space(value):
        raise ConfigurationError(f"AgentConfig: {what} contains whitespace or control characters")
    try:
        url = yarl.URL("https://" + value)
        port = url.explicit_port
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"AgentConfig: {what} = {value!r} is not a host: {exc}") from None
    if url.user is not None or url.query_string or url.fragment:
        raise ConfigurationError(f"AgentConfig: {what} = {value!r} must be host[:port]")
    if port is not None and not 1 <= port <= 65535:
        raise ConfigurationError(f"AgentConfig: {what}: port {port} is not in 1-65535")
    _check_host_name(url.raw_host or "", what, bracketed=value.startswith("["))


def check_account_id(account_id: object) -> None:
    """LivePerson account ids are short runs of letters, digits, ``-`` and ``_``."""
    if not isinstance(account_id, str) or not account_id.strip():
        raise ConfigurationError("AgentConfig: account_id is required (the LivePerson account)")
    if _ACCOUNT_ID.fullmatch(account_id) is None:
        raise ConfigurationError(
            f"AgentConfig: account_id {account_id!r} contains characters that do not belong in "
            "an account id (letters, digits, - and _ only, at most 64)"
        )


def check_header_value(name: str, value: str) -> None:
    """What goes into an HTTP header (or a URL) carries no CR, LF or other control character."""
    if any(not char.isprintable() for char in value):
        raise ConfigurationError(
            f"AgentConfig: {name} {value!r} contains control characters (CR/LF would split "
            "the HTTP header)"
        )
