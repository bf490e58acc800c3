"""Participants joining and leaving (the sandbox's stand-in for real media sessions)."""

from __future__ import annotations

import uuid

from overtime.domain import errors
from overtime.domain.presence import Participant
from overtime.domain.tokens import Role
from overtime.services.context import Context, Pending

MAX_NAME = 96


async def join(ctx: Context, conference_id: str, name: str, role: int) -> Participant:
    """A participant joins; the first one starts a scheduled meeting."""
    if not name or len(name) > MAX_NAME:
        raise errors.InvalidParameter("name must be 1 to 96 characters.")
    if role not in (0, 1):
        raise errors.InvalidParameter("role must be 0 or 1.")
    pending = Pending()
    now = ctx.clock.now()
    async with ctx.store.write() as tx:
        meeting = await tx.meeting(conference_id, for_update=True)
        if meeting is None or not meeting.is_open:
            raise errors.MeetingNotFound()
        participant_id = uuid.uuid4().hex
        meeting.joined(name, participant_id, now)
        participant = Participant(participant_id, conference_id, meeting.conf_uuid, name, Role(role), now)
        await tx.insert_participant(participant)
        await pending.save(tx, meeting)
    await pending.publish(ctx.bus)
    return participant


async def leave(ctx: Context, conference_id: str, participant_id: str) -> None:
    pending = Pending()
    now = ctx.clock.now()
    async with ctx.store.write() as tx:
        participant = await tx.participant(conference_id, participant_id)
        if participant is None or not participant.present:
            raise errors.ParticipantNotFound()
        meeting = await tx.meeting(conference_id, for_update=True)
        if meeting is None or meeting.conf_uuid != participant.conf_uuid:
            raise errors.ParticipantNotFound()
        meeting.left(participant.name, participant_id, now)
        await tx.leave(participant_id, now)
        await pending.save(tx, meeting)
    await pending.publish(ctx.bus)
