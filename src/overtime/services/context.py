"""What every use case needs: the store, the clock, the policy and the event bus."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from overtime.domain.clock import Clock
from overtime.domain.meeting import Meeting, MeetingEvent, Policy
from overtime.domain.webhooks import WebhookOptions
from overtime.storage.sql import Store, Tx

Subscriber = Callable[[str, Sequence[MeetingEvent]], Awaitable[None]]


@dataclass
class EventBus:
    """Meeting changes, delivered after commit to whoever subscribed (WebSocket hub, webhooks)."""

    subscribers: list[Subscriber] = field(default_factory=list)
    relays: list[Subscriber] = field(default_factory=list)

    def subscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.append(subscriber)

    def relay_to(self, relay: Subscriber) -> None:
        """Also hands this process's own changes to `relay` (other replicas)."""
        self.relays.append(relay)

    async def publish(self, conference_id: str, events: Sequence[MeetingEvent]) -> None:
        if not events:
            return
        for subscriber in self.subscribers:
            await subscriber(conference_id, events)
        for relay in self.relays:
            await relay(conference_id, events)

    async def publish_relayed(self, conference_id: str, events: Sequence[MeetingEvent]) -> None:
        """Changes another replica committed: to this process's subscribers only."""
        for subscriber in self.subscribers:
            await subscriber(conference_id, events)


@dataclass
class Context:
    store: Store
    clock: Clock
    policy: Policy = field(default_factory=Policy)
    bus: EventBus = field(default_factory=EventBus)
    webhooks: WebhookOptions = field(default_factory=WebhookOptions)


class Pending:
    """Collects the ledger entries a transaction writes, to publish once it has committed."""

    def __init__(self) -> None:
        self.items: list[tuple[str, list[MeetingEvent]]] = []

    async def save(self, tx: Tx, meeting: Meeting, *, new: bool = False) -> None:
        events = list(meeting.events)
        if new:
            await tx.insert_meeting(meeting)
        else:
            await tx.save_meeting(meeting)
        self.items.append((meeting.conference_id, events))

    async def publish(self, bus: EventBus) -> None:
        for conference_id, events in self.items:
            await bus.publish(conference_id, events)
