"""schemathesis against the sandbox routes of the served OpenAPI document (the main fuzz suite
runs without --sandbox): generated requests, valid and not, never a 5xx, errors in the envelope.
The stream is left out (a valid request may hold it open for an hour)."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case

from overtime.testing import OvertimeServer

MAX_EXAMPLES = int(os.environ.get("OVERTIME_FUZZ_EXAMPLES", "10"))


def test_no_sandbox_route_answers_5xx(overtime: OvertimeServer) -> None:
    schema = schemathesis.openapi.from_dict(overtime.http.get("/openapi.json").json())
    ops = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().path.startswith("/sandbox/v1/") and not result.ok().path.endswith("/stream")
    ]
    assert len(ops) >= 17
    for operation in ops:

        @given(case=operation.as_strategy())  # type: ignore[attr-defined]
        @settings(
            max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def fuzz(case: Case) -> None:
            response = case.call(base_url=overtime.url, verify=overtime.ca_file, timeout=30)
            assert response.status_code < 500, (
                f"{case.method} {case.path}: {response.status_code} {response.text}"
            )
            if response.status_code >= 400:
                body = response.json()
                assert isinstance(body.get("error_code"), str) and isinstance(body.get("error_msg"), str)

        fuzz()
