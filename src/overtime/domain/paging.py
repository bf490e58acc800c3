"""Huawei's paging rule (reference §8): offset ≥ 0 (negative counts as 0), limit 1–500 (larger
limits are clamped to 500, not refused)."""

from __future__ import annotations

MAX_LIMIT = 500
DEFAULT_LIMIT = 20


def clamp(offset: int, limit: int) -> tuple[int, int]:
    return max(0, offset), min(MAX_LIMIT, max(1, limit))
