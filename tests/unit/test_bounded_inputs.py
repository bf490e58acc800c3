"""Issue 9's domain rules: throttle keys are bounded digests, account names and ids that cannot
exist are recognised without a lookup, the App ID signature input is unambiguous, webhook URLs
are checked as sent."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overtime.domain import appauth, credentials, errors, throttle
from overtime.domain.webhooks import MAX_URL, check_url

# -- throttle keys ------------------------------------------------------------------------------


@given(st.text(max_size=30_000), st.text(max_size=60))
def test_a_throttle_key_is_64_hex_digits_whatever_it_is_made_of(subject: str, client: str) -> None:
    key = throttle.key(throttle.LOGIN, subject, client)
    assert len(key) == 64 and int(key, 16) >= 0


def test_throttle_keys_keep_scopes_subjects_and_clients_apart() -> None:
    keys = {
        throttle.key(throttle.LOGIN, "alice", "127.0.0.1"),
        throttle.key(throttle.CONFERENCE, "alice", "127.0.0.1"),
        throttle.key(throttle.LOGIN, "alice", "127.0.0.2"),
        throttle.key(throttle.LOGIN, "alice:127.0.0.1", ""),
        throttle.key(throttle.LOGIN, "alice:", "127.0.0.1"),
    }
    assert len(keys) == 5


def test_throttle_keys_are_normalised() -> None:
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    assert throttle.key(throttle.LOGIN, composed, "::1") == throttle.key(throttle.LOGIN, decomposed, "::1")
    assert throttle.key(throttle.LOGIN, "a", "FE80::1 ") == throttle.key(throttle.LOGIN, "a", "fe80::1")


# -- Basic auth and plausible names -------------------------------------------------------------


def _basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


def test_basic_auth_splits_at_the_first_colon() -> None:
    assert credentials.parse_basic(_basic("alice:pa:ss")) == ("alice", "pa:ss")
    for header in (None, "", "Bearer x", "Basic !!!", _basic("no-colon"), _basic(":pw")):
        with pytest.raises(errors.AccountAuthFailed, match="Wrong account or password"):
            credentials.parse_basic(header)


@pytest.mark.parametrize("name", ["", "a" * 256, "a\x00b", "tab\there", "line\nbreak", "del\x7f", "c1\x85"])
def test_names_that_cannot_exist_are_not_plausible(name: str) -> None:
    assert not credentials.plausible(name, credentials.MAX_ACCOUNT)


@pytest.mark.parametrize("name", ["a", "a" * 255, "Zoë Ünïcode", "名前", "emoji \U0001f600", "with space"])
def test_ordinary_names_are_plausible(name: str) -> None:
    assert credentials.plausible(name, credentials.MAX_ACCOUNT)


# -- App ID signatures --------------------------------------------------------------------------


def _sdk_header(key: str, *parts: str) -> str:
    """As huaweicloudsdkmeeting's MeetingCredentials._sign_hmac256 builds it."""
    data = ":".join(parts)
    return (
        "HMAC-SHA256 signature=" + hmac.new(key.encode(), data.encode(), hashlib.sha256).hexdigest().upper()
    )


def test_a_multi_tenant_signature_is_not_a_single_tenant_login_of_corp_colon_user() -> None:
    header = _sdk_header("k", "app", "corp", "user", "1700000600", "n")
    appauth.verify(appauth.AppAuthRequest("app", "corp", "user", 1700000600, "n", header), "k", 1700000000)
    forged = appauth.AppAuthRequest("app", "", "corp:user", 1700000600, "n", header)
    with pytest.raises(errors.AuthRequestMalformed, match="userId must not contain ':'"):
        appauth.verify(forged, "k", 1700000000)


@pytest.mark.parametrize("field", ["app_id", "corp_id", "user_id", "nonce"])
def test_no_part_of_the_signed_string_may_hold_a_colon(field: str) -> None:
    parts = {"app_id": "app", "corp_id": "corp", "user_id": "user", "nonce": "n"}
    parts[field] += ":x"
    req = appauth.AppAuthRequest(**parts, expire_time=0, authorization="")
    with pytest.raises(errors.AuthRequestMalformed, match="must not contain ':'"):
        appauth.check(req)


@pytest.mark.parametrize(
    ("field", "value", "name"),
    [
        ("user_id", "u" * 65, "userId"),
        ("user_id", "u\x00", "userId"),
        ("corp_id", "c" * 65, "corpId"),
        ("app_id", "a" * 129, "appId"),
        ("nonce", "n" * 129, "nonce"),
    ],
)
def test_app_auth_parts_longer_than_stored_are_malformed(field: str, value: str, name: str) -> None:
    parts = {"app_id": "app", "corp_id": "", "user_id": "", "nonce": "n", field: value}
    with pytest.raises(errors.AuthRequestMalformed, match=f"^{name} must be at most"):
        appauth.check(appauth.AppAuthRequest(**parts, expire_time=0, authorization=""))


def test_sdk_signatures_of_ordinary_ids_still_verify() -> None:
    nonce = "0b9f5e1c-8a0e-4a57-9c61-0f6f1d0a1b2c"
    single = _sdk_header("k", "app", "user.name@example.com", "1700000600", nonce)
    appauth.verify(
        appauth.AppAuthRequest("app", "", "user.name@example.com", 1700000600, nonce, single), "k", 0
    )
    multi = _sdk_header("k", "app", "corp", "", "1700000600", nonce)
    appauth.verify(appauth.AppAuthRequest("app", "corp", "", 1700000600, nonce, multi), "k", 0)


# -- webhook URLs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://example.com/a b", "url must not contain spaces or control characters."),
        ("https://example.com/hook\r\nX-Injected: 1", "url must not contain spaces or control characters."),
        ("https://example.com\t/hook", "url must not contain spaces or control characters."),
        ("https://exa\x00mple.com/", "url must not contain spaces or control characters."),
        (" https://example.com/", "url must not contain spaces or control characters."),
        ("https://example.com/\u2028", "url must not contain spaces or control characters."),
        ("http://example.com/", "url must be an https:// URL."),
        ("/relative/hook", "url must be an https:// URL."),
        ("https:///no-host", "url must be an https:// URL."),
        ("https://user:pw@example.com/", "url must not contain a user name or password."),
        ("https://exa mple.com/", "url must not contain spaces or control characters."),
        ("https://-bad-.example/", "url does not name a valid host."),
        ("https://a..b/", "url does not name a valid host."),
        ("https://1.2.3.999/", "url does not name a valid host."),
        ("https://" + "a" * 64 + ".example/", "url does not name a valid host."),
        ("https://bad!host/", "url does not name a valid host."),
        ("https://example.com:99999/", "url is not a valid URL."),
        ("https://example.com/" + "a" * MAX_URL, f"url is too long (at most {MAX_URL} characters)."),
    ],
)
def test_bad_webhook_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(errors.InvalidParameter) as refused:
        check_url(url)
    assert refused.value.message == message


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/hook",
        "https://127.0.0.1:8443/hook?x=1#f",
        "https://[::1]:9443/",
        "https://hooks.example.com./cb",
        "https://xn--bcher-kva.example/",
        "https://my_service:8443/",
        "https://example.com/caf%C3%A9/é",
    ],
)
def test_good_webhook_urls_are_accepted(url: str) -> None:
    check_url(url)
