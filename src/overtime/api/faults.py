"""Fault rules of the sandbox (issue 13, `/sandbox/v1/faults`): a rule matches requests by
operation name or method + path (and optionally conferenceID and account) and then answers with
a chosen status and Huawei error code, adds a delay, drops the connection, or closes the
meeting's WebSockets. Each rule may fire with a probability, a number of times and until an
expiry (sandbox clock); its randomness is a `random.Random(seed)` of its own, so a run with the
same rules and requests fires the same way every time."""

from __future__ import annotations

import random
from typing import Annotated, Literal

import msgspec

from overtime.api.bounds import Int32

MAX_RULES = 100

Action = Literal["error", "delay", "drop", "close_websockets"]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class RuleBody(msgspec.Struct, forbid_unknown_fields=True):
    action: Action
    operation: Text | None = None
    method: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3,7}$")] | None = None
    path: Annotated[str, msgspec.Meta(min_length=1, max_length=1024, pattern="^/")] | None = None
    conferenceID: Text | None = None
    account: Text | None = None
    status: Annotated[int, msgspec.Meta(ge=400, le=599)] = 500
    errorCode: Annotated[str, msgspec.Meta(max_length=64)] = "MMC.111070003"
    errorMsg: Annotated[str, msgspec.Meta(max_length=1024)] = "Fault injected by the sandbox."
    delayMs: Annotated[int, msgspec.Meta(ge=0, le=60_000)] = 0
    probability: Annotated[float, msgspec.Meta(ge=0, le=1)] = 1.0
    count: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] | None = None
    """Fires at most this many times, then is gone; None: for ever."""
    expiresInSeconds: Annotated[float, msgspec.Meta(ge=0.001, le=365 * 24 * 3600)] | None = None
    seed: Int32 = 0


class Rule(msgspec.Struct, kw_only=True):
    id: int
    action: str
    operation: str | None
    method: str | None
    path: str | None
    conferenceID: str | None
    account: str | None
    status: int
    errorCode: str
    errorMsg: str
    delayMs: int
    probability: float
    count: int | None
    expiresAt: int | None
    """Sandbox-clock epoch ms after which the rule no longer fires."""
    seed: int
    fired: int = 0
    remaining: int | None = None
    rng: random.Random | None = None

    def matches(self, method: str, path: str, operation: str, conference_id: str, account: str) -> bool:
        return (
            (self.operation is None or self.operation == operation)
            and (self.method is None or self.method == method)
            and (self.path is None or self.path == path)
            and (self.conferenceID is None or self.conferenceID == conference_id)
            and (self.account is None or self.account == account)
        )

    def public(self) -> dict[str, object]:
        shown = msgspec.structs.asdict(self)
        del shown["rng"]
        return shown


class TooManyRules(Exception):
    pass


class Faults:
    def __init__(self) -> None:
        self.rules: dict[int, Rule] = {}
        self.next_id = 1

    def add(self, body: RuleBody, now_ms: int) -> Rule:
        if len(self.rules) >= MAX_RULES:
            raise TooManyRules()
        if body.operation is None and body.path is None and body.method is None:
            raise ValueError("a rule needs an operation, or a method and/or a path, to match.")
        rule = Rule(
            id=self.next_id,
            action=body.action,
            operation=body.operation,
            method=body.method,
            path=body.path,
            conferenceID=body.conferenceID,
            account=body.account,
            status=body.status,
            errorCode=body.errorCode,
            errorMsg=body.errorMsg,
            delayMs=body.delayMs,
            probability=body.probability,
            count=body.count,
            expiresAt=None if body.expiresInSeconds is None else now_ms + round(body.expiresInSeconds * 1000),
            seed=body.seed,
            remaining=body.count,
            rng=random.Random(body.seed),
        )
        self.next_id += 1
        self.rules[rule.id] = rule
        return rule

    def pick(
        self, method: str, path: str, operation: str, conference_id: str, account: str, now_ms: int
    ) -> Rule | None:
        """The first live rule (oldest first) that matches and whose dice say fire; counts it."""
        for rule in list(self.rules.values()):
            if rule.expiresAt is not None and now_ms > rule.expiresAt:
                del self.rules[rule.id]
                continue
            if not rule.matches(method, path, operation, conference_id, account):
                continue
            assert rule.rng is not None
            if rule.probability < 1.0 and rule.rng.random() >= rule.probability:
                continue
            rule.fired += 1
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    del self.rules[rule.id]
            return rule
        return None

    def clear(self) -> None:
        self.rules.clear()

    def reset(self) -> None:
        """A wipe: no rules, and ids count from 1 again."""
        self.rules.clear()
        self.next_id = 1
