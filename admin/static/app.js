// groupd admin page: logs in with the admin secret, then calls the OpenIM
// API with the admin token. Data is only ever put in the page as text.
"use strict";

const PAGE = 20;
const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem("groupd.token") || "", admin: sessionStorage.getItem("groupd.admin") || "" };
let opSeq = 0;
const opPrefix = Math.random().toString(16).slice(2, 10);

class APIError extends Error {
  constructor(path, env) {
    super(`${path}: ${env.errCode} ${env.errMsg}${env.errDlt ? " — " + env.errDlt : ""}`);
    this.code = env.errCode;
  }
}

// api posts body to an OpenIM route with the admin token and returns data.
async function api(path, body) {
  const headers = { "Content-Type": "application/json", operationID: `admin-${opPrefix}-${++opSeq}` };
  if (state.token) headers.token = state.token;
  const resp = await fetch(path, { method: "POST", headers, body: JSON.stringify(body || {}) });
  let env;
  try { env = await resp.json(); } catch { throw new Error(`${path}: HTTP ${resp.status}`); }
  if (env.errCode !== 0) {
    if (env.errCode >= 1501 && env.errCode <= 1507) logout();
    throw new APIError(path, env);
  }
  return env.data || {};
}

function showError(err) {
  const box = $("error");
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  box.textContent = err.message || String(err);
  box.hidden = false;
}

function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function link(text, hash) { return el("a", text, { href: hash }); }

