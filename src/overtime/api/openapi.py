"""The OpenAPI document of the routes Overtime serves, generated from the operations table and the
same msgspec structs that validate the requests, so it cannot drift from the code. Served at
GET /openapi.json."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from overtime.api.operations import OPERATIONS, Operation

_ERROR = {
    "type": "object",
    "required": ["error_code", "error_msg"],
    "properties": {"error_code": {"type": "string"}, "error_msg": {"type": "string"}},
}
_PATH_PARAMETER = {"type": "string", "maxLength": 64}


def _query_parameters(op: Operation) -> list[dict[str, Any]]:
    if op.query is None:
        return []
    schema = msgspec.json.schema(op.query)
    properties = schema["$defs"][op.query.__name__]["properties"]
    parameters = []
    for name, prop in properties.items():
        prop = dict(prop)
        prop.pop("default", None)
        if "anyOf" in prop:  # `X | None`: absent is the None
            prop = next(p for p in prop["anyOf"] if p.get("type") != "null")
        parameters.append(
            {"name": name, "in": "query", "required": name in op.required_query, "schema": prop}
        )
    return parameters


def _path_parameters(op: Operation) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in op.path.split("/") if part.startswith("{")]
    return [{"name": name, "in": "path", "required": True, "schema": _PATH_PARAMETER} for name in names]


def document(operations: Iterable[Operation] = OPERATIONS) -> dict[str, Any]:
    operations = list(operations)
    bodies = sorted({op.body for op in operations if op.body is not None}, key=lambda t: t.__name__)
    _, components = msgspec.json.schema_components(bodies, ref_template="#/components/schemas/{name}")
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        parameters = (
            _path_parameters(op)
            + _query_parameters(op)
            + [
                {"name": name, "in": "header", "required": required, "schema": {"type": "string"}}
                for name, required in op.auth.headers
            ]
        )
        operation: dict[str, Any] = {
            "operationId": op.name,
            "summary": op.summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": "OK", "content": {op.media_type: {"schema": op.success}}},
                "default": {"description": "Error", "content": {"application/json": {"schema": _ERROR}}},
            },
        }
        if op.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}}
                },
            }
        paths.setdefault(op.path, {})[op.method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "Overtime: Huawei Cloud Meeting control API subset", "version": "1"},
        "paths": paths,
        "components": {"schemas": components},
    }
