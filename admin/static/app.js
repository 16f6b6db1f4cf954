// groupd admin console: logs in with the admin secret, then calls the
// OpenIM API with the admin token, as any client does. Data is only ever
// put in the page as text.
"use strict";

const PAGE = 20;
const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem("groupd.token") || "", admin: sessionStorage.getItem("groupd.admin") || "" };
let opSeq = 0;
const opPrefix = Math.random().toString(16).slice(2, 10);

// --- talking to the server ---

// What each OpenIM errCode means, in words an operator reads.
const CODE_TEXT = {
  500: "The server failed to answer; try again, and look at the server's log if it goes on",
  1001: "The server refused the request",
  1002: "Not allowed",
  1003: "That exists already",
  1004: "Not found",
  1101: "No such user",
  1102: "That user is registered already",
  1201: "No such group",
  1202: "A group with this ID exists already",
  1203: "Not a member of the group",
  1204: "The group is dismissed",
  1205: "That kind of group is not supported",
  1206: "That request was answered already",
  1402: "The member is muted",
  1403: "The group is muted",
};
const SESSION_ENDED = "Your session has ended; log in again.";

// detail is errDlt without the ": [code]Name" OpenIM appends.
function detail(env) {
  let d = String(env.errDlt || "").trim();
  const suffix = `[${env.errCode}]${env.errMsg}`;
  if (d.endsWith(suffix)) d = d.slice(0, -suffix.length);
  return d.replace(/^[\s:]+|[\s:]+$/g, "");
}

class APIError extends Error {
  constructor(path, env, status) {
    let text;
    if (status === 429 || status === 503) text = "The server is busy; try again in a moment.";
    else if (env.errCode >= 1501 && env.errCode <= 1507) text = SESSION_ENDED;
    else {
      const base = CODE_TEXT[env.errCode] || "The server refused the request";
      const d = detail(env);
      text = d && d.toLowerCase() !== base.toLowerCase() ? `${base}: ${d}.` : `${base}.`;
    }
    super(text);
    this.code = env.errCode;
    this.path = path;
    this.raw = `${env.errCode} ${env.errMsg}`;
  }
}

// api posts body to an OpenIM route with the admin token and returns data.
async function api(path, body) {
  const headers = { "Content-Type": "application/json", operationID: `admin-${opPrefix}-${++opSeq}` };
  if (state.token) headers.token = state.token;
  let resp;
  try {
    resp = await fetch(path, { method: "POST", headers, body: JSON.stringify(body || {}) });
  } catch {
    throw new Error("Cannot reach the server; check that it runs and try again.");
  }
  let env;
  try { env = await resp.json(); } catch { throw new Error(`The server answered HTTP ${resp.status} instead of an API answer.`); }
  if (env.errCode !== 0 || resp.status !== 200) {
    const err = new APIError(path, env, resp.status);
    if (env.errCode >= 1501 && env.errCode <= 1507) logout(SESSION_ENDED);
    throw err;
  }
  return env.data || {};
}

function showError(err) {
  const box = $("error");
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  box.textContent = err.message || String(err);
  if (err.raw) box.title = `errCode ${err.raw} (${err.path})`;
  box.hidden = false;
}

function showNotice(text) {
  const box = $("notice");
  box.textContent = text || "";
  box.hidden = !text;
}

// --- building the page ---

function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function link(text, hash) { return el("a", text, { href: hash }); }
const groupLink = (id, text) => link(text ?? id, "#/group/" + encodeURIComponent(id));
const userLink = (id, text) => link(text ?? id, "#/user/" + encodeURIComponent(id));

function button(text, onclick, cls) {
  const b = el("button", text, { type: "button", class: "small " + (cls || "secondary") });
  b.addEventListener("click", onclick);
  return b;
}

