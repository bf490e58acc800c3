"""The generated reference pages in docs/reference/ are current: regenerate them with
`python -m overtime.api.reference` when this fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from overtime.api.reference import PAGES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reference"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_checked_in_page_is_current(name: str) -> None:
    assert (DOCS / name).read_text(encoding="utf-8") == PAGES[name](), (
        f"docs/reference/{name} is stale: run `.venv/bin/python -m overtime.api.reference`"
    )
