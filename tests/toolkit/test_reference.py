"""docs/reference/sandbox.md names every sandbox route of the operations table."""

from __future__ import annotations

from pathlib import Path

from overtime.api.operations import OPERATIONS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "sandbox.md"


def test_every_sandbox_route_is_documented() -> None:
    text = PAGE.read_text()
    missing = [
        f"{op.method} {op.path}" for op in OPERATIONS if op.sandbox and f"`{op.method} {op.path}`" not in text
    ]
    assert missing == []
