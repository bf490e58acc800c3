// Overtime console: plain JavaScript, no build step, no third-party code.
// Talks to /console/api/... (session cookie + X-CSRF-Token) and listens to the meeting-control
// WebSocket for the selected running meeting; each frame triggers a refresh of that meeting.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  session: null,
  csrf: "",
  offset: 0, // server clock (sandbox time) minus the browser's clock, in ms
  selected: "",
  meeting: null,
  ws: null,
  wsFor: "",
  heartbeat: 0,
  reconnect: 0,
  active: false,
};

// -- talking to the server -----------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error_msg) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error_code;
  }
}

async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = state.csrf;
  const r = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  const rotated = r.headers.get("X-CSRF-Token");
  if (rotated) state.csrf = rotated;
  const text = await r.text();
  const data = text ? JSON.parse(text) : {};
  if (!r.ok) throw new ApiError(r.status, data);
  if (typeof data.now === "number") state.offset = data.now - Date.now();
  return data;
}

// Another tab may have replaced the session's token a moment ago: ask for the session again
// (the browser now sends the new cookie) and retry once; if that fails too, sign in again.
async function api(method, path, body) {
  try {
    return await request(method, path, body);
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 403)) throw e;
    let session;
    try {
      session = await request("GET", "/console/api/session");
    } catch (again) {
      signedOut(e.message);
      throw e;
    }
    state.csrf = session.csrf;
    return request(method, path, body);
  }
}

// -- formatting -----------------------------------------------------------------------------------

const pad = (n) => String(n).padStart(2, "0");
function serverNow() {
  return Date.now() + state.offset;
}
function fmtTime(ms, seconds) {
  if (ms === null || ms === undefined) return "—";
  const d = new Date(ms);
  const today = new Date(serverNow());
  let out = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (seconds) out += `:${pad(d.getSeconds())}`;
  if (d.toDateString() !== today.toDateString()) {
    out = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${out}`;
  }
  return out;
}
function fmtLeft(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}
function setTime(el, ms, seconds) {
  el.textContent = fmtTime(ms, seconds);
  if (ms !== null && ms !== undefined) el.dateTime = new Date(ms).toISOString();
}
const KINDS = {
  created: "Created",
  updated: "Edited",
  started: "Started",
  extended: "Extended",
  auto_extension_set: "Auto-extension set",
  auto_extended: "Auto-extended",
  ended: "Ended",
  cancelled: "Cancelled",
  joined: "Joined",
  left: "Left",
};

function say(text) {
  $("status").textContent = text;
  $("error").hidden = true;
}
function fail(e) {
  const el = $("error");
  el.textContent = e instanceof Error ? e.message : String(e);
  el.hidden = false;
}

// -- signing in and out ---------------------------------------------------------------------------

function signedIn(session) {
  state.session = session;
  state.csrf = session.csrf;
  $("who-name").textContent = `${session.name} (${session.account}${session.admin ? ", admin" : ""})`;
  $("who").hidden = false;
  $("sign-in").hidden = true;
  $("console").hidden = false;
  $("sandbox").hidden = !session.sandbox;
  $("error").hidden = true;
  refreshList();
  const wanted = new URLSearchParams(location.hash.slice(1)).get("meeting");
  if (wanted) select(wanted);
}

function signedOut(message) {
  state.session = null;
  state.csrf = "";
  state.selected = "";
  state.meeting = null;
  closeLive();
  $("who").hidden = true;
  $("console").hidden = true;
  $("detail").hidden = true;
  $("sign-in").hidden = false;
  if (message) fail(message);
  $("account").focus();
}

$("sign-in-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    const session = await request("POST", "/console/api/session", {
      account: $("account").value,
      password: $("password").value,
    });
    $("password").value = "";
    say(`Signed in as ${session.name}.`);
    signedIn(session);
    $("meetings-title").focus();
  } catch (e) {
    fail(e);
  }
});

$("sign-out").addEventListener("click", async () => {
  try {
    await api("DELETE", "/console/api/session");
  } catch (e) {
    /* signed out either way */
  }
  signedOut();
  say("Signed out.");
});

// The idle clock restarts only on what the user does: once a minute at most, if they did anything.
for (const kind of ["click", "keydown", "touchstart"]) {
  document.addEventListener(kind, () => {
    state.active = true;
  }, { passive: true });
}
setInterval(async () => {
  if (!state.session || !state.active) return;
  state.active = false;
  try {
    const s = await api("POST", "/console/api/session/touch", {});
    state.csrf = s.csrf;
  } catch (e) {
    /* api() already signed out if the session is gone */
  }
}, 60000);

// -- the meeting list -----------------------------------------------------------------------------

function fillList(id, meetings, what) {
  const ul = $(id);
  ul.replaceChildren();
  if (!meetings.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = "None";
    ul.append(li);
    return;
  }
  for (const m of meetings) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `#meeting=${encodeURIComponent(m.conferenceID)}`;
    a.dataset.id = m.conferenceID;
    a.textContent = `${m.subject || "(no subject)"} · ${m.conferenceID}`;
    if (m.conferenceID === state.selected) a.setAttribute("aria-current", "true");
    const when = document.createElement("span");
    when.className = "muted";
    when.textContent = what(m);
    li.append(a, when);
    ul.append(li);
  }
}

