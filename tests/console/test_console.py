"""The host console in a real browser (issue 14): sign-in, extend, a second session's extension
arriving live, auto-extension after a sandbox advance, another member's meeting refused, CSRF,
sign-out and idle expiry. The tests run in file order: the last one moves the clock past the
idle limit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from api.helpers import Member
from support import Server
from support.sandbox import Sandbox

COOKIE = "__Host-overtime-console"
expect.set_options(timeout=8000)


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


def new_context(browser: Browser, contexts: list[BrowserContext], **kwargs: Any) -> BrowserContext:
    context = browser.new_context(ignore_https_errors=True, timezone_id="UTC", locale="en-GB", **kwargs)
    contexts.append(context)
    return context


def sign_in(page: Page, server: Server, member: Member) -> None:
    page.goto(f"{server.url}/console")
    page.get_by_label("Account").fill(member.account.account)
    page.get_by_label("Password").fill(member.account.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Meetings")).to_be_visible()


def open_meeting(page: Page, meeting: dict[str, Any]) -> None:
    page.get_by_role("link", name=re.compile(meeting["conferenceID"])).click()
    expect(page.locator("#detail-title")).to_have_text(meeting["subject"])
    expect(page.locator("body")).to_have_attribute("data-live", meeting["conferenceID"])


def countdown_seconds(page: Page) -> int:
    text = page.locator("#countdown").inner_text()
    parts = [int(p) for p in text.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def csrf(page: Page, server: Server) -> str:
    token: str = page.request.get(f"{server.url}/console/api/session").json()["csrf"]
    return token


def test_sign_in_sets_a_strict_http_only_cookie(
    browser: Browser, contexts: list[BrowserContext], console_server: Server, alice: Member, shots: Path
) -> None:
    page = new_context(browser, contexts, viewport={"width": 1000, "height": 560}).new_page()
    page.goto(f"{console_server.url}/console")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Account").fill(alice.account.account)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong account or password.")
    page.screenshot(path=str(shots / "console-sign-in.png"))

    # By keyboard alone: type, Tab to the password, Enter submits; focus lands on the list.
    page.get_by_label("Account").fill(alice.account.account)
    page.keyboard.press("Tab")
    page.keyboard.type(alice.account.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Meetings")).to_be_focused()
    expect(page.locator("#who-name")).to_have_text(f"Alice Host ({alice.account.account})")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/" and cookie["expires"] == -1
    assert page.evaluate("document.cookie") == "", "the session cookie is not readable by scripts"


def test_extend_and_a_second_sessions_extension_arrives_live(
    browser: Browser, contexts: list[BrowserContext], console_server: Server, alice: Member
) -> None:
    meeting = alice.create(subject="Design review", length=30)
    page = new_context(browser, contexts).new_page()
    sign_in(page, console_server, alice)
    open_meeting(page, meeting)
    assert 28 * 60 < countdown_seconds(page) <= 30 * 60

    page.get_by_role("button", name="+15 min").click()
    expect(page.get_by_role("status")).to_have_text("Extended by 15 minutes.")
    expect(page.locator("#ledger")).to_contain_text("Extended (+15 min)")
    assert 43 * 60 < countdown_seconds(page) <= 45 * 60

    # A second session (another browser, the same account) extends by a chosen number.
    other = new_context(browser, contexts).new_page()
    sign_in(other, console_server, alice)
    open_meeting(other, meeting)
    other.get_by_label("Minutes", exact=True).fill("20")
    other.get_by_role("button", name="Extend", exact=True).click()
    expect(other.get_by_role("status")).to_have_text("Extended by 20 minutes.")

    # The first page hears it over the WebSocket: no reload, no click.
    expect(page.locator("#ledger")).to_contain_text("Extended (+20 min)")
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^(1:0[34]:\d\d)$"))


def test_auto_extension_after_a_sandbox_advance(
    browser: Browser,
    contexts: list[BrowserContext],
    console_server: Server,
    alice: Member,
    shots: Path,
) -> None:
    meeting = alice.create(subject="Sprint planning", length=15)
    page = new_context(browser, contexts, viewport={"width": 1100, "height": 1000}).new_page()
    sign_in(page, console_server, alice)
    open_meeting(page, meeting)
    expect(page.locator("#auto-step")).to_have_text("15 minutes")

    page.get_by_label("Participant name").fill("Grace")
    page.get_by_role("button", name="Add participant").click()
    expect(page.locator("#present")).to_contain_text("Grace")

    # Someone else moves the clock past the end (the sandbox API, not this page): the deadline
    # loop auto-extends, and the page learns it live.
    with console_server.client() as http:
        Sandbox(console_server, http).advance(minutes=15, seconds=30)
    expect(page.locator("#ledger")).to_contain_text("Overtime (automatic): Auto-extended (+15 min)")
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^1[34]:\d\d$"))

    page.get_by_role("button", name="+30 min").click()
    expect(page.locator("#ledger")).to_contain_text("Extended (+30 min)")
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^4[34]:\d\d$"))
    page.screenshot(path=str(shots / "console.png"), full_page=True)

    # The console's own advance: the step is changed, then the meeting ends with nobody present.
    page.get_by_label("Step (minutes, 0 = off)").fill("10")
    page.get_by_role("button", name="Set").click()
    expect(page.locator("#auto-step")).to_have_text("10 minutes")
    page.get_by_role("button", name="Remove Grace").click()
    expect(page.locator("#present")).to_contain_text("Nobody")
    page.get_by_label("Advance by (minutes)").fill("45")
    page.get_by_role("button", name="Advance").click()
    expect(page.locator("#detail-state")).to_have_text("ended")
    expect(page.locator("#list-ended")).to_contain_text(meeting["conferenceID"])
    expect(page.get_by_role("heading", name="Meetings")).to_be_visible()  # still signed in


def test_phone_sized_screen(
    browser: Browser, contexts: list[BrowserContext], console_server: Server, alice: Member, shots: Path
) -> None:
    meeting = alice.create(subject="Stand-up", length=15)
    context = new_context(
        browser, contexts, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    sign_in(page, console_server, alice)
    open_meeting(page, meeting)
    page.get_by_role("button", name="+15 min").tap()
    expect(page.locator("#ledger")).to_contain_text("Extended (+15 min)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"no sideways scrolling on a phone: {width}px"
    page.locator("#detail").screenshot(path=str(shots / "console-phone.png"))

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Stop meeting").tap()
    expect(page.get_by_role("status")).to_have_text("Meeting stopped.")
    expect(page.locator("#detail-state")).to_have_text("ended")
    expect(page.locator("#countdown-label")).to_have_text("Ended")
    expect(page.locator("#list-ended")).to_contain_text(meeting["conferenceID"])


def test_another_members_meeting_is_refused(
    browser: Browser, contexts: list[BrowserContext], console_server: Server, alice: Member, bob: Member
) -> None:
    meeting = alice.create(subject="Alice only", length=30)
    cid = meeting["conferenceID"]
    page = new_context(browser, contexts).new_page()
    sign_in(page, console_server, bob)
    expect(page.locator("#meetings")).not_to_contain_text(cid)

    page.goto(f"{console_server.url}/console#meeting={cid}")
    expect(page.get_by_role("alert")).to_have_text("Meeting does not exist.")
    expect(page.locator("#detail")).to_be_hidden()

    api = f"{console_server.url}/console/api/meetings/{cid}"
    r = page.request.get(api)
    assert r.status == 400 and r.json() == {
        "error_code": "MMC.111070005",
        "error_msg": "Meeting does not exist.",
    }
    token = csrf(page, console_server)
    for suffix in ("extend", "stop", "live"):
        r = page.request.post(f"{api}/{suffix}", data={"minutes": 15}, headers={"X-CSRF-Token": token})
        assert r.status == 400 and r.json()["error_code"] == "MMC.111070005", (suffix, r.text())
    assert alice.detail(cid)["endTime"] == meeting["endTime"]


def test_changes_need_the_csrf_token_and_our_origin(
    browser: Browser, contexts: list[BrowserContext], console_server: Server, alice: Member
) -> None:
    meeting = alice.create(subject="CSRF", length=30)
    page = new_context(browser, contexts).new_page()
    sign_in(page, console_server, alice)
    extend = f"{console_server.url}/console/api/meetings/{meeting['conferenceID']}/extend"
    r = page.request.post(extend, data={"minutes": 15})
    assert r.status == 403 and "CSRF" in r.json()["error_msg"]
    r = page.request.post(extend, data={"minutes": 15}, headers={"X-CSRF-Token": "x" * 43})
    assert r.status == 403
    token = csrf(page, console_server)
    r = page.request.post(
        extend, data={"minutes": 15}, headers={"X-CSRF-Token": token, "Origin": "https://evil.example"}
    )
    assert r.status == 403 and r.json()["error_msg"] == "Cross-origin requests are refused."
    assert alice.detail(meeting["conferenceID"])["endTime"] == meeting["endTime"]
    r = page.request.post(extend, data={"minutes": 15}, headers={"X-CSRF-Token": token})
    assert r.status == 200, r.text()


def test_sign_out_ends_the_session(
    browser: Browser, contexts: list[BrowserContext], console_server: Server, alice: Member
) -> None:
    page = new_context(browser, contexts).new_page()
    sign_in(page, console_server, alice)
    (cookie,) = [c for c in page.context.cookies() if c["name"] == COOKIE]
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Signed out.")
    assert not [c for c in page.context.cookies() if c["name"] == COOKIE]
    with console_server.client() as http:
        r = http.get("/console/api/session", headers={"Cookie": f"{COOKIE}={cookie['value']}"})
        assert r.status_code == 401
        r = http.get("/v1/mmc/management/conferences", headers={"X-Access-Token": cookie["value"]})
        assert r.status_code == 401, "the access token itself is gone"
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_hostile_input_is_refused_in_the_envelope(console_server: Server, alice: Member) -> None:
    meeting = alice.create(subject="Hostile", length=60)
    base = f"/console/api/meetings/{meeting['conferenceID']}"
    with closing(console_client(console_server, alice.account.account, alice.account.password)) as http:
        cases: list[tuple[str, str, Any]] = [
            ("POST", f"{base}/extend", b"not json"),
            ("POST", f"{base}/extend", b'{"minutes": "15"}'),
            ("POST", f"{base}/extend", b'{"minutes": 0}'),
            ("POST", f"{base}/extend", b'{"minutes": 99999999999999999999999}'),
            ("POST", f"{base}/extend", b'{"minutes": 15, "x": "\\u0000"}'),
            ("POST", f"{base}/auto-extension", b'{"step": 61}'),
            ("POST", f"{base}/auto-extension", b"[" * 100 + b"]" * 100),
            ("POST", f"{base}/participants", b'{"name": ""}'),
            ("POST", f"{base}/participants", b'{"name": "' + b"x" * 97 + b'"}'),
            ("DELETE", f"{base}/participants/{'p' * 500}", None),
            ("DELETE", f"{base}/participants/nobody", None),
            ("GET", f"/console/api/meetings/{'9' * 500}", None),
            ("GET", "/console/api/meetings/%00", None),
            ("POST", "/console/api/sandbox/advance", b'{"minutes": -1}'),
            ("POST", "/console/api/session", b'{"account": 1, "password": []}'),
            ("GET", "/console/static/..%2Fconsole.py", None),
        ]
        for method, path, body in cases:
            r = http.request(method, path, content=body, headers={"Content-Type": "application/json"})
            assert 400 <= r.status_code < 500, (method, path, body, r.status_code, r.text)
            assert set(r.json()) == {"error_code", "error_msg"}, r.text
        assert alice.detail(meeting["conferenceID"])["endTime"] == meeting["endTime"]


def test_activity_restarts_the_idle_clock_and_a_refused_change_keeps_the_session(
    console_server: Server, alice: Member
) -> None:
    meeting = alice.create(subject="Idle clock", length=60)
    extend = f"/console/api/meetings/{meeting['conferenceID']}/extend"
    with (
        closing(console_client(console_server, alice.account.account, alice.account.password)) as http,
        console_server.client() as plain,
    ):
        sandbox = Sandbox(console_server, plain)
        first = http.cookies[COOKIE]
        sandbox.advance(minutes=20)
        r = http.post(extend, json={"minutes": 5000})  # refused: the token stays as it was
        assert r.status_code == 400 and http.cookies[COOKIE] == first
        r = http.post("/console/api/session/touch", json={})
        assert r.status_code == 200, r.text
        assert http.cookies[COOKIE] != first, "a token older than 5 minutes is replaced"
        assert r.headers["X-CSRF-Token"] == r.json()["csrf"] != http.headers["X-CSRF-Token"]
        http.headers["X-CSRF-Token"] = r.json()["csrf"]
        r = plain.get("/console/api/session", headers={"Cookie": f"{COOKIE}={first}"})
        assert r.status_code == 401, "the replaced token is gone"
        sandbox.advance(minutes=20)  # 40 minutes after sign-in, 20 after the last activity
        assert http.get("/console/api/session").status_code == 200
        assert http.post(extend, json={"minutes": 5}).status_code == 200


def test_an_idle_session_expires(
    browser: Browser, contexts: list[BrowserContext], console_server: Server, alice: Member
) -> None:
    page = new_context(browser, contexts).new_page()
    sign_in(page, console_server, alice)
    with console_server.client() as http:
        Sandbox(console_server, http).advance(minutes=31)
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("expired after 30 minutes without activity")
    r = page.request.get(f"{console_server.url}/console/api/session")
    assert r.status == 401


def console_client(server: Server, account: str, password: str) -> httpx.Client:
    """The console's endpoints without a browser: signed in, the CSRF token in every request."""
    http = server.client()
    r = http.post("/console/api/session", json={"account": account, "password": password})
    assert r.status_code == 200, r.text
    http.headers["X-CSRF-Token"] = r.json()["csrf"]
    return http


def test_an_admin_sees_the_enterprises_meetings_and_no_other(console_server: Server, alice: Member) -> None:
    meeting = alice.create(subject="Corp meeting", length=30)
    cid = meeting["conferenceID"]
    admin = console_server.add_user(admin=True, corp=alice.account.corp)
    outsider = console_server.add_user(admin=True, corp="another-corp")
    with closing(console_client(console_server, admin.account, admin.password)) as http:
        listed = http.get("/console/api/meetings").json()
        assert cid in [m["conferenceID"] for m in listed["running"]]
        r = http.post(f"/console/api/meetings/{cid}/extend", json={"minutes": 5})
        assert r.status_code == 200, r.text
        assert r.json()["ledger"][-1]["who"] == admin.account
    with closing(console_client(console_server, outsider.account, outsider.password)) as http:
        assert cid not in str(http.get("/console/api/meetings").json())
        r = http.get(f"/console/api/meetings/{cid}")
        assert r.status_code == 400 and r.json()["error_code"] == "MMC.111070005"
