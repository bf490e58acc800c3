"""Recordings of ended runs (BEHAVIOUR §10, reference §9): search, detail, download URLs with
one-hour single-use tokens, the download itself, and deletion. The usual scope: a member sees
the recordings of meetings they own, an enterprise admin the enterprise's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from overtime.domain import credentials, errors, paging
from overtime.domain.recording import DOWNLOAD_TTL, FILE_TYPES, Recording
from overtime.services.auth import Session
from overtime.services.context import Context
from overtime.storage.sql import Tx

DOWNLOAD_PREFIX = "rdl"
MAX_DELETE = 100


@dataclass(frozen=True)
class RecordingPage:
    offset: int
    limit: int
    count: int
    recordings: list[Recording]
    owner_names: dict[str, str]


@dataclass(frozen=True)
class DownloadUrl:
    file_type: str
    token: str


async def _visible(tx: Tx, session: Session, conf_uuid: str) -> Recording:
    found = await tx.recording(conf_uuid) if conf_uuid else None
    if found is None or not session.account.can_see(found):
        raise errors.RecordingNotFound()
    return found


async def search(
    ctx: Context,
    session: Session,
    *,
    since: datetime,
    until: datetime,
    offset: int,
    limit: int,
    query_all: bool,
    search_key: str | None,
    descending: bool,
) -> RecordingPage:
    """`search_recordings`: recordings started in [since, until]; an admin asking with
    `queryAll` gets the enterprise's."""
    account = session.account
    offset, limit = paging.clamp(offset, limit)
    async with ctx.store.read() as tx:
        count, found = await tx.search_recordings(
            corp_id=account.corp_id,
            owner_id=None if (account.is_admin and query_all) else account.id,
            since=since,
            until=until,
            search=search_key or None,
            descending=descending,
            offset=offset,
            limit=limit,
        )
        names = await tx.account_names([r.owner_id for r in found])
    return RecordingPage(offset, limit, count, found, names)


async def detail(ctx: Context, session: Session, conf_uuid: str) -> tuple[Recording, str]:
    async with ctx.store.read() as tx:
        found = await _visible(tx, session, conf_uuid)
        names = await tx.account_names([found.owner_id])
    return found, names.get(found.owner_id, "")


async def download_urls(
    ctx: Context, session: Session, conf_uuid: str
) -> tuple[Recording, list[DownloadUrl]]:
    """`show_recording_file_download_urls`: enterprise admins only; one token per file type,
    valid for an hour, usable once."""
    if not session.account.is_admin:
        raise errors.NotEnterpriseAdmin("Only an enterprise administrator may download recordings.")
    expires = ctx.clock.now() + DOWNLOAD_TTL
    async with ctx.store.write() as tx:
        found = await _visible(tx, session, conf_uuid)
        urls = [DownloadUrl(kind, credentials.new_token(DOWNLOAD_PREFIX)) for kind in FILE_TYPES]
        await tx.insert_download_tokens(
            [(credentials.digest(u.token), found.conf_uuid, u.file_type, expires) for u in urls]
        )
    return found, urls


async def download(ctx: Context, token: str) -> tuple[Recording, str]:
    """A download URL's token, used up: the recording and the file type it opens."""
    if not token:
        raise errors.AccessTokenInvalid("The download token is missing.")
    async with ctx.store.write() as tx:
        found = await tx.consume_download_token(credentials.digest(token), ctx.clock.now())
        recording = await tx.recording(found[0]) if found else None
    if found is None or recording is None:
        raise errors.AccessTokenInvalid("The download token is unknown, used or expired.")
    return recording, found[1]


async def delete(ctx: Context, session: Session, conf_uuids: list[str]) -> None:
    """`delete_recordings`: every named recording must be visible, or nothing is deleted. The
    runs' history then says they have no recording file."""
    if not conf_uuids:
        raise errors.InvalidParameter("confUUIDs must name at least one recording.")
    if len(conf_uuids) > MAX_DELETE:
        raise errors.InvalidParameter(f"confUUIDs names at most {MAX_DELETE} recordings.")
    wanted = list(dict.fromkeys(conf_uuids))
    async with ctx.store.write() as tx:
        for conf_uuid in wanted:
            await _visible(tx, session, conf_uuid)
        await tx.delete_recordings(wanted)
        for conf_uuid in wanted:
            meeting = await tx.meeting_by_run(conf_uuid)
            if meeting is not None:
                meeting.room.rec_deleted = True
                await tx.save_meeting(meeting)
