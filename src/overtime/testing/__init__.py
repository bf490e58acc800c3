"""Overtime as a test double for applications that call Huawei Cloud Meeting (issue 13).

`OvertimeServer` runs one sandbox server in a thread of the calling process (a random free
port, a fresh SQLite database in a temporary directory, TLS with its own CA) and drives it::

    from overtime.testing import OvertimeServer

    with OvertimeServer() as ot:
        account, password = ot.add_user("alice")
        client = ot.sdk_client(account, password)   # huaweicloudsdkmeeting MeetingClient
        ...
        ot.advance(minutes=55)
        assert ot.requests(operation="prolong_meeting")

Under pytest the `overtime` fixture (the plugin `overtime.testing.pytest_plugin`, registered
through the `pytest11` entry point) gives each test the session's server, wiped clean."""

from __future__ import annotations

from overtime.testing.server import OvertimeServer

__all__ = ["OvertimeServer"]