async function refreshList() {
  if (!state.session) return;
  try {
    const data = await api("GET", "/console/api/meetings");
    fillList("list-running", data.running, (m) => `ends ${fmtTime(m.endTime)}`);
    fillList("list-scheduled", data.scheduled, (m) => `starts ${fmtTime(m.startTime)}`);
    fillList("list-ended", data.ended, (m) => `ended ${fmtTime(m.endTime)}`);
  } catch (e) {
    if (state.session) fail(e);
  }
}

window.addEventListener("hashchange", () => {
  const id = new URLSearchParams(location.hash.slice(1)).get("meeting");
  if (id && state.session) select(id);
});

// -- one meeting ----------------------------------------------------------------------------------

async function select(id) {
  state.selected = id;
  if (state.wsFor !== id) closeLive();
  await refreshMeeting();
  refreshList();
}

async function refreshMeeting() {
  const id = state.selected;
  if (!id || !state.session) return;
  try {
    show(await api("GET", `/console/api/meetings/${encodeURIComponent(id)}`));
  } catch (e) {
    if (id !== state.selected) return;
    state.meeting = null;
    $("detail").hidden = true;
    closeLive();
    if (state.session) fail(e);
  }
}

function show(m) {
  if (m.conferenceID !== state.selected) return;
  state.meeting = m;
  $("detail").hidden = false;
  $("detail-title").textContent = m.subject || "(no subject)";
  $("detail-id").textContent = `ID ${m.conferenceID}`;
  $("detail-owner").textContent = `host ${m.owner}`;
  $("detail-state").textContent = m.state;
  setTime($("detail-end"), m.endTime);
  $("auto-step").textContent = m.autoStep > 0 ? `${m.autoStep} minutes` : "off";
  const running = m.state === "running";
  $("controls").hidden = !running;
  $("countdown-label").textContent = running ? "Ends in" : m.state === "scheduled" ? "Starts at" : "Ended";

  const present = $("present");
  present.replaceChildren();
  $("present-count").textContent = String(m.participants.length);
  for (const p of m.participants) {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = `${p.name} (since ${fmtTime(p.joinedAt)})`;
    li.append(name);
    if (state.session && state.session.sandbox) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = "Remove";
      b.setAttribute("aria-label", `Remove ${p.name}`);
      b.addEventListener("click", () => act("DELETE", `participants/${encodeURIComponent(p.id)}`, undefined, `${p.name} left.`));
      li.append(b);
    }
    present.append(li);
  }
  if (!m.participants.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = running ? "Nobody" : "—";
    present.append(li);
  }

  const ledger = $("ledger");
  ledger.replaceChildren();
  for (const e of m.ledger) {
    const li = document.createElement("li");
    li.className = `kind-${e.kind}`;
    const at = document.createElement("time");
    setTime(at, e.at, true);
    let text = ` ${e.who}: ${KINDS[e.kind] || e.kind}`;
    if (e.detail) text += ` (${e.detail})`;
    if (e.oldEnd !== null && e.newEnd !== null && fmtTime(e.oldEnd) !== fmtTime(e.newEnd)) {
      text += `, end ${fmtTime(e.oldEnd)} → ${fmtTime(e.newEnd)}`;
    }
    li.append(at, document.createTextNode(text));
    ledger.append(li);
  }
  tick();
  if (running) openLive();
  else {
    closeLive();
    $("live-state").textContent = "not running";
  }
  if ($("sandbox-now")) setTime($("sandbox-now"), serverNow(), true);
}

function tick() {
  const m = state.meeting;
  const el = $("countdown");
  if (state.session && state.session.sandbox) setTime($("sandbox-now"), serverNow(), true);
  if (!m) return;
  if (m.state === "running") {
    el.textContent = fmtLeft(m.endTime - serverNow());
    el.classList.remove("ended");
  } else if (m.state === "scheduled") {
    el.textContent = fmtTime(m.startTime);
    el.classList.remove("ended");
  } else {
    el.textContent = fmtTime(m.endTime);
    el.classList.add("ended");
  }
}
setInterval(tick, 250);

