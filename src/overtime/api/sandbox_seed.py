"""Deterministic ids for the sandbox (issue 13, `POST /sandbox/v1/seed`): from a seed on,
conference ids, passwords, uuids, tokens and every other value Overtime draws from `secrets` or
`uuid.uuid4` come from one `random.Random(seed)`, so the same requests in the same order get the
same values on every run.

Overtime's modules call `secrets.…` and `uuid.uuid4()` through their module-level names; seeding
rebinds those names, in every loaded `overtime.*` module, to seeded stand-ins (modules added later
are covered the same way), and `{"seed": null}` or a wipe binds the real modules again. The
binding is per process: in one process with several sandbox servers, seeding one seeds all."""

from __future__ import annotations

import base64
import random
import secrets as real_secrets
import sys
import uuid as real_uuid
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overtime.api import wire
from overtime.api.http import ok

T = TypeVar("T")


class SeededSecrets:
    """`secrets` drawn from a seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def randbelow(self, n: int) -> int:
        return self._rng.randrange(n)

    def choice(self, seq: Sequence[T]) -> T:
        return self._rng.choice(seq)

    def token_bytes(self, nbytes: int | None = None) -> bytes:
        return self._rng.randbytes(32 if nbytes is None else nbytes)

    def token_hex(self, nbytes: int | None = None) -> str:
        return self.token_bytes(nbytes).hex()

    def token_urlsafe(self, nbytes: int | None = None) -> str:
        return base64.urlsafe_b64encode(self.token_bytes(nbytes)).rstrip(b"=").decode("ascii")

    def __getattr__(self, name: str) -> Any:
        return getattr(real_secrets, name)


class SeededUuid:
    """`uuid` whose `uuid4` is drawn from a seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def uuid4(self) -> real_uuid.UUID:
        return real_uuid.UUID(int=self._rng.getrandbits(128), version=4)

    def __getattr__(self, name: str) -> Any:
        return getattr(real_uuid, name)


def _overtime_modules() -> list[Any]:
    return [m for name, m in list(sys.modules.items()) if name.split(".")[0] == "overtime" and m is not None]


def seed(value: int) -> None:
    rng = random.Random(value)
    fake_secrets, fake_uuid = SeededSecrets(rng), SeededUuid(rng)
    for module in _overtime_modules():
        found = getattr(module, "secrets", None)
        if found is real_secrets or isinstance(found, SeededSecrets):
            module.secrets = fake_secrets
        found = getattr(module, "uuid", None)
        if found is real_uuid or isinstance(found, SeededUuid):
            module.uuid = fake_uuid


def unseed() -> None:
    for module in _overtime_modules():
        if isinstance(getattr(module, "secrets", None), SeededSecrets):
            module.secrets = real_secrets
        if isinstance(getattr(module, "uuid", None), SeededUuid):
            module.uuid = real_uuid


class SeedBody(msgspec.Struct, forbid_unknown_fields=True):
    seed: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)] | None
    """None: back to real randomness."""


async def set_seed(request: Request) -> Response:
    body = wire.decode(await request.body(), SeedBody)
    if body.seed is None:
        unseed()
    else:
        seed(body.seed)
    return ok({"seed": body.seed})
