"""Redaction at the source: every secret becomes a stable placeholder before it is written.

A :class:`Redactor` knows secrets two ways: from the credentials it is given at the start, and
from the JSON it is shown (the value of any key named like a secret: ``password``, ``bearer``,
``csrf``, ``appKey``, ``token``, ...; names compare without case, ``_`` or ``-``). Each distinct
secret value gets one placeholder (``<bearer#1>``) that replaces it wherever it occurs: as a
whole value, as a key, and inside any longer string (a socket URL, an error text, a raw frame),
also in its percent-encoded form (as a URL path carries it).
Values shorter than :data:`MIN_EMBEDDED` characters are replaced only where they stand whole:
inside longer strings they would match by chance and garble what is recorded.

With ``mask_text``, the ``message`` of every ``ContentEvent`` (what consumers and agents wrote)
becomes ``<text#n>``, the same text always the same placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, Final
from urllib.parse import quote

from rx_lpagent.config import (
    AppKeyCredentials,
    AssertionCredentials,
    Credentials,
    PasswordCredentials,
    TokenCredentials,
)
from rx_lpagent.recording._format import placeholder

__all__ = ["MIN_EMBEDDED", "SECRET_KEYS", "Redactor", "credential_secrets"]

MIN_EMBEDDED: Final = 4
"""Secrets at least this long are also replaced inside longer strings."""

SECRET_KEYS: Final = {
    "password": "password",
    "secret": "secret",
    "appkey": "app_key",
    "accesstoken": "access_token",
    "accesstokensecret": "access_token_secret",
    "assertion": "assertion",
    "jwt": "jwt",
    "bearer": "bearer",
    "csrf": "csrf",
    "token": "token",
    "cookie": "cookie",
    "setcookie": "cookie",
    "sessionid": "cookie",
    "authorization": "authorization",
    # not credentials, yet keys to a session or a file: the login's websocket user key, and the
    # signature of a file URL (GenerateURLForDownloadFile/UploadFile answers)
    "wsuk": "wsuk",
    "tempurlsig": "url_sig",
}
"""A JSON key (lower case, without ``_`` and ``-``) whose value is a secret, and its kind."""

TEXT_KIND: Final = "text"


def credential_secrets(credentials: Credentials) -> list[tuple[str, str]]:
    """The secrets of ``credentials`` as ``(kind, value)``; a token agent's token is its
    bearer (it appears in the socket URL as one)."""
    if isinstance(credentials, PasswordCredentials):
        return [("password", credentials.password)]
    if isinstance(credentials, AppKeyCredentials):
        return [
            ("app_key", credentials.app_key),
            ("secret", credentials.secret),
            ("access_token", credentials.access_token),
            ("access_token_secret", credentials.access_token_secret),
        ]
    if isinstance(credentials, AssertionCredentials):
        return [("assertion", credentials.assertion)]
    assert isinstance(credentials, TokenCredentials)
    return [("bearer", credentials.token)]


def _secret_kind(key: str) -> str | None:
    return SECRET_KEYS.get(key.lower().replace("_", "").replace("-", ""))


class Redactor:
    """Turns secrets (and, with ``mask_text``, message texts) into placeholders."""

    def __init__(self, secrets: Iterable[tuple[str, str]] = (), *, mask_text: bool = False):
        self.mask_text = mask_text
        self._placeholders: dict[str, str] = {}
        """secret value -> its placeholder"""
        self._counts: dict[str, int] = {}
        self._texts: dict[str, str] = {}
        self._embedded: re.Pattern[str] | None = None
        for kind, value in secrets:
            self.learn(kind, value)

    def learn(self, kind: str, value: str) -> str:
        """The placeholder of ``value`` (numbered in ``kind`` if it is new)."""
        known = self._placeholders.get(value)
        if known is not None or not value:
            return known or value
        number = self._counts[kind] = self._counts.get(kind, 0) + 1
        made = self._placeholders[value] = placeholder(kind, number)
        # as a URL path segment carries it (the socket URL's bearer, percent-encoded)
        self._placeholders.setdefault(quote(value, safe=""), made)
        if len(value) >= MIN_EMBEDDED:
            longest_first = sorted(
                (v for v in self._placeholders if len(v) >= MIN_EMBEDDED), key=len, reverse=True
            )
            self._embedded = re.compile("|".join(map(re.escape, longest_first)))
        return made

    def text(self, value: str) -> str:
        """``value`` with every known secret in it replaced."""
        whole = self._placeholders.get(value)
        if whole is not None:
            return whole
        embedded = self._embedded
        if embedded is None:
            return value
        return embedded.sub(lambda match: self._placeholders[match.group()], value)

    def json(self, value: Any) -> Any:
        """A redacted copy of the JSON ``value``: secrets under secret keys are learnt first,
        then replaced everywhere (so a bearer is hidden even where it comes before its key)."""
        for kind, secret in _found(value):
            self.learn(kind, secret)
        return self._scrub(value)

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self._scrub(item) for item in value]
        if isinstance(value, dict):
            scrubbed = {self.text(key): self._scrub(item) for key, item in value.items()}
            for key, item in value.items():
                kind = _secret_kind(key)
                if kind is not None and _scalar(item) and not isinstance(item, str):
                    scrubbed[self.text(key)] = self.learn(kind, str(item))
            if self.mask_text and value.get("type") == "ContentEvent":
                message = value.get("message")
                if isinstance(message, str):
                    scrubbed["message"] = self._masked(message)
            return scrubbed
        return value

    def _masked(self, message: str) -> str:
        masked = self._texts.get(message)
        if masked is None:
            masked = self._texts[message] = placeholder(TEXT_KIND, len(self._texts) + 1)
        return masked


def _found(value: Any) -> Iterator[tuple[str, str]]:
    """``(kind, secret)`` for every value under a secret key in ``value``."""
    if isinstance(value, list):
        for item in value:
            yield from _found(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            kind = _secret_kind(key)
            if kind is not None and _scalar(item):
                yield kind, str(item)
            else:
                yield from _found(item)


def _scalar(value: Any) -> bool:
    """A string or number: what a secret key's value is when it holds a secret (not a flag,
    not null, not a structure, whose members are looked at one by one)."""
    return isinstance(value, str | int | float) and not isinstance(value, bool)
