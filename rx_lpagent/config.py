"""What an agent needs to know before it connects: :class:`AgentConfig` and the credential kinds.

Everything here is a frozen msgspec Struct, validated when built (a :class:`ConfigurationError`
names the field and the fix) and inert: nothing connects at construction. Credential reprs hide
their secrets, so a config can be logged or shown in a traceback safely::

    config = AgentConfig("123", PasswordCredentials("bot", "secret"))
    emulator = AgentConfig("123", creds, csds_domain="http://127.0.0.1:8080")  # plain HTTP/WS
    config = AgentConfig.from_env()  # LP_ACCOUNT, LP_USER, LP_PASS, ... (see from_env)
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterator, Mapping
from importlib import metadata
from ssl import SSLContext
from typing import Any, Final, Literal, TypeAlias

import msgspec

from rx_lpagent._endpoints import (
    Endpoints,
    check_account_id,
    check_header_value,
    check_host,
    parse_csds,
)
from rx_lpagent._sealed import concealed, seal
from rx_lpagent.errors import ConfigurationError

__all__ = [
    "DEFAULT_CSDS_DOMAIN",
    "MESSAGING_SERVICES",
    "TRANSPORTS",
    "AgentConfig",
    "AppKeyCredentials",
    "AssertionCredentials",
    "Credentials",
    "MessagingService",
    "PasswordCredentials",
    "TokenCredentials",
    "TransportName",
]

DEFAULT_CSDS_DOMAIN: Final = "adminlogin.liveperson.net"

MessagingService: TypeAlias = Literal["facadeMsg", "asyncMessagingEnt"]
MESSAGING_SERVICES: Final[tuple[str, ...]] = ("facadeMsg", "asyncMessagingEnt")

TransportName: TypeAlias = Literal["aiohttp", "websockets"]
TRANSPORTS: Final[tuple[str, ...]] = ("aiohttp", "websockets")

_HIDDEN = "***"


@functools.cache
def _default_user_agent() -> str:
    try:
        return f"rx_lpagent/{metadata.version('rx-lpagent')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "rx_lpagent"


def _require_text(kind: str, **fields: object) -> None:
    for name, value in fields.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError(f"{kind}: {name} must be a non-empty string")


class _Secretive(msgspec.Struct, frozen=True):
    """Base of the credential kinds: fields named in ``_public`` are shown, the rest hidden;
    the hidden ones are also sealed, so encoding the struct (or a config holding it) gives
    ``{"secret": "***"}`` for each of them."""

    def _shown(self) -> Iterator[tuple[str, str]]:
        public: tuple[str, ...] = getattr(type(self), "_public", ())
        for name in self.__struct_fields__:
            yield name, repr(getattr(self, name)) if name in public else _HIDDEN

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value}" for name, value in self._shown())
        return f"{type(self).__name__}({fields})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        # msgspec's own __rich_repr__ would print the secrets
        return [
            (name, value if value == _HIDDEN else getattr(self, name))
            for name, value in self._shown()
        ]


@concealed("password")
class PasswordCredentials(_Secretive, frozen=True):
    """A LivePerson user name and password."""

    username: str
    password: str
    _public = ("username",)

    def __post_init__(self) -> None:
        _require_text("PasswordCredentials", username=self.username, password=self.password)
        seal(self)


@concealed("app_key", "secret", "access_token", "access_token_secret")
class AppKeyCredentials(_Secretive, frozen=True):
    """An app-key login: user name plus the four keys of the LivePerson console (sent as JSON)."""

    username: str
    app_key: str
    secret: str
    access_token: str
    access_token_secret: str
    _public = ("username",)

    def __post_init__(self) -> None:
        _require_text(
            "AppKeyCredentials",
            username=self.username,
            app_key=self.app_key,
            secret=self.secret,
            access_token=self.access_token,
            access_token_secret=self.access_token_secret,
        )
        seal(self)


@concealed("assertion")
class AssertionCredentials(_Secretive, frozen=True):
    """A SAML/JWT assertion from the brand's identity provider."""

    assertion: str

    def __post_init__(self) -> None:
        _require_text("AssertionCredentials", assertion=self.assertion)
        seal(self)


