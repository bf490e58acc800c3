"""Huawei's wire format for the webhook subscription operations (reference §7.1–7.4)."""

from __future__ import annotations

from typing import Any

import msgspec

from overtime.domain.webhooks import WebhookConfig


class LinkConfigBody(msgspec.Struct):
    """`POST /v1/mmc/management/webhook/link-config` (SDK `WebHookConfigRequest`)."""

    subscriberId: str
    subscriberKey: str
    url: str
    corpId: str | None = None
    spId: str | None = None


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
