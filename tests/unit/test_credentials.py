"""Secrets, App ID signatures and guessing limits."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overtime.domain import appauth, credentials, errors, throttle


def test_password_hash_verifies_only_the_password() -> None:
    stored = credentials.hash_password("correct horse")
    assert credentials.verify_password("correct horse", stored)
    assert not credentials.verify_password("correct horse!", stored)
    assert "correct horse" not in stored


def test_tokens_are_random_and_stored_as_digests() -> None:
    a, b = credentials.new_token("stb"), credentials.new_token("stb")
    assert a != b and len(a) == 3 + 64
    assert credentials.digest(a) == hashlib.sha256(a.encode()).hexdigest()


def _signed(app_id: str, key: str, data: str, *, upper: bool, access: bool) -> str:
    sig = hmac.new(key.encode(), data.encode(), hashlib.sha256).hexdigest()
    header = "HMAC-SHA256 signature=" + (sig.upper() if upper else sig)
    if access:
        header += ",access=" + base64.b64encode(app_id.encode()).decode()
    return header


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("access", [True, False])
@pytest.mark.parametrize("multi", [True, False])
def test_every_documented_signature_form_verifies(upper: bool, access: bool, multi: bool) -> None:
    corp = "corp1" if multi else ""
    data = f"app:{corp}:user:1700000600:nonce" if multi else "app:user:1700000600:nonce"
    req = appauth.AppAuthRequest(
        "app", corp, "user", 1700000600, "nonce", _signed("app", "k", data, upper=upper, access=access)
    )
    assert appauth.verify(req, "k", now_s=1700000000) is None  # verified: no refusal raised
    with pytest.raises(errors.AppSignatureInvalid):  # and the same form under another key is not
        appauth.verify(req, "other", now_s=1700000000)


def test_wrong_key_expired_signature_and_other_app_are_refused() -> None:
    header = _signed("app", "k", "app::1700000600:n", upper=True, access=True)
    with pytest.raises(errors.AppSignatureInvalid):
        appauth.verify(appauth.AppAuthRequest("app", "", "", 1700000600, "n", header), "other", 1700000000)
    with pytest.raises(errors.AppSignatureExpired):
        appauth.verify(appauth.AppAuthRequest("app", "", "", 1700000600, "n", header), "k", 1700000601)
    forged = header.replace(base64.b64encode(b"app").decode(), base64.b64encode(b"evil").decode())
    with pytest.raises(errors.AppSignatureInvalid):
        appauth.verify(appauth.AppAuthRequest("app", "", "", 1700000600, "n", forged), "k", 1700000000)


def test_expire_time_zero_never_expires() -> None:
    header = _signed("app", "k", "app::0:n", upper=False, access=False)
    assert (
        appauth.verify(appauth.AppAuthRequest("app", "", "", 0, "n", header), "k", now_s=4_000_000_000)
        is None
    )
    past = _signed("app", "k", "app::1:n", upper=False, access=False)
    with pytest.raises(errors.AppSignatureExpired):  # any other time in the past has expired
        appauth.verify(appauth.AppAuthRequest("app", "", "", 1, "n", past), "k", now_s=4_000_000_000)


@given(st.text(max_size=200))
def test_any_authorization_header_is_refused_or_verified_never_crashes(header: str) -> None:
    with pytest.raises((errors.AppSignatureInvalid, errors.AppSignatureExpired)):
        appauth.verify(appauth.AppAuthRequest("app", "", "", 0, "n", header), "k", 0)


def test_five_failures_lock_for_ten_minutes() -> None:
    state = throttle.Attempts()
    for i in range(5):
        assert throttle.retry_after_s(state, 1000 * i) is None
        state = throttle.after_failure(state, 1000 * i)
    assert throttle.retry_after_s(state, 5000) == 599  # locked at 4 s until 604 s
    assert throttle.retry_after_s(state, 4000 + throttle.LOCKOUT_MS) is None


def test_failures_outside_the_window_do_not_add_up() -> None:
    state = throttle.Attempts()
    for i in range(4):
        state = throttle.after_failure(state, i)
    state = throttle.after_failure(state, throttle.WINDOW_MS + 10)
    assert state.failures == 1 and throttle.retry_after_s(state, throttle.WINDOW_MS + 11) is None