async function act(method, suffix, body, done) {
  const id = state.selected;
  const buttons = document.querySelectorAll("#detail button, #sandbox button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const m = await api(method, `/console/api/meetings/${encodeURIComponent(id)}/${suffix}`, body);
    show(m);
    say(done);
    refreshList();
  } catch (e) {
    fail(e);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

for (const b of document.querySelectorAll("button.extend")) {
  b.addEventListener("click", () => {
    const minutes = Number(b.dataset.minutes);
    act("POST", "extend", { minutes }, `Extended by ${minutes} minutes.`);
  });
}
$("extend-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const minutes = Number($("extend-minutes").value);
  act("POST", "extend", { minutes }, `Extended by ${minutes} minutes.`);
});
$("auto-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const step = Number($("auto-minutes").value);
  act("POST", "auto-extension", { step }, step ? `Auto-extension step set to ${step} minutes.` : "Auto-extension off.");
});
$("auto-off").addEventListener("click", () => act("POST", "auto-extension", { step: 0 }, "Auto-extension off."));
$("stop").addEventListener("click", () => {
  if (window.confirm("Stop this meeting now? Everyone is disconnected.")) act("POST", "stop", {}, "Meeting stopped.");
});

// -- the sandbox panel ----------------------------------------------------------------------------

$("advance-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const minutes = Number($("advance-minutes").value);
  try {
    await api("POST", "/console/api/sandbox/advance", { minutes });
    say(`Sandbox clock advanced by ${minutes} minutes.`);
    await refreshMeeting();
    refreshList();
  } catch (e) {
    fail(e);
  }
});
$("join-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  if (!state.selected) return fail("Choose a meeting first.");
  const name = $("join-name").value;
  act("POST", "participants", { name }, `${name} joined.`);
});

// -- live updates: the meeting-control WebSocket ------------------------------------------------

let refreshTimer = 0;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    refreshMeeting();
    refreshList();
  }, 100);
}

function closeLive() {
  clearInterval(state.heartbeat);
  clearTimeout(state.reconnect);
  if (state.ws) {
    const ws = state.ws;
    state.ws = null;
    ws.onclose = null;
    ws.close(1000);
  }
  state.wsFor = "";
}

async function openLive() {
  const id = state.selected;
  if (state.wsFor === id) return;
  closeLive();
  state.wsFor = id;
  $("live-state").textContent = "connecting…";
  let live;
  try {
    live = await api("POST", `/console/api/meetings/${encodeURIComponent(id)}/live`, {});
  } catch (e) {
    if (state.wsFor === id) {
      state.wsFor = "";
      $("live-state").textContent = "live updates unavailable";
    }
    return;
  }
  if (state.wsFor !== id) return;
  const url = `${live.wsURL}?confID=${encodeURIComponent(id)}&tmpToken=${encodeURIComponent(live.tmpToken)}`;
  const ws = new WebSocket(url);
  state.ws = ws;
  ws.onopen = () => {
    ws.send(JSON.stringify({
      action: "Subscribe",
      sequence: String(Date.now()),
      data: JSON.stringify({
        conferenceID: id,
        confToken: live.confToken,
        subscribeType: ["ConfDynamicInfoNotify", "ParticipantsNotify", "ConfEndingSoonNotify"],
      }),
    }));
    state.heartbeat = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ action: "HeartBeat", sequence: String(Date.now()) }));
    }, 30000);
  };
  ws.onmessage = (ev) => {
    let frame;
    try {
      frame = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    if (frame.action === "Subscribe") {
      const ok = frame.data && frame.data.returnCode === 0;
      $("live-state").textContent = ok ? "live" : "live updates unavailable";
      document.body.dataset.live = ok ? id : "";
      return;
    }
    if (frame.action === "HeartBeat") return;
    if (frame.action === "ConfDynamicInfoNotify" && state.meeting && state.meeting.conferenceID === id) {
      const end = Number(frame.endTime);
      if (end) state.meeting.endTime = end;
      if (frame.state === "Destroyed") state.meeting.state = "ended";
      tick();
    }
    if (frame.action === "ConfEndingSoonNotify") say(`This meeting ends in ${frame.minutesLeft} minute(s).`);
    refreshSoon(); // participants, ledger and list come from the console API, whatever the frame
  };
  ws.onclose = () => {
    clearInterval(state.heartbeat);
    if (state.ws !== ws) return;
    state.ws = null;
    state.wsFor = "";
    document.body.dataset.live = "";
    $("live-state").textContent = "reconnecting…";
    // The server closes the socket when the meeting ends: the refresh shows it; a running meeting
    // is subscribed to again.
    state.reconnect = setTimeout(refreshMeeting, 1000);
  };
}

// The list and the clock offset drift if another tab moves the sandbox clock: resync now and then.
setInterval(() => {
  if (!state.session) return;
  refreshList();
  if (state.selected) refreshMeeting();
}, 30000);

// -- start ----------------------------------------------------------------------------------------

(async () => {
  try {
    signedIn(await request("GET", "/console/api/session"));
  } catch (e) {
    signedOut(e instanceof ApiError && e.message !== "Not signed in." ? e.message : "");
  }
})();