const FOREVER = 253402300799999;
function when(ms) {
  if (!ms) return "";
  if (ms >= FOREVER) return "forever";
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

// Human labels for the API's codes; an unknown value shows as "unknown (n)".
const label = (table, v) => table[v] ?? `unknown (${v})`;
const STATUS = { 0: "normal", 1: "banned", 2: "dismissed", 3: "muted" };
const VERIFY = { 0: "Applications need approval; invitations do not", 1: "Everyone needs approval", 2: "Anyone may join directly" };
const LOOK = { 0: "Members may see each other's profiles", 1: "Members may not see each other's profiles" };
const FRIEND = { 0: "Members may add each other as friends", 1: "Members may not add each other as friends" };
const GROUP_TYPE = { 2: "Working group" };
const ROLE = { 100: "owner", 60: "admin", 20: "member" };
const SOURCE = { 0: "", 1: "added by an admin", 2: "invited", 3: "applied (search)", 4: "applied (QR code)" };
const ANSWER = { 0: "pending", 1: "approved", "-1": "refused" };
const PLATFORMS = { 1: "iOS", 2: "Android", 3: "Windows", 4: "macOS", 5: "Web", 6: "Mini program", 7: "Linux", 8: "Android pad", 9: "iPad" };
const MUTE_FOR = [[600, "10 minutes"], [3600, "1 hour"], [86400, "1 day"], [604800, "7 days"], [2592000, "30 days"]];

function tag(text, cls) { return el("span", text, { class: "tag " + (cls || "") }); }
function statusTag(s) { return tag(label(STATUS, s), STATUS[s] || ""); }

// row adds a row of cells; a cell is text, a Node, or {node|text, cls}.
function row(tbody, cells) {
  const tr = el("tr");
  for (const c of cells) {
    const td = el("td");
    let v = c;
    if (c && typeof c === "object" && !(c instanceof Node)) { v = c.node ?? c.text; if (c.cls) td.className = c.cls; }
    if (v instanceof Node) td.append(v); else td.textContent = v ?? "";
    tr.append(td);
  }
  tbody.append(tr);
  return tr;
}

function facts(dl, pairs) {
  dl.replaceChildren();
  for (const [k, v] of pairs) {
    dl.append(el("dt", k));
    const dd = el("dd");
    if (v instanceof Node) dd.append(v); else dd.textContent = v === "" || v === undefined || v === null ? "—" : v;
    dl.append(dd);
  }
}

function pager(div, page, total, go) {
  div.replaceChildren();
  const pages = Math.max(1, Math.ceil(total / PAGE));
  if (pages <= 1) { div.append(el("span", `${total} in all`)); return; }
  const prev = el("button", "‹ Prev", { type: "button", class: "small secondary", "aria-label": "Previous page" });
  const next = el("button", "Next ›", { type: "button", class: "small secondary", "aria-label": "Next page" });
  prev.disabled = page <= 1;
  next.disabled = page >= pages;
  prev.onclick = () => go(page - 1);
  next.onclick = () => go(page + 1);
  div.append(prev, el("span", `page ${page} of ${pages} · ${total} in all`), next);
}

function fill(tableID, emptyID, items, makeRow) {
  const tbody = $(tableID).tBodies[0];
  tbody.replaceChildren();
  for (const it of items) makeRow(tbody, it);
  $(emptyID).hidden = items.length > 0;
  $(tableID).hidden = items.length === 0;
}

// --- confirmation ---

// confirmAction asks before an action. fields are inputs the action needs;
// it resolves to their values, or null when cancelled (Esc, Cancel).
function confirmAction({ title, text, ok, danger, fields, check }) {
  const dlg = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = ok || "Confirm";
  $("confirm-ok").className = danger ? "danger" : "";
  $("confirm-problem").hidden = true;
  const box = $("confirm-fields");
  box.replaceChildren();
  const inputs = {};
  for (const f of fields || []) {
    const lab = el("label", f.label);
    let input;
    if (f.options) {
      input = el("select", null, { id: "confirm-" + f.name });
      for (const [v, t] of f.options) input.append(el("option", t, { value: String(v) }));
      if (f.value !== undefined) input.value = String(f.value);
    } else {
      input = el("input", null, { id: "confirm-" + f.name, type: f.type || "text", autocomplete: "off" });
      if (f.value !== undefined) input.value = f.value;
      if (f.placeholder) input.placeholder = f.placeholder;
    }
    inputs[f.name] = input;
    lab.append(input);
    box.append(lab);
  }
  return new Promise((resolve) => {
    const done = (v) => {
      $("confirm-form").onsubmit = null; $("confirm-cancel").onclick = null; dlg.oncancel = null;
      if (dlg.open) dlg.close();
      resolve(v);
    };
    $("confirm-form").onsubmit = (ev) => {
      ev.preventDefault();
      const values = {};
      for (const [k, input] of Object.entries(inputs)) values[k] = input.value.trim();
      const problem = check ? check(values) : "";
      if (problem) { $("confirm-problem").textContent = problem; $("confirm-problem").hidden = false; return; }
      done(values);
    };
    $("confirm-cancel").onclick = () => done(null);
    dlg.oncancel = (ev) => { ev.preventDefault(); done(null); };
    dlg.showModal();
    (Object.values(inputs)[0] || $("confirm-cancel")).focus();
  });
}

// act runs an action the operator confirmed, then says what happened and
// shows the new state at once.
async function act(run, said, refresh) {
  showError(null); showNotice("");
  try {
    await run();
  } catch (err) { showError(err); return false; }
  if (refresh) await refresh();
  showNotice(said); // with the new state on the page
  return true;
}

// --- views ---

const views = ["login", "groups", "group", "users", "user", "watch", "notfound"];
let current = "";
function show(view) {
  current = view;
  for (const v of views) $(v + "-view").hidden = v !== view;
  $("nav").hidden = view === "login";
  $("keys").hidden = view === "login";
  $("who").textContent = state.admin ? `signed in as ${state.admin}` : "";
  const section = { group: "groups", user: "users" }[view] || view;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.view === section) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  if (view !== "watch") stopWatch();
}

