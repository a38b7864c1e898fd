"""Redaction before the disk: secrets learnt from credentials and from secret-named keys become
stable placeholders everywhere; message texts are masked on request."""

from __future__ import annotations

from rx_lpagent.config import (
    AppKeyCredentials,
    AssertionCredentials,
    PasswordCredentials,
    TokenCredentials,
)
from rx_lpagent.recording import Redactor, credential_secrets

BEARER = "b3arer-0123456789abcdef"
CSRF = "csrf-fedcba9876543210"


def test_credentials_give_their_secrets_in_order() -> None:
    app = AppKeyCredentials("bot", "the-key", "the-secret", "the-token", "the-token-secret")
    assert credential_secrets(app) == [
        ("app_key", "the-key"),
        ("secret", "the-secret"),
        ("access_token", "the-token"),
        ("access_token_secret", "the-token-secret"),
    ]
    assert credential_secrets(PasswordCredentials("bot", "pw")) == [("password", "pw")]
    assert credential_secrets(AssertionCredentials("saml")) == [("assertion", "saml")]
    # a token agent's token is the bearer of its socket URL
    assert credential_secrets(TokenCredentials("tok", "u1")) == [("bearer", "tok")]


def test_a_login_answer_teaches_the_bearer_that_a_socket_url_then_hides() -> None:
    redactor = Redactor([("password", "canary-password")])
    request = redactor.json({"username": "bot", "password": "canary-password"})
    answer = redactor.json({"csrf": CSRF, "config": {"userId": "1"}, "bearer": BEARER})
    url = redactor.text(f"ws://h/ws_api/account/1/messaging/brand/{BEARER}?v=2.1")
    assert request == {"username": "bot", "password": "<password#1>"}
    assert answer == {"csrf": "<csrf#1>", "config": {"userId": "1"}, "bearer": "<bearer#1>"}
    assert url == "ws://h/ws_api/account/1/messaging/brand/<bearer#1>?v=2.1"


def test_a_secret_is_hidden_even_where_it_comes_before_its_key() -> None:
    redactor = Redactor()
    redacted = redactor.json({"echo": f"token {BEARER}", BEARER: 1, "bearer": BEARER})
    assert redacted == {"echo": "token <bearer#1>", "<bearer#1>": 1, "bearer": "<bearer#1>"}


def test_each_distinct_value_gets_its_own_number_and_keeps_it() -> None:
    redactor = Redactor()
    first = redactor.json({"bearer": BEARER, "csrf": CSRF})
    second = redactor.json({"bearer": BEARER + "-new", "csrf": CSRF})
    assert first == {"bearer": "<bearer#1>", "csrf": "<csrf#1>"}
    assert second == {"bearer": "<bearer#2>", "csrf": "<csrf#1>"}
    # the longer secret is replaced whole, not as the shorter one plus a tail
    assert redactor.text(f"/{BEARER}-new/{BEARER}") == "/<bearer#2>/<bearer#1>"


def test_key_names_are_matched_without_case_or_separators() -> None:
    redactor = Redactor()
    redacted = redactor.json(
        {
            "appKey": "k-123456",
            "access_token": "t-123456",
            "AccessTokenSecret": "s-123456",
            "Set-Cookie": "Session_id=abcdef",
            "assertion": "saml-123456",
            "token": 12345678,
            "jwt": None,
            "secret": True,
            "tokens": {"token": "inner-123456"},
        }
    )
    assert redacted == {
        "appKey": "<app_key#1>",
        "access_token": "<access_token#1>",
        "AccessTokenSecret": "<access_token_secret#1>",
        "Set-Cookie": "<cookie#1>",
        "assertion": "<assertion#1>",
        "token": "<token#1>",
        "jwt": None,
        "secret": True,
        "tokens": {"token": "<token#2>"},
    }


def test_short_secrets_are_replaced_only_where_they_stand_whole() -> None:
    redactor = Redactor([("password", "pw")])
    assert redactor.json({"password": "pw", "other": "pw", "word": "pwned"}) == {
        "password": "<password#1>",
        "other": "<password#1>",
        "word": "pwned",
    }


def test_masking_replaces_every_content_event_text_the_same_way() -> None:
    redactor = Redactor(mask_text=True)
    frame = {
        "changes": [
            {"event": {"type": "ContentEvent", "message": "hello"}},
            {"event": {"type": "ContentEvent", "message": "bye"}},
            {"event": {"type": "ContentEvent", "message": "hello"}},
            {"event": {"type": "ChatStateEvent", "chatState": "COMPOSING"}},
        ]
    }
    masked = redactor.json(frame)
    assert [change["event"].get("message") for change in masked["changes"]] == [
        "<text#1>",
        "<text#2>",
        "<text#1>",
        None,
    ]
    assert frame["changes"][0]["event"]["message"] == "hello"  # the original is not changed
    assert Redactor().json(frame) == frame  # no masking unless asked


def test_a_secret_is_also_hidden_percent_encoded_as_a_url_carries_it() -> None:
    redactor = Redactor([("bearer", "tok/en+with=chars")])
    url = "ws://h/ws_api/account/1/messaging/brand/tok%2Fen%2Bwith%3Dchars?v=2.1"
    assert redactor.text(url) == "ws://h/ws_api/account/1/messaging/brand/<bearer#1>?v=2.1"
    assert redactor.text("tok/en+with=chars") == "<bearer#1>"


def test_session_keys_and_file_url_signatures_are_hidden_too() -> None:
    redactor = Redactor()
    login = redactor.json({"bearer": BEARER, "wsuk": "616532966086884376"})
    upload = redactor.json(
        {"relativePath": "/v1/a.png", "queryParams": {"temp_url_sig": "5ig-0123456789"}}
    )
    link = redactor.text("https://swift/v1/a.png?temp_url_sig=5ig-0123456789&temp_url_expires=9")
    assert login == {"bearer": "<bearer#1>", "wsuk": "<wsuk#1>"}
    assert upload["queryParams"] == {"temp_url_sig": "<url_sig#1>"}
    assert link == "https://swift/v1/a.png?temp_url_sig=<url_sig#1>&temp_url_expires=9"