function when(ms) {
  if (!ms) return "";
  if (ms >= 253402300799999) return "forever";
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

const STATUS = { 0: "normal", 1: "banned", 2: "dismissed", 3: "muted" };
const VERIFY = { 0: "applications need approval", 1: "everything needs approval", 2: "join directly" };
const ROLE = { 100: "owner", 60: "admin", 20: "member" };
const SOURCE = { 1: "admin", 2: "invitation", 3: "search", 4: "QR code" };

function statusTag(s) { return el("span", STATUS[s] ?? s, { class: "tag " + (STATUS[s] || "") }); }

function row(tbody, cells) {
  const tr = el("tr");
  for (const c of cells) {
    const td = el("td");
    if (c instanceof Node) td.append(c); else td.textContent = c ?? "";
    tr.append(td);
  }
  tbody.append(tr);
}

function facts(dl, pairs) {
  dl.replaceChildren();
  for (const [k, v] of pairs) {
    dl.append(el("dt", k));
    const dd = el("dd");
    if (v instanceof Node) dd.append(v); else dd.textContent = v === "" || v === undefined ? "—" : v;
    dl.append(dd);
  }
}

function pager(div, page, total, go) {
  div.replaceChildren();
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const prev = el("button", "‹ Prev", { type: "button" });
  const next = el("button", "Next ›", { type: "button" });
  prev.disabled = page <= 1;
  next.disabled = page >= pages;
  prev.onclick = () => go(page - 1);
  next.onclick = () => go(page + 1);
  div.append(prev, el("span", `page ${page} of ${pages} · ${total} in all`), next);
}

// --- views ---

const views = ["login-view", "groups-view", "group-view", "users-view"];
function show(view) {
  for (const v of views) $(v).hidden = v !== view;
  $("nav").hidden = view === "login-view";
  $("who").textContent = state.admin ? `signed in as ${state.admin}` : "";
}

function logout() {
  state.token = ""; state.admin = "";
  sessionStorage.removeItem("groupd.token"); sessionStorage.removeItem("groupd.admin");
  location.hash = "#/login";
  route();
}

async function login(ev) {
  ev.preventDefault();
  showError(null);
  try {
    const userID = $("admin-user").value.trim();
    const data = await api("/auth/get_admin_token", { secret: $("secret").value, userID });
    state.token = data.token; state.admin = userID;
    sessionStorage.setItem("groupd.token", state.token);
    sessionStorage.setItem("groupd.admin", userID);
    $("secret").value = "";
    location.hash = "#/groups";
  } catch (err) { showError(err); }
}

async function searchGroups(page) {
  showError(null);
  const name = $("search-name").value.trim(), id = $("search-id").value.trim();
  try {
    const data = await api("/group/get_groups", { pagination: { pageNumber: page, showNumber: PAGE }, groupName: name, groupID: id });
    const tbody = $("groups-table").tBodies[0];
    tbody.replaceChildren();
    for (const g of data.groups || []) {
      const gi = g.groupInfo;
      row(tbody, [link(gi.groupID, "#/group/" + encodeURIComponent(gi.groupID)), gi.groupName,
        `${g.groupOwnerUserName || ""} (${g.groupOwnerUserID})`, gi.memberCount, statusTag(gi.status), when(gi.createTime)]);
    }
    pager($("groups-pager"), page, data.total || 0, searchGroups);
  } catch (err) { showError(err); }
}

const memberState = { groupID: "", page: 1 };

async function openGroup(groupID) {
  showError(null);
  memberState.groupID = groupID;
  $("group-title").textContent = "Group " + groupID;
  $("group-info").replaceChildren();
  $("members-table").tBodies[0].replaceChildren();
  try {
    const data = await api("/group/get_groups_info", { groupIDs: [groupID] });
    const g = data.groupInfos[0];
    $("group-title").textContent = `${g.groupName || "(no name)"} · ${g.groupID}`;
    facts($("group-info"), [
      ["Status", statusTag(g.status)],
      ["Owner", link(g.ownerUserID, "#/user/" + encodeURIComponent(g.ownerUserID))],
      ["Creator", g.creatorUserID],
      ["Members", String(g.memberCount)],
      ["Created", when(g.createTime)],
      ["Join rule", VERIFY[g.needVerification] ?? String(g.needVerification)],
      ["Look member info", String(g.lookMemberInfo)],
      ["Apply member friend", String(g.applyMemberFriend)],
      ["Notification", g.notification],
      ["Notification set", g.notificationUpdateTime ? `${when(g.notificationUpdateTime)} by ${g.notificationUserID}` : ""],
      ["Introduction", g.introduction],
      ["Face URL", g.faceURL],
      ["Ex", g.ex],
    ]);
  } catch (err) { showError(err); return; }
  await loadMembers(1);
}

async function loadMembers(page) {
  memberState.page = page;
  try {
    const data = await api("/group/get_group_member_list", {
      groupID: memberState.groupID, pagination: { pageNumber: page, showNumber: PAGE },
      filter: Number($("member-role").value), keyword: $("member-keyword").value.trim(),
    });
    const tbody = $("members-table").tBodies[0];
    tbody.replaceChildren();
    for (const m of data.members || []) {
      row(tbody, [link(m.userID, "#/user/" + encodeURIComponent(m.userID)), m.nickname, ROLE[m.roleLevel] ?? m.roleLevel,
        when(m.joinTime), m.muteEndTime ? el("span", when(m.muteEndTime), { class: "tag muted" }) : "", SOURCE[m.joinSource] ?? m.joinSource]);
    }
    $("members-total").textContent = `(${data.total || 0})`;
    pager($("members-pager"), page, data.total || 0, loadMembers);
  } catch (err) { showError(err); }
}

const userState = { userID: "" };

async function openUser(userID) {
  showError(null);
  userState.userID = userID;
  $("user-id").value = userID;
  $("user-info").replaceChildren();
  $("joined-table").tBodies[0].replaceChildren();
  try {
    const data = await api("/user/get_users_info", { userIDs: [userID] });
    const u = (data.usersInfo || [])[0];
    if (!u) throw new Error(`user ${userID} is not registered`);
    facts($("user-info"), [["User ID", u.userID], ["Nickname", u.nickname], ["Face URL", u.faceURL], ["Ex", u.ex], ["Registered", when(u.createTime)]]);
  } catch (err) { showError(err); return; }
  await loadJoined(1);
}

async function loadJoined(page) {
  try {
    const data = await api("/group/get_joined_group_list", { fromUserID: userState.userID, pagination: { pageNumber: page, showNumber: PAGE } });
    const tbody = $("joined-table").tBodies[0];
    tbody.replaceChildren();
    for (const g of data.groups || []) {
      row(tbody, [link(g.groupID, "#/group/" + encodeURIComponent(g.groupID)), g.groupName,
        link(g.ownerUserID, "#/user/" + encodeURIComponent(g.ownerUserID)), g.memberCount, statusTag(g.status)]);
    }
    $("joined-title").hidden = false;
    $("joined-table").hidden = false;
    $("joined-total").textContent = `(${data.total || 0})`;
    pager($("joined-pager"), page, data.total || 0, loadJoined);
  } catch (err) { showError(err); }
}

// route shows the view of location.hash.
function route() {
  const hash = location.hash || "#/groups";
  if (!state.token) { show("login-view"); return; }
  let m;
  if ((m = hash.match(/^#\/group\/(.+)$/))) { show("group-view"); openGroup(decodeURIComponent(m[1])); return; }
  if ((m = hash.match(/^#\/user\/(.+)$/))) { show("users-view"); openUser(decodeURIComponent(m[1])); return; }
  if (hash.startsWith("#/users")) { show("users-view"); return; }
  show("groups-view");
  searchGroups(1);
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); searchGroups(1); });
  $("member-filter").addEventListener("submit", (ev) => { ev.preventDefault(); loadMembers(1); });
  $("user-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const id = $("user-id").value.trim();
    if (id) location.hash = "#/user/" + encodeURIComponent(id);
  });
  window.addEventListener("hashchange", route);
  route();
});