function focusTitle(view) {
  const h = document.querySelector(`#${view}-view h2`);
  if (h && document.activeElement === document.body) h.focus({ preventScroll: true });
}

function notFound(title, text) {
  show("notfound");
  $("notfound-title").textContent = title;
  $("notfound-text").textContent = text;
  document.title = `${title} · groupd admin`;
}

// logout forgets the token; flash is an error to show on the login page.
function logout(flash) {
  state.token = ""; state.admin = ""; state.flash = typeof flash === "string" ? flash : "";
  sessionStorage.removeItem("groupd.token"); sessionStorage.removeItem("groupd.admin");
  showNotice("");
  if (location.hash !== "#/login") location.hash = "#/login"; else route();
}

async function login(ev) {
  ev.preventDefault();
  showError(null);
  const userID = $("admin-user").value.trim();
  try {
    const data = await api("/auth/get_admin_token", { secret: $("secret").value, userID });
    state.token = data.token; state.admin = userID;
    sessionStorage.setItem("groupd.token", state.token);
    sessionStorage.setItem("groupd.admin", userID);
    $("secret").value = "";
    location.hash = "#/groups";
  } catch (err) {
    if (err.code === 1002 || err.code === 1001) err.message = `Wrong admin secret, or ${userID || "that user ID"} is not an app admin.`;
    showError(err);
  }
}

// --- groups ---

async function searchGroups(page) {
  showError(null);
  const name = $("search-name").value.trim(), id = $("search-id").value.trim();
  try {
    const data = await api("/group/get_groups", { pagination: { pageNumber: page, showNumber: PAGE }, groupName: name, groupID: id });
    fill("groups-table", "groups-empty", data.groups || [], (tbody, g) => {
      const gi = g.groupInfo;
      row(tbody, [groupLink(gi.groupID), gi.groupName, userLink(g.groupOwnerUserID, `${g.groupOwnerUserName || g.groupOwnerUserID} (${g.groupOwnerUserID})`),
        gi.memberCount, statusTag(gi.status), { text: when(gi.createTime), cls: "wide" }]);
    });
    pager($("groups-pager"), page, data.total || 0, searchGroups);
  } catch (err) { showError(err); }
}

const group = { id: "", info: null, page: 1 };

async function openGroup(groupID) {
  showError(null);
  if (group.id !== groupID) {
    // A new group starts unfiltered: the last group's filter is not this one's.
    $("member-role").value = "0";
    $("member-keyword").value = "";
    showNotice("");
  }
  group.id = groupID;
  if (!(await loadGroup())) return;
  show("group");
  focusTitle("group");
  await Promise.all([loadMembers(1), loadRequests()]);
}

// loadGroup shows the group's facts; false when there is no such group.
async function loadGroup() {
  const groupID = group.id;
  let g;
  try {
    const data = await api("/group/get_groups_info", { groupIDs: [groupID] });
    g = (data.groupInfos || [])[0];
  } catch (err) {
    if (err.code !== 1004 && err.code !== 1201) { show("group"); showError(err); return false; }
  }
  if (!g) {
    notFound("Group not found", `There is no group with the ID “${groupID}”. Check the ID, or find the group by its name.`);
    return false;
  }
  group.info = g;
  document.title = `${g.groupName || groupID} · groupd admin`;
  $("group-title").textContent = `${g.groupName || "(no name)"} · ${g.groupID}`;
  facts($("group-info"), [
    ["Status", statusTag(g.status)],
    ["Owner", userLink(g.ownerUserID)],
    ["Created by", g.creatorUserID ? userLink(g.creatorUserID) : ""],
    ["Members", String(g.memberCount)],
    ["Created", when(g.createTime)],
    ["Type", label(GROUP_TYPE, g.groupType)],
    ["Joining", label(VERIFY, g.needVerification)],
    ["Profiles", label(LOOK, g.lookMemberInfo)],
    ["Friend requests", label(FRIEND, g.applyMemberFriend)],
    ["Notification", g.notification],
    ["Notification set", g.notificationUpdateTime ? `${when(g.notificationUpdateTime)} by ${g.notificationUserID}` : ""],
    ["Introduction", g.introduction],
    ["Face URL", g.faceURL],
    ["Ex", g.ex],
  ]);
  const dismissed = g.status === 2;
  const muted = g.status === 3;
  $("act-mute-group").textContent = muted ? "Unmute group…" : "Mute group…";
  for (const id of ["act-mute-group", "act-transfer", "act-dismiss"]) $(id).disabled = dismissed;
  return true;
}

