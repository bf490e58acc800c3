"""App ID authentication: the HMAC-SHA256 signature exactly as the SDK's `MeetingCredentials`
computes it (reference §3.2), in every form seen in the wild."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

from overtime.domain import errors

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


def _sign(key: str, data: str) -> str:
    return hmac.new(key.encode(), data.encode(), hashlib.sha256).hexdigest()


def verify(req: AppAuthRequest, app_key: str, now_s: int) -> None:
    """Raises unless `req.authorization` signs the request with `app_key`, unexpired.

    Accepted: upper- or lower-case hex; with or without `,access=base64(appId)` (if present it
    must name the same app); the single-enterprise data string `appId:userId:expireTime:nonce`
    and the multi-tenant one `appId:corpId:userId:expireTime:nonce`.
    """
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