@concealed("token")
class TokenCredentials(_Secretive, frozen=True):
    """A bearer token obtained elsewhere, with the user id it belongs to. No login call is made,
    and the session cannot be refreshed (there is no csrf)."""

    token: str
    user_id: str
    _public = ("user_id",)

    def __post_init__(self) -> None:
        _require_text("TokenCredentials", token=self.token, user_id=self.user_id)
        seal(self)


Credentials: TypeAlias = (
    PasswordCredentials | AppKeyCredentials | AssertionCredentials | TokenCredentials
)
_CREDENTIAL_TYPES = (PasswordCredentials, AppKeyCredentials, AssertionCredentials, TokenCredentials)


def positive_seconds(value: object) -> bool:
    """Whether ``value`` is a finite positive number of seconds (not a bool, not a string)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _positive(name: str, value: object, *, optional: bool) -> None:
    if value is None and optional:
        return
    if not positive_seconds(value):
        allowed = "a positive number of seconds" + (" or None (off)" if optional else "")
        raise ConfigurationError(f"AgentConfig: {name} must be {allowed}, got {value!r}")


# dict=True: the parsed endpoints are kept beside the fields (not one of them), set once in
# __post_init__; structs with a __dict__ can crash msgspec < 0.21 on Python 3.13 (pyproject)
class AgentConfig(msgspec.Struct, frozen=True, kw_only=False, dict=True):
    """Everything the agent needs before connecting. Validated at construction; never connects.

    ``csds_domain`` is a bare host (HTTPS and WSS), ``https://host`` (the same), or
    ``http://host:port`` (plain HTTP and WS on every path: for the local emulator). ``ssl`` is an
    optional :class:`ssl.SSLContext` (custom CAs); it is refused with a plain-HTTP csds_domain.
    ``domains`` maps service names (``agentVep``, ``facadeMsg``, ...) to hosts and wins over
    what CSDS says, on connect, reconnect and refresh alike. Intervals are seconds;
    ``refresh_interval`` and ``keepalive_interval`` accept None to turn them off; a keep-alive
    unanswered for ``keepalive_timeout`` means a half-open socket (detected within
    ``keepalive_interval + keepalive_timeout``, each up to 1/30 longer and at most 1 s: the
    keep-alives of all agents on a loop share its timer ticks). ``backfill`` (on by default)
    fetches, after every reconnect, the dialog events missed while the socket was down and
    de-duplicates dialog events per sequence; ``backfill_limit`` caps the events one backfill
    fetches per dialog (README "Delivery guarantees"). ``record_to`` (a file path; a
    :class:`pathlib.Path` is kept as its string) records the whole session to that file, secrets
    redacted; ``record_mask_text`` also masks message texts there (README "Record and replay").

    :attr:`endpoints` is ``csds_domain`` (with ``domains`` and ``messaging_service``) parsed
    once, at construction.
    """

    account_id: str
    credentials: Credentials
    csds_domain: str = DEFAULT_CSDS_DOMAIN
    ssl: SSLContext | None = None
    domains: dict[str, str] = {}
    messaging_service: MessagingService = "facadeMsg"
    api_version: str = "2.1"
    request_timeout: float = 10.0
    refresh_interval: float | None = 600.0
    keepalive_interval: float | None = 30.0
    keepalive_timeout: float = 10.0
    user_agent: str = msgspec.field(default_factory=_default_user_agent)
    transport: TransportName = "websockets"
    backfill: bool = True
    backfill_limit: int = 1000
    record_to: str | None = None
    record_mask_text: bool = False

    def __post_init__(self) -> None:
        check_account_id(self.account_id)
        if not isinstance(self.credentials, _CREDENTIAL_TYPES):
            raise ConfigurationError(
                "AgentConfig: credentials must be PasswordCredentials, AppKeyCredentials, "
                f"AssertionCredentials or TokenCredentials, got {type(self.credentials).__name__}"
            )
        if not isinstance(self.csds_domain, str):
            raise ConfigurationError(
                "AgentConfig: csds_domain must be a host name or an http(s) URL"
            )
        csds, secure = parse_csds(self.csds_domain)
        if self.ssl is not None and not isinstance(self.ssl, SSLContext):
            raise ConfigurationError("AgentConfig: ssl must be an ssl.SSLContext or None")
        if self.ssl is not None and not secure:
            raise ConfigurationError(
                f"AgentConfig: an ssl context was given but csds_domain {self.csds_domain!r} is "
                "plain http://; use https:// (or a bare host), or drop ssl"
            )
        if not isinstance(self.domains, dict):
            raise ConfigurationError("AgentConfig: domains must be a dict of service -> host")
        for service, host in self.domains.items():
            if not isinstance(service, str) or not isinstance(host, str) or not host.strip():
                raise ConfigurationError(
                    f"AgentConfig: domains[{service!r}] must be a non-empty host string"
                )
            check_host(service, host)
        if self.messaging_service not in MESSAGING_SERVICES:
            raise ConfigurationError(
                f"AgentConfig: messaging_service must be one of {', '.join(MESSAGING_SERVICES)}, "
                f"got {self.messaging_service!r}"
            )
        if self.transport not in TRANSPORTS:
            raise ConfigurationError(
                f"AgentConfig: unknown transport {self.transport!r}; "
                f"choose one of {', '.join(TRANSPORTS)}"
            )
        _require_text("AgentConfig", api_version=self.api_version, user_agent=self.user_agent)
        check_header_value("user_agent", self.user_agent)
        check_header_value("api_version", self.api_version)
        _positive("request_timeout", self.request_timeout, optional=False)
        _positive("refresh_interval", self.refresh_interval, optional=True)
        _positive("keepalive_interval", self.keepalive_interval, optional=True)
        _positive("keepalive_timeout", self.keepalive_timeout, optional=False)
        if not isinstance(self.backfill, bool):
            raise ConfigurationError(
                f"AgentConfig: backfill must be True or False, got {self.backfill!r}"
            )
        if (
            isinstance(self.backfill_limit, bool)
            or not isinstance(self.backfill_limit, int)
            or self.backfill_limit < 1
        ):
            raise ConfigurationError(
                "AgentConfig: backfill_limit must be a positive number of events, "
                f"got {self.backfill_limit!r}"
            )
        _check_recording(self)
        overrides = tuple(sorted(self.domains.items()))
        endpoints = Endpoints(csds, secure, overrides, self.messaging_service)
        msgspec.structs.force_setattr(self, "_endpoints", endpoints)

    def __copy__(self) -> AgentConfig:
        # immutable, like a tuple (msgspec's copy would drop the endpoints kept beside the fields)
        return self

    def __hash__(self) -> int:
        # a frozen config is usable as a key even though ``domains`` is a dict
        return hash(
            tuple(
                tuple(sorted(value.items())) if isinstance(value, dict) else value
                for value in msgspec.structs.astuple(self)
            )
        )

    @property
    def endpoints(self) -> Endpoints:
        """Where this agent connects: ``csds_domain``, ``domains`` and ``messaging_service``,
        parsed and checked once when the config was built."""
        endpoints: Endpoints = self.__dict__["_endpoints"]
        return endpoints

    @property
    def secure(self) -> bool:
        """True for HTTPS/WSS (the default), False for a plain ``http://`` csds_domain."""
        return self.endpoints.secure

    @property
    def csds_host(self) -> str:
        """The CSDS host[:port], without scheme."""
        return self.endpoints.csds

    @property
    def http_scheme(self) -> str:
        return self.endpoints.http_scheme

    @property
    def ws_scheme(self) -> str:
        return self.endpoints.ws_scheme

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> AgentConfig:
        """A config from environment variables; keyword ``overrides`` win over them.

        ``LP_ACCOUNT`` (required) and one credential kind: ``LP_USER`` + ``LP_PASS``;
        ``LP_USER`` + ``LP_APP_KEY`` + ``LP_SECRET`` + ``LP_ACCESS_TOKEN`` +
        ``LP_ACCESS_TOKEN_SECRET``; ``LP_ASSERTION``; or ``LP_TOKEN`` + ``LP_USER_ID``.
        Optional: ``LP_CSDS`` (csds_domain), ``LP_MESSAGING_SERVICE``, ``LP_TRANSPORT``.
        """
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        settings: dict[str, Any] = {}
        account = get("LP_ACCOUNT")
        if account is None and "account_id" not in overrides:
            raise ConfigurationError("from_env: LP_ACCOUNT is not set (the LivePerson account id)")
        settings["account_id"] = account
        if "credentials" not in overrides:
            settings["credentials"] = _credentials_from_env(get)
        for variable, field_name in (
            ("LP_CSDS", "csds_domain"),
            ("LP_MESSAGING_SERVICE", "messaging_service"),
            ("LP_TRANSPORT", "transport"),
        ):
            value = get(variable)
            if value is not None:
                settings[field_name] = value
        settings.update(overrides)
        return cls(**settings)