async function loadMembers(page) {
  group.page = page;
  const role = Number($("member-role").value), keyword = $("member-keyword").value.trim();
  try {
    const data = await api("/group/get_group_member_list", {
      groupID: group.id, pagination: { pageNumber: page, showNumber: PAGE }, filter: role, keyword,
    });
    const now = Date.now();
    const active = group.info && group.info.status !== 2;
    fill("members-table", "members-empty", data.members || [], (tbody, m) => {
      const isMuted = m.muteEndTime > now;
      const name = m.nickname || m.userID;
      const acts = el("td", null, { class: "acts" });
      if (active && m.roleLevel !== 100) {
        acts.append(isMuted
          ? button("Unmute", () => unmuteMember(m.userID, name), "secondary")
          : button("Mute…", () => muteMember(m.userID, name), "secondary"));
        acts.append(button("Kick…", () => kickMember(m.userID, name), "danger"));
      }
      const tr = row(tbody, [userLink(m.userID), m.nickname, label(ROLE, m.roleLevel), { text: when(m.joinTime), cls: "wide" },
        isMuted ? tag(when(m.muteEndTime), "muted") : "", { text: label(SOURCE, m.joinSource), cls: "wide" }]);
      tr.dataset.user = m.userID;
      tr.append(acts);
    });
    const total = data.total || 0;
    $("members-total").textContent = role || keyword ? `(${total} match the filter)` : `(${total})`;
    pager($("members-pager"), page, total, loadMembers);
  } catch (err) { showError(err); }
}

async function loadRequests() {
  const g = group.info;
  if (!g) return;
  try {
    const data = await api("/group/get_recv_group_applicationList", {
      fromUserID: g.ownerUserID, pagination: { pageNumber: 1, showNumber: 100 }, groupIDs: [g.groupID], handleResults: [0],
    });
    const reqs = data.groupRequests || [];
    fill("requests-table", "requests-empty", reqs, (tbody, r) => {
      const u = r.userInfo || {};
      const name = u.nickname || u.userID;
      const acts = el("td", null, { class: "acts" });
      if (g.status !== 2) {
        acts.append(button("Approve…", () => answerRequest(u.userID, name, 1), "secondary"),
          button("Refuse…", () => answerRequest(u.userID, name, -1), "danger"));
      }
      const tr = row(tbody, [userLink(u.userID, u.nickname ? `${u.nickname} (${u.userID})` : u.userID), r.reqMsg,
        { text: when(r.reqTime), cls: "wide" }, { text: label(SOURCE, r.joinSource), cls: "wide" }]);
      tr.dataset.user = u.userID;
      tr.append(acts);
    });
    $("requests-total").textContent = `(${data.total || 0} waiting)`;
  } catch (err) { showError(err); }
}

const refreshGroup = async () => { if (await loadGroup()) await Promise.all([loadMembers(group.page), loadRequests()]); };

async function muteMember(userID, name) {
  const v = await confirmAction({
    title: `Mute ${name}?`, text: `${name} (${userID}) will not be able to send messages in ${group.info.groupName || group.id} until the time is up or you unmute them.`,
    ok: "Mute", fields: [{ name: "seconds", label: "For", options: MUTE_FOR, value: 3600 }],
  });
  if (!v) return;
  const n = Number(v.seconds);
  const forText = (MUTE_FOR.find(([s]) => s === n) || [0, `${n} seconds`])[1];
  await act(() => api("/group/mute_group_member", { groupID: group.id, userID, mutedSeconds: n }), `Muted ${name} for ${forText}.`, refreshGroup);
}

