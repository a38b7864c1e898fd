"""The fleet file (TOML) of ``python -m rx_lpagent fleet``: agents, limits, ZooKeeper.

::

    [zookeeper]                  # only for --zk runs; --zk HOST:PORT gives the hosts
    path = "/rx_lpagent/fleet"   # the party's node; workers of one fleet share it
    session_timeout = 10.0       # seconds
    settle = 1.0                 # membership stable this long before the set is split

    [limits]                     # all optional (defaults: FleetLimits)
    logins_per_account = 50.0    # per second; *_burst: how many at once
    logins_per_process = 250.0
    sockets_per_process = 500.0
    connect_jitter = 1.0
    reconnect_jitter = 1.0
    csds_ttl = 60.0
    connects_in_flight = 100     # first connect attempts under way at once

    [defaults]                   # AgentConfig settings for every agent
    csds_domain = "adminlogin.liveperson.net"
    keepalive_interval = 30.0

    [[agents]]
    account = "1234567"
    username = "bot-1"
    password_env = "BOT1_PASSWORD"   # any credential field X may be X_env: read from there

    [[agents]]
    account = "1234567"
    token_env = "BOT2_TOKEN"
    user_id = "42"

An agent's credential kind follows its fields, as in :meth:`AgentConfig.from_env`: ``username``
+ ``password``; ``username`` + ``app_key`` + ``secret`` + ``access_token`` +
``access_token_secret``; ``assertion``; ``token`` + ``user_id``. Other keys of an agent (and of
``[defaults]``) are :class:`~rx_lpagent.config.AgentConfig` fields.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from rx_lpagent.config import (
    AgentConfig,
    AppKeyCredentials,
    AssertionCredentials,
    Credentials,
    PasswordCredentials,
    TokenCredentials,
)
from rx_lpagent.errors import ConfigurationError
from rx_lpagent.fleet._pacing import Rate
from rx_lpagent.fleet._services import FleetLimits
from rx_lpagent.fleet.cluster import DEFAULT_PATH

__all__ = ["FleetFile", "ZooKeeperSettings", "load_fleet_file", "parse_fleet_file"]

_CREDENTIAL_FIELDS = (
    "username",
    "password",
    "app_key",
    "secret",
    "access_token",
    "access_token_secret",
    "assertion",
    "token",
    "user_id",
)
_RATES = ("logins_per_account", "logins_per_process", "sockets_per_process")


@dataclass(frozen=True)
class ZooKeeperSettings:
    path: str = DEFAULT_PATH
    session_timeout: float = 10.0
    settle: float = 1.0


@dataclass(frozen=True)
class FleetFile:
    agents: list[AgentConfig]
    limits: FleetLimits = field(default_factory=FleetLimits)
    zookeeper: ZooKeeperSettings = field(default_factory=ZooKeeperSettings)


def load_fleet_file(path: str | Path, environ: Mapping[str, str] | None = None) -> FleetFile:
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"fleet file {path}: {exc}") from exc
    return parse_fleet_file(data, os.environ if environ is None else environ)


def parse_fleet_file(data: Mapping[str, Any], environ: Mapping[str, str]) -> FleetFile:
    agents = data.get("agents", [])
    if not isinstance(agents, list) or not agents:
        raise ConfigurationError("fleet file: no [[agents]]")
    defaults = _table(data, "defaults")
    configs = [_agent(number, entry, defaults, environ) for number, entry in enumerate(agents)]
    return FleetFile(
        configs, _limits(_table(data, "limits")), _zookeeper(_table(data, "zookeeper"))
    )


def _table(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"fleet file: [{name}] must be a table")
    return table


def _agent(
    number: int, entry: Any, defaults: Mapping[str, Any], environ: Mapping[str, str]
) -> AgentConfig:
    where = f"fleet file: agents[{number}]"
    if not isinstance(entry, dict):
        raise ConfigurationError(f"{where} must be a table")
    settings = {**defaults, **entry}
    secrets: dict[str, str] = {}
    for name in _CREDENTIAL_FIELDS:
        if f"{name}_env" in settings:
            variable = str(settings.pop(f"{name}_env"))
            value = environ.get(variable)
            if not value:
                raise ConfigurationError(f"{where}: {name}_env names {variable}, which is not set")
            secrets[name] = value
        elif name in settings:
            secrets[name] = str(settings.pop(name))
    account = settings.pop("account", None)
    if account is None:
        raise ConfigurationError(f"{where}: no account")
    try:
        return AgentConfig(str(account), _credentials(secrets, where), **settings)
    except TypeError as exc:
        raise ConfigurationError(f"{where}: {exc}") from None


def _credentials(given: Mapping[str, str], where: str) -> Credentials:
    if "password" in given and "username" in given:
        return PasswordCredentials(given["username"], given["password"])
    if "app_key" in given and "username" in given:
        try:
            return AppKeyCredentials(
                given["username"],
                given["app_key"],
                given["secret"],
                given["access_token"],
                given["access_token_secret"],
            )
        except KeyError as exc:
            raise ConfigurationError(f"{where}: app_key is given but {exc} is not") from None
    if "assertion" in given:
        return AssertionCredentials(given["assertion"])
    if "token" in given and "user_id" in given:
        return TokenCredentials(given["token"], given["user_id"])
    raise ConfigurationError(
        f"{where}: no credentials (username + password, username + app_key + secret + "
        "access_token + access_token_secret, assertion, or token + user_id)"
    )


def _limits(table: Mapping[str, Any]) -> FleetLimits:
    defaults = FleetLimits()
    settings: dict[str, Any] = {}
    for item in fields(FleetLimits):
        name = item.name
        if name in _RATES:
            rate: Rate = getattr(defaults, name)
            if name in table or f"{name}_burst" in table:
                settings[name] = Rate(
                    float(table.get(name, rate.per_second)),
                    int(table.get(f"{name}_burst", rate.burst)),
                )
        elif name in table:
            settings[name] = type(getattr(defaults, name))(table[name])
    unknown = set(table) - {f.name for f in fields(FleetLimits)} - {f"{r}_burst" for r in _RATES}
    if unknown:
        raise ConfigurationError(f"fleet file: unknown [limits] keys {sorted(unknown)}")
    return FleetLimits(**settings)


def _zookeeper(table: Mapping[str, Any]) -> ZooKeeperSettings:
    try:
        return ZooKeeperSettings(**table)
    except TypeError as exc:
        raise ConfigurationError(f"fleet file: [zookeeper]: {exc}") from None
