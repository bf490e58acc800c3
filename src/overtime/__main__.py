from __future__ import annotations

from overtime.cli import main

main()