async function unmuteMember(userID, name) {
  const v = await confirmAction({ title: `Unmute ${name}?`, text: `${name} (${userID}) will be able to send messages in the group again.`, ok: "Unmute" });
  if (!v) return;
  await act(() => api("/group/cancel_mute_group_member", { groupID: group.id, userID }), `Unmuted ${name}.`, refreshGroup);
}

async function kickMember(userID, name) {
  const v = await confirmAction({
    title: `Remove ${name} from the group?`, text: `${name} (${userID}) leaves ${group.info.groupName || group.id} and stops receiving its messages.`,
    ok: "Remove", danger: true, fields: [{ name: "reason", label: "Reason (optional)" }],
  });
  if (!v) return;
  await act(() => api("/group/kick_group", { groupID: group.id, kickedUserIDs: [userID], reason: v.reason }), `Removed ${name} from the group.`, refreshGroup);
}

async function toggleGroupMute() {
  const g = group.info;
  const muted = g.status === 3;
  const v = await confirmAction(muted
    ? { title: "Unmute the group?", text: `Members of ${g.groupName || g.groupID} will be able to send messages again.`, ok: "Unmute group" }
    : { title: "Mute the whole group?", text: `Only the owner and admins of ${g.groupName || g.groupID} will be able to send messages until you unmute it.`, ok: "Mute group" });
  if (!v) return;
  await act(() => api(muted ? "/group/cancel_mute_group" : "/group/mute_group", { groupID: g.groupID }),
    muted ? "Unmuted the group." : "Muted the group.", refreshGroup);
}

async function transferGroup() {
  const g = group.info;
  const v = await confirmAction({
    title: "Transfer ownership?", text: `${g.ownerUserID} owns ${g.groupName || g.groupID} now. The new owner must be a member; ${g.ownerUserID} stays on as a member.`,
    ok: "Transfer", fields: [{ name: "newOwner", label: "New owner's user ID", placeholder: "a member's user ID" }],
    check: (v) => !v.newOwner ? "Enter the new owner's user ID." : v.newOwner === g.ownerUserID ? `${g.ownerUserID} owns the group already.` : "",
  });
  if (!v) return;
  await act(() => api("/group/transfer_group", { groupID: g.groupID, oldOwnerUserID: g.ownerUserID, newOwnerUserID: v.newOwner }),
    `${v.newOwner} owns the group now.`, refreshGroup);
}

async function dismissGroup() {
  const g = group.info;
  const v = await confirmAction({
    title: "Dismiss the group?", text: `${g.groupName || g.groupID} ends for all its ${g.memberCount} members. This cannot be undone.`,
    ok: "Dismiss group", danger: true, fields: [{ name: "typed", label: `Type the group ID (${g.groupID}) to confirm` }],
    check: (v) => v.typed === g.groupID ? "" : "The group ID you typed does not match.",
  });
  if (!v) return;
  await act(() => api("/group/dismiss_group", { groupID: g.groupID, deleteMember: false }), `Dismissed ${g.groupName || g.groupID}.`, refreshGroup);
}

async function answerRequest(userID, name, result) {
  const approve = result === 1;
  const v = await confirmAction({
    title: approve ? `Let ${name} in?` : `Refuse ${name}?`,
    text: approve ? `${name} (${userID}) becomes a member of ${group.info.groupName || group.id}.` : `${name} (${userID}) is told the request was refused.`,
    ok: approve ? "Approve" : "Refuse", danger: !approve, fields: [{ name: "msg", label: "Message to the user (optional)" }],
  });
  if (!v) return;
  await act(() => api("/group/group_application_response", { groupID: group.id, fromUserID: userID, handledMsg: v.msg, handleResult: result }),
    approve ? `${name} is a member now.` : `Refused ${name}'s request.`, refreshGroup);
}

// --- users ---

const NICK_SCAN_PAGE = 1000, NICK_SCAN_MAX = 20000;

async function findUsers(query) {
  showError(null);
  const note = $("user-search-note");
  note.hidden = true;
  const found = new Map();
  try {
    try {
      const byID = await api("/user/get_users_info", { userIDs: [query] });
      for (const u of byID.usersInfo || []) found.set(u.userID, u);
    } catch (err) { if (err.code !== 1004 && err.code !== 1101 && err.code !== 1001) throw err; }
    // Nicknames: the API has no search, so scan the users page by page.
    const q = query.toLowerCase();
    let scanned = 0, total = 0;
    for (let page = 1; scanned < NICK_SCAN_MAX; page++) {
      const data = await api("/user/get_users", { pagination: { pageNumber: page, showNumber: NICK_SCAN_PAGE } });
      const users = data.users || [];
      total = data.total || 0;
      scanned += users.length;
      for (const u of users) if ((u.nickname || "").toLowerCase().includes(q) || u.userID.toLowerCase().includes(q)) found.set(u.userID, u);
      if (users.length < NICK_SCAN_PAGE || scanned >= total) break;
    }
    const list = [...found.values()];
    fill("users-table", "user-search-note", list, (tbody, u) => row(tbody, [userLink(u.userID), u.nickname, when(u.createTime)]));
    note.textContent = list.length ? "" : `No user has the ID or a nickname with “${query}”.`;
    if (scanned < total) note.textContent += ` Nicknames were searched among the first ${scanned} of ${total} users.`;
    note.hidden = note.textContent === "";
    $("users-table").hidden = list.length === 0;
  } catch (err) { showError(err); }
}

