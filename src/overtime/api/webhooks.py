"""Webhook configuration routes: /v1/mmc/management/webhook/... (being built; see issue 5)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
