"""The worked example of docs/howto/testing-your-app.md, taken out of the page: every fenced
Python block whose first line is `# file: NAME` becomes the file NAME."""

from __future__ import annotations

import re
from pathlib import Path

HOWTO = Path(__file__).resolve().parents[2] / "docs" / "howto" / "testing-your-app.md"
_BLOCK = re.compile(r"```python\n# file: (\S+)\n(.*?)```", re.DOTALL)


def write_example(directory: Path) -> list[str]:
    """Writes the page's files into `directory`; their names."""
    names = []
    for name, code in _BLOCK.findall(HOWTO.read_text()):
        (directory / name).write_text(code)
        names.append(name)
    return names
