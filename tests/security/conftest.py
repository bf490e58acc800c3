"""The security suite's fixtures (`make_member`, `make_own_member`, `cast`, `sandbox_server`, ...)
live in tests/conftest.py with every other shared fixture; this module only keeps the old
import of their type working."""

from __future__ import annotations

from api.helpers import MakeMember as MakeMember
