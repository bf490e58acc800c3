"""Huawei's wire format for the webhook subscription operations (reference §7.1–7.4)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from overtime.domain.webhooks import MAX_SUBSCRIBER_ID, MAX_SUBSCRIBER_KEY, MAX_URL, WebhookConfig

# The declared bound of every field (the domain then checks the rules: non-empty, https, host).
SubscriberId = Annotated[str, msgspec.Meta(max_length=MAX_SUBSCRIBER_ID)]
SubscriberKey = Annotated[str, msgspec.Meta(max_length=MAX_SUBSCRIBER_KEY)]
Url = Annotated[str, msgspec.Meta(max_length=MAX_URL)]
CorpId = Annotated[str, msgspec.Meta(max_length=64)]
"""As the accounts' corp ids are stored."""
SpId = Annotated[str, msgspec.Meta(max_length=64)]
"""Accepted for the SDK's sake and ignored."""
ConfigId = Annotated[str, msgspec.Meta(max_length=64)]
"""A config id in a query string (ours are 32 hex digits)."""
Status = Annotated[int, msgspec.Meta(ge=0, le=2)]


class LinkConfigBody(msgspec.Struct):
    """`POST /v1/mmc/management/webhook/link-config` (SDK `WebHookConfigRequest`)."""

    subscriberId: SubscriberId
    subscriberKey: SubscriberKey
    url: Url
    corpId: CorpId | None = None
    spId: SpId | None = None


class ShowQuery(msgspec.Struct, kw_only=True):
    """`GET .../webhook/link-config`."""

    corpId: CorpId | None = None


class DeleteQuery(msgspec.Struct, kw_only=True):
    """`DELETE .../webhook/link-config`."""

    id: ConfigId


class StatusQuery(msgspec.Struct, kw_only=True):
    """`PUT .../webhook/change-status`: 0 enable, 1 disable, 2 lock."""

    id: ConfigId
    status: Status


def config_info(config: WebhookConfig) -> dict[str, Any]:
    """The show answer; the subscriber key is never returned."""
    return {
        "returnCode": 0,
        "returnDesc": "success",
        "id": config.id,
        "subscriberId": config.subscriber_id,
        "url": config.url,
        "status": int(config.status),
    }