const user = { id: "", page: 1 };

async function openUser(userID) {
  showError(null);
  if (user.id !== userID) showNotice("");
  user.id = userID;
  let u;
  try {
    const data = await api("/user/get_users_info", { userIDs: [userID] });
    u = (data.usersInfo || [])[0];
  } catch (err) {
    if (err.code !== 1004 && err.code !== 1101) { show("user"); showError(err); return; }
  }
  if (!u) {
    notFound("User not found", `No user with the ID “${userID}” is registered. Check the ID, or find the user by nickname.`);
    return;
  }
  show("user");
  document.title = `${u.nickname || userID} · groupd admin`;
  $("user-title").textContent = u.nickname ? `${u.nickname} · ${u.userID}` : u.userID;
  facts($("user-info"), [["User ID", u.userID], ["Nickname", u.nickname], ["Registered", when(u.createTime)], ["Face URL", u.faceURL], ["Ex", u.ex]]);
  focusTitle("user");
  await Promise.all([loadJoined(1), loadUserRequests()]);
}

async function loadJoined(page) {
  user.page = page;
  try {
    const data = await api("/group/get_joined_group_list", { fromUserID: user.id, pagination: { pageNumber: page, showNumber: PAGE } });
    fill("joined-table", "joined-empty", data.groups || [], (tbody, g) =>
      row(tbody, [groupLink(g.groupID), g.groupName, userLink(g.ownerUserID), g.memberCount, statusTag(g.status)]));
    $("joined-total").textContent = `(${data.total || 0})`;
    pager($("joined-pager"), page, data.total || 0, loadJoined);
  } catch (err) { showError(err); }
}

async function loadUserRequests() {
  try {
    const data = await api("/group/get_user_req_group_applicationList", { userID: user.id, pagination: { pageNumber: 1, showNumber: 50 } });
    fill("user-requests-table", "user-requests-empty", data.groupRequests || [], (tbody, r) => {
      const g = r.groupInfo || {};
      const ans = String(r.handleResult);
      row(tbody, [groupLink(g.groupID, g.groupName ? `${g.groupName} (${g.groupID})` : g.groupID), r.reqMsg, when(r.reqTime),
        tag(label(ANSWER, ans), ANSWER[ans] || ""), r.handleUserID ? `${r.handleUserID}, ${when(r.handleTime)}` : ""]);
    });
    $("user-requests-total").textContent = `(${data.total || 0})`;
  } catch (err) { showError(err); }
}

async function forceLogout() {
  const id = user.id;
  const v = await confirmAction({
    title: `Log ${id} out?`, text: `Every token ${id} holds for the platform is refused from now on; the apps there must log in again.`,
    ok: "Force logout", danger: true,
    fields: [{ name: "platform", label: "Platform", options: [[0, "All platforms"], ...Object.entries(PLATFORMS)], value: 0 }],
  });
  if (!v) return;
  const p = Number(v.platform);
  const platforms = p ? [p] : Object.keys(PLATFORMS).map(Number);
  await act(async () => { for (const platformID of platforms) await api("/auth/force_logout", { platformID, userID: id }); },
    p ? `Logged ${id} out on ${PLATFORMS[p]}.` : `Logged ${id} out on every platform.`);
}

// --- watch ---

let watchTimer = 0;
function stopWatch() { if (watchTimer) { clearInterval(watchTimer); watchTimer = 0; } }

async function openWatch() {
  show("watch");
  document.title = "Watch · groupd admin";
  focusTitle("watch");
  stopWatch();
  await drawWatch();
  watchTimer = setInterval(drawWatch, 10000);
}

const DIALECTS = [["openim", "OpenIM"], ["zim", "ZIM"]];
const fmt = (v, unit) => v === null || v === undefined ? "—" : `${v >= 100 ? Math.round(v) : Number(v.toFixed(2))}${unit}`;

