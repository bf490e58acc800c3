"""The operations table (`api/operations.py`) against the official SDK and the served routes: each
row's SDK method exists with the same HTTP method and path, and the server answers every route
the OpenAPI document lists, and lists every route it answers."""

from __future__ import annotations

from starlette.routing import Route, WebSocketRoute

from overtime.api import openapi, operations
from overtime.api.reference import sdk_operations
from support import Server


def test_sdk_rows_match_the_installed_sdk() -> None:
    sdk = sdk_operations()
    assert len(sdk) > 150
    for op in operations.OPERATIONS:
        if op.sdk:
            assert op.name in sdk, f"{op.name} is not an SDK method"
            assert sdk[op.name] == (op.method, op.path), op.name
        else:
            assert op.name not in sdk, f"{op.name} is an SDK method: mark it sdk=True"


def test_names_are_unique_and_routes_distinct() -> None:
    names = [op.name for op in operations.OPERATIONS]
    assert len(names) == len(set(names))
    routes = [(op.method, op.path) for op in operations.OPERATIONS]
    assert len(routes) == len(set(routes))


def _served_routes(server_routes: list[object]) -> set[tuple[str, str]]:
    served = set()
    for route in server_routes:
        if isinstance(route, Route):
            served |= {(method, route.path) for method in (route.methods or ()) if method != "HEAD"}
        else:
            assert isinstance(route, WebSocketRoute), route
    return served


def test_route_table_equals_the_document() -> None:
    for sandbox in (False, True):
        paths = openapi.document(operations.served(sandbox=sandbox))["paths"]
        documented = {(method.upper(), path) for path, methods in paths.items() for method in methods}
        assert _served_routes(operations.routes(sandbox=sandbox)) == documented


def test_the_running_server_documents_what_it_serves(server: Server) -> None:
    with server.client() as http:
        document = http.get("/openapi.json").json()
        for path, methods in document["paths"].items():
            for method in methods:
                concrete = path.replace("{conference_id}", "1").replace("{participant_id}", "1")
                r = http.request(method.upper(), concrete)
                assert r.status_code not in (404, 405), f"{method.upper()} {path}: {r.status_code}"
        assert "/sandbox/v1/clock" not in document["paths"], "sandbox routes only with --sandbox"
        assert "/v1/mmc/management/webhook/link-config" in document["paths"]
        r = http.request("PATCH", "/v1/mmc/control/conferences/duration")
        assert r.status_code == 405
