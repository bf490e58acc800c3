"""App ID authentication: the HMAC-SHA256 signature exactly as the SDK's `MeetingCredentials`
computes it (reference §3.2), in every form seen in the wild."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

from overtime.domain import credentials, errors

MAX_APP_ID = 128
MAX_CORP_ID = 64
MAX_USER_ID = 64
MAX_NONCE = 128

_HEADER = re.compile(
    r"^\s*HMAC-SHA256\s+signature\s*=\s*(?P<sig>[0-9A-Fa-f]{64})\s*(?:,\s*access\s*=\s*(?P<access>[A-Za-z0-9+/=_-]+)\s*)?$"
)


@dataclass(frozen=True)
class AppAuthRequest:
    app_id: str
    corp_id: str
    user_id: str
    expire_time: int
    nonce: str
    authorization: str


def check(req: AppAuthRequest) -> None:
    """AuthRequestMalformed unless every part fits what we store and none holds a `:`.

    The SDK signs `":".join(parts)`; with a `:` inside a part, one signed string would read as
    other parts too (a multi-tenant signature over `app:corp:user:exp:nonce` would pass as a
    single-tenant login of userId `corp:user`). Without colons the join is unambiguous: the
    single-tenant string has 3 colons, the multi-tenant one 4, each at a fixed place."""
    if not req.app_id or not req.nonce:
        raise errors.AuthRequestMalformed("appId and nonce are required.")
    for name, value, limit in (
        ("appId", req.app_id, MAX_APP_ID),
        ("corpId", req.corp_id, MAX_CORP_ID),
        ("userId", req.user_id, MAX_USER_ID),
        ("nonce", req.nonce, MAX_NONCE),
    ):
        if value and not credentials.plausible(value, limit):
            raise errors.AuthRequestMalformed(
                f"{name} must be at most {limit} characters, without control characters."
            )
        if ":" in value:
            raise errors.AuthRequestMalformed(f"{name} must not contain ':'.")


def _sign(key: str, data: str) -> str:
    return hmac.new(key.encode(), data.encode(), hashlib.sha256).hexdigest()


def verify(req: AppAuthRequest, app_key: str, now_s: int) -> None:
    """Raises unless `req.authorization` signs the request with `app_key`, unexpired.

    Accepted: upper- or lower-case hex; with or without `,access=base64(appId)` (if present it
    must name the same app); the single-enterprise data string `appId:userId:expireTime:nonce`
    and the multi-tenant one `appId:corpId:userId:expireTime:nonce` (parts checked by `check`,
    so neither string can be read as the other).
    """
    check(req)
    m = _HEADER.match(req.authorization or "")
    if not m:
        raise errors.AppSignatureInvalid()
    if m["access"]:
        try:
            access = base64.b64decode(m["access"], validate=False).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise errors.AppSignatureInvalid() from None
        if not hmac.compare_digest(access.encode(), req.app_id.encode()):
            raise errors.AppSignatureInvalid()
    given = m["sig"].lower()
    exp = str(req.expire_time)
    candidates = [":".join((req.app_id, req.user_id, exp, req.nonce))]
    candidates.append(":".join((req.app_id, req.corp_id, req.user_id, exp, req.nonce)))
    # Compare against every candidate, whatever matches first, to keep the timing flat.
    ok = False
    for data in candidates:
        ok |= hmac.compare_digest(_sign(app_key, data), given)
    if not ok:
        raise errors.AppSignatureInvalid()
    if req.expire_time != 0 and now_s > req.expire_time:
        raise errors.AppSignatureExpired()