async function drawWatch() {
  let h;
  try {
    const resp = await fetch("/admin/api/history", { cache: "no-store", headers: { token: state.token, operationID: `admin-${opPrefix}-${++opSeq}` } });
    if (resp.status === 401) { logout(SESSION_ENDED); return; }
    if (!resp.ok) throw new Error(`The server has no history to show (HTTP ${resp.status}).`);
    h = await resp.json();
  } catch (err) { showError(err.message.startsWith("The server") ? err : new Error("Cannot reach the server for the dashboard.")); return; }
  showError(null);
  const cards = $("watch-cards"), charts = $("charts");
  cards.replaceChildren(); charts.replaceChildren();
  for (const [key, name] of DIALECTS) {
    const d = h.dialects[key];
    if (!d) continue;
    const card = el("div", null, { class: "card", id: "card-" + key });
    card.append(el("h3", name));
    const line = (k, v) => { const p = el("p", k + ": "); p.append(el("b", v)); card.append(p); };
    line("Requests per second, last minute", fmt(d.requestsPerSecondLastMinute, "/s"));
    line("Requests, last hour", `${d.totalRequests}`);
    line("Errors, last hour", `${d.totalErrors} (${d.totalServerErrors} server errors)`);
    line("p99 latency, last 5 minutes", fmt(d.p99MsLastFiveMinutes, " ms"));
    cards.append(card);
    charts.append(
      chart(`${name} requests`, "per second", h, [{ values: d.requestsPerSecond, cls: "s-req", name: "requests/s" }], "/s", key + "-requests"),
      chart(`${name} errors`, "per second: all errors, server errors", h,
        [{ values: d.errorsPerSecond, cls: "s-err", name: "errors/s" }, { values: d.serverErrorsPerSecond, cls: "s-5xx", name: "server errors/s" }], "/s", key + "-errors"),
      chart(`${name} p99 latency`, "milliseconds", h, [{ values: d.p99Ms, cls: "s-p99", name: "p99" }], " ms", key + "-p99"));
  }
  await drawEvents();
}

// drawEvents shows each event sink's deliveries, with a button that
// replays its dead letters (GET /admin/api/events, POST …/replay). A server
// without the events API hides the table.
async function drawEvents() {
  const box = $("events-delivery");
  let st;
  try {
    const resp = await fetch("/admin/api/events", { cache: "no-store", headers: { token: state.token, operationID: `admin-${opPrefix}-${++opSeq}` } });
    if (!resp.ok) { box.hidden = true; return; }
    st = await resp.json();
  } catch (err) { box.hidden = true; return; }
  const body = $("events-table").querySelector("tbody");
  body.replaceChildren();
  for (const s of st.sinks || []) {
    const tr = el("tr", null, { id: "sink-" + s.name });
    tr.append(el("td", s.name), el("td", String(s.delivered)), el("td", String(s.backlog)), el("td", String(s.failures)),
      el("td", String(s.deadLetters), { class: s.deadLetters > 0 ? "bad" : "" }), el("td", fmt(s.p99Ms, " ms"), { class: "wide" }));
    const acts = el("td", null, { class: "acts" });
    if (s.deadLetters > 0) {
      const b = el("button", "Replay", { type: "button", id: "replay-" + s.name });
      b.addEventListener("click", () => replayDead(s.name, s.deadLetters));
      acts.append(b);
    }
    tr.append(acts);
    body.append(tr);
  }
  box.hidden = (st.sinks || []).length === 0;
}

