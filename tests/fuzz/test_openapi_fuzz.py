"""schemathesis against the served OpenAPI document: every route, generated requests (valid and
not), never a 5xx, every error in the envelope, every answer matching the document.

Driven through hypothesis directly (schemathesis's pytest plugin does not support pytest 9)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, checks

from support import Server

MAX_EXAMPLES = int(os.environ.get("OVERTIME_FUZZ_EXAMPLES", "25"))
ONLY = [p for p in os.environ.get("OVERTIME_FUZZ_PATHS", "").split(",") if p]
"""Substrings of the paths to fuzz (`OVERTIME_FUZZ_PATHS=cyclesubconf,cycleconferences`); all if unset."""


def operations(server: Server) -> list[object]:
    with server.client() as http:
        raw = http.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(raw)
    return [result.ok() for result in schema.get_all_operations()]


def check(case: Case, server: Server, access_token: str) -> None:
    headers = {}
    if case.headers and str(case.headers.get("X-Access-Token", "")).startswith("a"):
        headers["X-Access-Token"] = access_token  # some generated calls go past authentication
    response = case.call(base_url=server.url, headers=headers, verify=str(server.ca_path), timeout=30)
    assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code} {response.text}"
    assert response.headers.get("x-request-id")
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body.get("error_code"), str) and isinstance(body.get("error_msg"), str), (
            response.text
        )
    # Valid-by-schema values may still be refused: the ranges with Huawei's own codes (length,
    # duration, prolongLength, ...) are checked by the domain, not written into the schema.
    case.validate_response(response, excluded_checks=[checks.positive_data_acceptance])


@pytest.fixture(scope="module")
def access_token(server: Server) -> str:
    return server.login(server.add_user())


def test_no_route_answers_5xx_and_errors_use_the_envelope(server: Server, access_token: str) -> None:
    ops = operations(server)
    assert len(ops) >= 20
    for operation in ops:
        if ONLY and not any(p in operation.path for p in ONLY):  # type: ignore[attr-defined]
            continue

        @given(case=operation.as_strategy())  # type: ignore[attr-defined]
        @settings(
            max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def fuzz(case: Case) -> None:
            check(case, server, access_token)

        fuzz()