def _check_recording(config: AgentConfig) -> None:
    record_to: object = config.record_to
    if isinstance(record_to, os.PathLike):
        record_to = os.fspath(record_to)
        msgspec.structs.force_setattr(config, "record_to", record_to)
    if record_to is not None and (not isinstance(record_to, str) or not record_to.strip()):
        raise ConfigurationError(
            f"AgentConfig: record_to must be a file path or None (off), got {record_to!r}"
        )
    if not isinstance(config.record_mask_text, bool):
        raise ConfigurationError(
            f"AgentConfig: record_mask_text must be True or False, got {config.record_mask_text!r}"
        )
    if config.record_mask_text and record_to is None:
        raise ConfigurationError(
            "AgentConfig: record_mask_text masks texts in a recording; set record_to too"
        )


def _credentials_from_env(get: Callable[[str], str | None]) -> Credentials:
    kinds = ("LP_PASS", "LP_APP_KEY", "LP_ASSERTION", "LP_TOKEN")
    chosen = [name for name in kinds if get(name) is not None]
    if not chosen:
        raise ConfigurationError(
            "from_env: no credentials; set LP_USER and LP_PASS, or LP_USER and LP_APP_KEY "
            "(with LP_SECRET, LP_ACCESS_TOKEN, LP_ACCESS_TOKEN_SECRET), or LP_ASSERTION, "
            "or LP_TOKEN and LP_USER_ID"
        )
    if len(chosen) > 1:
        raise ConfigurationError(
            f"from_env: {' and '.join(chosen)} are both set; choose one credential kind"
        )

    def need(*names: str) -> list[str]:
        values = [get(name) for name in names]
        missing = [name for name, value in zip(names, values, strict=True) if value is None]
        if missing:
            raise ConfigurationError(
                f"from_env: {chosen[0]} is set but {', '.join(missing)} is not"
            )
        return [value for value in values if value is not None]

    kind = chosen[0]
    if kind == "LP_PASS":
        username, password = need("LP_USER", "LP_PASS")
        return PasswordCredentials(username, password)
    if kind == "LP_APP_KEY":
        username, app_key, secret, token, token_secret = need(
            "LP_USER", "LP_APP_KEY", "LP_SECRET", "LP_ACCESS_TOKEN", "LP_ACCESS_TOKEN_SECRET"
        )
        return AppKeyCredentials(username, app_key, secret, token, token_secret)
    if kind == "LP_ASSERTION":
        (assertion,) = need("LP_ASSERTION")
        return AssertionCredentials(assertion)
    token, user_id = need("LP_TOKEN", "LP_USER_ID")
    return TokenCredentials(token, user_id)