async function replayDead(sink, n) {
  const ok = await confirmAction({
    title: `Replay ${n} dead letter${n === 1 ? "" : "s"} of ${sink}?`,
    text: "Each is delivered once more within seconds; one that fails again stays a dead letter.",
    ok: "Replay",
  });
  if (!ok) return;
  let marked = 0;
  await act(async () => {
    const resp = await fetch("/admin/api/events/replay", { method: "POST", cache: "no-store",
      headers: { token: state.token, "Content-Type": "application/json", operationID: `admin-${opPrefix}-${++opSeq}` },
      body: JSON.stringify({ sink }) });
    if (!resp.ok) throw new Error(`Replay refused (HTTP ${resp.status}).`);
    marked = (await resp.json()).marked;
  }, `Marked dead letters of ${sink} for replay.`, drawEvents);
  return marked;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// niceMax rounds up to 1, 2 or 5 times a power of ten.
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

// chart draws series of one value per step as an SVG line chart: the last
// hour left to right, gaps where a step had no value.
function chart(title, sub, h, series, unit, id) {
  const W = 320, H = 130, L = 34, R = 6, T = 8, B = 20;
  const n = series[0].values.length;
  let max = 0;
  for (const s of series) for (const v of s.values) if (v !== null && v > max) max = v;
  max = niceMax(max);
  const x = (i) => L + (W - L - R) * (n <= 1 ? 1 : i / (n - 1));
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const fig = el("figure", null, { class: "chart", id: "chart-" + id });
  const cap = el("figcaption", title + " ");
  cap.append(el("span", sub));
  const last = series.map((s) => `${s.name} now ${fmt(s.values[n - 1], unit)}`).join(", ");
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `${title}, last hour, ${sub}: ${last}; scale up to ${fmt(max, unit)}` });
  for (const f of [0, 0.5, 1]) {
    const yy = y(max * f);
    root.append(svg("line", { class: "grid", x1: L, x2: W - R, y1: yy, y2: yy }));
    root.append(svg("text", { class: "axis", x: L - 4, y: yy + 3, "text-anchor": "end" }, fmt(max * f, "")));
  }
  for (const [i, t] of [[0, "−60 min"], [Math.floor((n - 1) / 2), "−30 min"], [n - 1, "now"]]) {
    root.append(svg("text", { class: "axis", x: x(i), y: H - 5, "text-anchor": i === 0 ? "start" : i === n - 1 ? "end" : "middle" }, t));
  }
  for (const s of series) {
    let pts = [];
    const flush = () => {
      if (pts.length === 1) pts.push([pts[0][0] + 0.8, pts[0][1]]);
      if (pts.length) root.append(svg("polyline", { class: s.cls, points: pts.map((p) => p.join(",")).join(" ") }));
      pts = [];
    };
    s.values.forEach((v, i) => { if (v === null || v === undefined) flush(); else pts.push([x(i).toFixed(1), y(v).toFixed(1)]); });
    flush();
  }
  fig.append(cap, root);
  return fig;
}

// --- routing and keys ---

// route shows the view of location.hash.
function route() {
  const hash = location.hash || "#/groups";
  if (!state.token) {
    show("login"); document.title = "Log in · groupd admin"; focusTitle("login");
    if (state.flash) { showError(new Error(state.flash)); state.flash = ""; }
    return;
  }
  let m;
  if ((m = hash.match(/^#\/group\/(.+)$/))) { openGroup(decodeURIComponent(m[1])); return; }
  if ((m = hash.match(/^#\/user\/(.+)$/))) { openUser(decodeURIComponent(m[1])); return; }
  if ((m = hash.match(/^#\/users(?:\?q=(.*))?$/))) {
    show("users"); document.title = "Users · groupd admin"; focusTitle("users");
    if (m[1]) { $("user-query").value = decodeURIComponent(m[1]); findUsers($("user-query").value.trim()); }
    return;
  }
  if (hash === "#/watch") { openWatch(); return; }
  if (hash === "#/groups" || hash === "#/login" || hash === "#/" || hash === "#") {
    if (hash !== "#/groups") { location.replace("#/groups"); return; }
    show("groups"); document.title = "Groups · groupd admin"; focusTitle("groups");
    searchGroups(1);
    return;
  }
  notFound("Page not found", `The console has no page “${hash.slice(1)}”.`);
}

function onKey(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || $("confirm").open || !state.token) return;
  const t = ev.target;
  if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
  const go = { g: "#/groups", u: "#/users", w: "#/watch" }[ev.key];
  if (go) { ev.preventDefault(); location.hash = go; return; }
  if (ev.key === "/") {
    const input = current === "users" ? $("user-query") : current === "group" ? $("member-keyword") : $("search-name");
    if (current !== "users" && current !== "group" && current !== "groups") { location.hash = "#/groups"; }
    ev.preventDefault();
    setTimeout(() => input.focus(), 0);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); searchGroups(1); });
  $("member-filter").addEventListener("submit", (ev) => { ev.preventDefault(); loadMembers(1); });
  $("user-search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = $("user-query").value.trim();
    if (!q) return;
    const hash = "#/users?q=" + encodeURIComponent(q);
    if (location.hash === hash) findUsers(q); else location.hash = hash;
  });
  $("act-mute-group").addEventListener("click", toggleGroupMute);
  $("act-transfer").addEventListener("click", transferGroup);
  $("act-dismiss").addEventListener("click", dismissGroup);
  $("act-force-logout").addEventListener("click", forceLogout);
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", () => { showError(null); route(); });
  route();
});
