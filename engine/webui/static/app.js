// fetchd's live page. Task state comes only from the tasks dialect of
// GET /api/ws: SYNC_ALL replaces the map, later messages patch it in order.
// The DOM keeps one row per task id; changes are collected and written once
// per animation frame, touching only the rows whose task changed.

// ---- rules and settings -------------------------------------------------

// The states each action is allowed from (PROTOCOL.md, "States"); delete is
// allowed from any.
const ALLOWED_FROM = {
  pause: ['QUEUED', 'STARTING', 'DOWNLOADING', 'WAITING'],
  resume: ['PAUSED'],
  cancel: ['QUEUED', 'STARTING', 'DOWNLOADING', 'WAITING', 'PAUSED'],
  retry: ['FAILED', 'CANCELLED', 'COMPLETED'],
  delete: null,
};
const ACTIVE_STATES = ['STARTING', 'DOWNLOADING'];

const BACKOFF_FIRST_MS = 500;
const BACKOFF_CAP_MS = 15000;
const MAX_ATTEMPTS = 10;
const CONFIRM_MS = 3000;
const NOTICE_MS = 6000;
const LIBRARY_DEBOUNCE_MS = 200;
const TOKEN_KEY = 'fetchd.token';
const STANDALONE = ''; // the group key of tasks without a batch

// ---- state ----------------------------------------------------------------

const tasks = new Map(); // id -> task, exactly as the server last described it

const view = {
  rows: new Map(), // task id -> {el, group (its key), parts, buttons}
  groups: new Map(), // group key -> {el, ids: Set of task ids, parts, buttons}
  dirtyTasks: new Set(),
  dirtyGroups: new Set(),
  frame: 0,
};

const conn = {
  ws: null,
  attempt: 0, // reconnect attempts since the last successful SYNC_ALL
  timer: 0,
  synced: false,
};

const library = { items: [], timer: 0 };

let token = readStoredToken();

const $ = (selector) => document.querySelector(selector);

// ---- small helpers --------------------------------------------------------

function readStoredToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

function storeToken(value) {
  token = value;
  try {
    localStorage.setItem(TOKEN_KEY, value);
  } catch {
    // storage disabled: the token lasts for this page only
  }
}

function isAllowed(action, state) {
  const from = ALLOWED_FROM[action];
  return from === null || from.includes(state);
}

function parts(root) {
  const out = {};
  for (const el of root.querySelectorAll('[data-part]')) out[el.dataset.part] = el;
  return out;
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

function setHidden(el, hidden) {
  if (el.hidden !== hidden) el.hidden = hidden;
}

// setProgress fills a bar to percent and tells assistive technology.
function setProgress(bar, percent) {
  const value = percent.toFixed(1);
  if (bar.getAttribute('aria-valuenow') === value) return;
  bar.setAttribute('aria-valuenow', value);
  bar.firstElementChild.style.transform = `scaleX(${percent / 100})`;
}

function formatBytes(n) {
  if (!n) return '0 B';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function formatSpeed(bytesPerSecond) {
  return `${formatBytes(Math.round(bytesPerSecond || 0))}/s`;
}

function formatDuration(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

function percentOf(t) {
  return t.state === 'COMPLETED' ? 100 : Math.max(0, Math.min(100, t.progress || 0));
}

function groupKeyOf(t) {
  return t.batch_id || STANDALONE;
}

// byCreation orders tasks oldest first; RFC 3339 with trimmed fractions
// does not sort as text, so the times are parsed.
function byCreation(a, b) {
  return Date.parse(a.created_at) - Date.parse(b.created_at);
}

// ---- REST -----------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function authHeaders() {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

// api calls the REST API and returns the decoded answer (null for 204).
async function api(method, path, body) {
  const headers = authHeaders();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) askForToken();
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, (data && data.message) || `${method} ${path}: ${res.status}`);
  return data;
}

// ---- applying the tasks dialect -------------------------------------------

function onMessage(msg) {
  switch (msg.type) {
    case 'SYNC_ALL':
      applySyncAll(msg.tasks || []);
      break;
    case 'TASK_ADDED':
      putTask(msg.task);
      break;
    case 'TASK_UPDATED':
      patchTask(msg.task);
      break;
    case 'TASK_BATCH_UPDATE':
      for (const partial of msg.tasks || []) patchTask(partial);
      break;
    case 'TASK_REMOVED':
      removeTask(msg.task_id);
      break;
    case 'ENGINE_STATS':
      renderStats(msg.stats);
      break;
    case 'LIBRARY_ITEM_ADDED':
    case 'LIBRARY_ITEM_UPDATED':
    case 'LIBRARY_ITEM_REMOVED':
      scheduleLibraryLoad();
      break;
    case 'ERROR':
      showNotice(`Server: ${msg.message}`);
      break;
  }
}

// applySyncAll makes the map exactly the server's: tasks it does not list go.
function applySyncAll(list) {
  const seen = new Set(list.map((t) => t.id));
  for (const id of tasks.keys()) {
    if (!seen.has(id)) removeTask(id);
  }
  for (const t of [...list].sort(byCreation)) putTask(t);
  markSynced();
}

function putTask(t) {
  tasks.set(t.id, t);
  markDirty(t.id);
}

// patchTask merges a partial task (id plus changed fields) into the map.
function patchTask(partial) {
  const cur = tasks.get(partial.id);
  if (!cur) return; // the stream orders every change after the task's creation
  tasks.set(partial.id, Object.assign(cur, partial));
  markDirty(partial.id);
}

function removeTask(id) {
  if (tasks.delete(id)) markDirty(id);
}

// ---- rendering the tasks, once per frame ----------------------------------

function markDirty(id) {
  view.dirtyTasks.add(id);
  scheduleRender();
}

function scheduleRender() {
  if (!view.frame) view.frame = requestAnimationFrame(render);
}

function render() {
  view.frame = 0;
  for (const id of view.dirtyTasks) renderTask(id);
  view.dirtyTasks.clear();
  for (const key of view.dirtyGroups) renderGroup(key);
  view.dirtyGroups.clear();
  setHidden($('#tasks-empty'), tasks.size > 0);
}

function renderTask(id) {
  const t = tasks.get(id);
  if (!t) {
    removeRow(id);
    return;
  }
  const row = view.rows.get(id) || createRow(t);
  updateRow(row, t);
  view.dirtyGroups.add(row.group);
}

function createRow(t) {
  const el = $('#task-template').content.firstElementChild.cloneNode(true);
  el.dataset.taskId = t.id;
  const group = ensureGroup(groupKeyOf(t), t);
  const row = { el, group: groupKeyOf(t), parts: parts(el), buttons: el.querySelectorAll('[data-action]') };
  group.parts.list.append(el);
  group.ids.add(t.id);
  view.rows.set(t.id, row);
  return row;
}

function updateRow(row, t) {
  const { el, parts: p } = row;
  const percent = percentOf(t);
  const active = ACTIVE_STATES.includes(t.state);
  setAttr(el, 'data-state', t.state);
  setText(p.name, t.filename || t.url);
  setAttr(p.name, 'title', tooltipOf(t));
  setText(p.state, stateLabel(t));
  setProgress(p.bar, percent);
  setText(p.percent, `${percent.toFixed(1)}%`);
  setText(p.bytes, t.size ? `${formatBytes(t.downloaded)} of ${formatBytes(t.size)}` : formatBytes(t.downloaded));
  setText(p.speed, active ? formatSpeed(t.speed) : '');
  setText(p.eta, active && t.eta > 0 ? `ETA ${formatDuration(t.eta)}` : '');
  setText(p.error, t.state === 'COMPLETED' ? '' : t.error_message || '');
  for (const b of row.buttons) setHidden(b, !isAllowed(b.dataset.action, t.state));
}

// tooltipOf shows where a task downloads from; header values come as the
// daemon shows them, secrets redacted.
function tooltipOf(t) {
  const lines = [t.url];
  if (t.category) lines.push(`category: ${t.category}`);
  for (const [name, value] of Object.entries(t.headers || {})) lines.push(`${name}: ${value}`);
  return lines.join('\n');
}

function stateLabel(t) {
  const state = t.state.toLowerCase();
  return t.retry_count > 0 && t.state !== 'COMPLETED' ? `${state} · retry ${t.retry_count}` : state;
}

function removeRow(id) {
  const row = view.rows.get(id);
  if (!row) return;
  row.el.remove();
  view.rows.delete(id);
  view.groups.get(row.group)?.ids.delete(id);
  view.dirtyGroups.add(row.group);
}

// ensureGroup returns the section of a batch (or of the standalone tasks),
// creating it at the end of the list; standalone tasks come first.
function ensureGroup(key, t) {
  let group = view.groups.get(key);
  if (group) return group;
  const el = $('#group-template').content.firstElementChild.cloneNode(true);
  group = { el, ids: new Set(), parts: parts(el), buttons: el.querySelectorAll('[data-action]') };
  if (key === STANDALONE) {
    el.dataset.group = 'standalone';
    group.parts.actions.hidden = true;
    setText(group.parts.title, 'Single downloads');
    $('#groups').prepend(el);
  } else {
    el.dataset.group = 'batch';
    el.dataset.batchId = key;
    setText(group.parts.title, t.batch_name || 'Batch');
    $('#groups').append(el);
  }
  view.groups.set(key, group);
  return group;
}

function renderGroup(key) {
  const group = view.groups.get(key);
  if (!group) return;
  if (group.ids.size === 0) {
    group.el.remove();
    view.groups.delete(key);
    return;
  }
  const members = [...group.ids].map((id) => tasks.get(id)).filter(Boolean);
  const percent = batchPercent(members);
  const done = members.filter((t) => t.state === 'COMPLETED').length;
  setAttr(group.el, 'data-state', batchState(members));
  setText(group.parts.summary, `${members.length} item${members.length === 1 ? '' : 's'} · ${done} done · ${percent.toFixed(1)}%`);
  setProgress(group.parts.bar, percent);
  for (const b of group.buttons) setHidden(b, !members.some((t) => isAllowed(b.dataset.action, t.state)));
}

// batchPercent averages the items, each counting at most 100 % and an item
// of unknown size 0 until it completes, so a batch does not look done early.
function batchPercent(members) {
  let sum = 0;
  for (const t of members) sum += percentOf(t);
  return members.length ? sum / members.length : 0;
}

// batchState follows BatchSummary's rule in PROTOCOL.md.
function batchState(members) {
  const has = (...states) => members.some((t) => states.includes(t.state));
  if (has('FAILED')) return 'FAILED';
  if (has(...ACTIVE_STATES)) return 'DOWNLOADING';
  if (has('PAUSED')) return 'PAUSED';
  if (members.every((t) => t.state === 'COMPLETED')) return 'COMPLETED';
  return 'QUEUED';
}

function renderStats(stats) {
  if (!stats) return;
  for (const el of document.querySelectorAll('[data-stat]')) {
    const v = stats[el.dataset.stat];
    setText(el, el.dataset.stat === 'total_speed' ? formatSpeed(v) : String(v ?? '–'));
  }
}

// ---- task and batch actions -----------------------------------------------

async function onGroupsClick(ev) {
  const button = ev.target.closest('button[data-action]');
  if (!button) return;
  const action = button.dataset.action;
  if (action === 'delete' && !confirmed(button)) return;
  const row = button.closest('[data-task-id]');
  const group = button.closest('[data-batch-id]');
  try {
    if (row) await taskAction(row.dataset.taskId, action);
    else if (group) await batchAction(group.dataset.batchId, action);
  } catch (err) {
    showNotice(err.message);
  }
}

function taskAction(id, action) {
  const path = `/api/downloads/${encodeURIComponent(id)}`;
  return action === 'delete' ? api('DELETE', path) : api('POST', `${path}/${action}`);
}

function batchAction(id, action) {
  const path = `/api/downloads/batch/${encodeURIComponent(id)}`;
  return action === 'delete' ? api('DELETE', path) : api('POST', `${path}/${action}`);
}

// confirmed asks for a second click within a few seconds before a delete.
function confirmed(button) {
  if (button.dataset.armed) return true;
  const label = button.textContent;
  button.dataset.armed = '1';
  button.textContent = 'Sure?';
  setTimeout(() => {
    delete button.dataset.armed;
    button.textContent = label;
  }, CONFIRM_MS);
  return false;
}

// ---- adding a download ----------------------------------------------------

async function onAddSubmit(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const message = form.querySelector('[data-testid="add-message"]');
  setText(message, '');
  try {
    const t = await api('POST', '/api/downloads', addRequest(form));
    setText(message, `Added ${t.filename || t.url}`);
    form.reset();
  } catch (err) {
    setText(message, err.message);
  }
}

// addRequest reads the form; a batch name the page already shows joins that
// batch, any other starts a new one.
function addRequest(form) {
  const data = new FormData(form);
  const req = { url: data.get('url').trim() };
  const filename = data.get('filename').trim();
  const batchName = data.get('batch_name').trim();
  if (filename) req.filename = filename;
  if (batchName) {
    const batchId = batchIdByName(batchName);
    if (batchId) req.batch_id = batchId;
    else req.batch_name = batchName;
  }
  if (data.get('force')) req.force = true;
  for (const key of ['category', 'checksum', 'username']) {
    const v = data.get(key).trim();
    if (v) req[key] = v;
  }
  if (data.get('password')) req.password = data.get('password');
  const connections = data.get('connections').trim();
  if (connections) req.connections = Number(connections);
  const limit = data.get('speed_limit').trim();
  if (limit) req.speed_limit = parseRate(limit);
  const headers = parseHeaders(data.get('headers'));
  if (Object.keys(headers).length) req.headers = headers;
  return req;
}

// parseRate reads bytes/s: a number, or one with K, M or G (1K = 1024).
function parseRate(text) {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)$/i.exec(text);
  if (!m) throw new Error(`speed limit "${text}" is not like 500K, 2M or 1048576`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase()];
  return Math.floor(Number(m[1]) * mult);
}

// parseHeaders reads one "Name: value" per line; the daemon checks them.
function parseHeaders(text) {
  const headers = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf(':');
    if (at < 1) throw new Error(`header "${line.trim()}" is not "Name: value"`);
    headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

function batchIdByName(name) {
  for (const t of tasks.values()) {
    if (t.batch_id && t.batch_name === name) return t.batch_id;
  }
  return '';
}

// ---- the library ----------------------------------------------------------

function scheduleLibraryLoad() {
  clearTimeout(library.timer);
  library.timer = setTimeout(loadLibrary, LIBRARY_DEBOUNCE_MS);
}

async function loadLibrary() {
  try {
    const data = await api('GET', '/api/library');
    library.items = data.items || [];
    renderLibrary();
  } catch (err) {
    if (err instanceof ApiError) showNotice(`Library: ${err.message}`);
  }
}

function renderLibrary() {
  const list = $('#library');
  const fragment = document.createDocumentFragment();
  for (const item of library.items) fragment.append(libraryRow(item));
  list.replaceChildren(fragment);
  $('#library-empty').hidden = library.items.length > 0;
  setText($('[data-testid="library-total"]'), library.items.length ? `(${library.items.length})` : '');
}

function libraryRow(item) {
  const el = $('#library-template').content.firstElementChild.cloneNode(true);
  const p = parts(el);
  const fav = el.querySelector('[data-action="favorite"]');
  el.dataset.libraryId = item.id;
  el.dataset.favorite = String(item.favorite);
  fav.textContent = item.favorite ? '★' : '☆';
  fav.setAttribute('aria-pressed', String(item.favorite));
  p.title.textContent = item.title;
  const files = item.files.length;
  p.meta.textContent = `${formatBytes(item.size)} · ${files} file${files === 1 ? '' : 's'} · ${item.status}`;
  return el;
}

async function onLibraryClick(ev) {
  const button = ev.target.closest('button[data-action]');
  const row = button?.closest('[data-library-id]');
  if (!row) return;
  const id = encodeURIComponent(row.dataset.libraryId);
  try {
    if (button.dataset.action === 'favorite') {
      await api('PATCH', `/api/library/${id}`, { favorite: row.dataset.favorite !== 'true' });
    } else if (button.dataset.action === 'delete' && confirmed(button)) {
      await api('DELETE', `/api/library/${id}`);
    }
  } catch (err) {
    showNotice(err.message);
  }
}

// ---- the connection -------------------------------------------------------

function wsURL() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${scheme}//${location.host}/api/ws${query}`;
}

function connect() {
  clearTimeout(conn.timer);
  conn.ws?.close();
  const ws = new WebSocket(wsURL());
  conn.ws = ws;
  conn.synced = false;
  ws.onmessage = (ev) => ws === conn.ws && onMessage(JSON.parse(ev.data));
  ws.onclose = () => ws === conn.ws && onClose();
}

function markSynced() {
  const first = !conn.synced;
  conn.synced = true;
  conn.attempt = 0;
  setIndicator('connected', 'connected');
  if (first) {
    loadStats();
    loadLibrary(); // it may have changed while the page was away
  }
}

// loadStats fills the header at once instead of at the next ENGINE_STATS.
async function loadStats() {
  try {
    renderStats(await api('GET', '/api/downloads/stats'));
  } catch {
    // ENGINE_STATS follows within 2 s
  }
}

async function onClose() {
  const wasSynced = conn.synced;
  conn.ws = null;
  conn.synced = false;
  if (wasSynced) conn.attempt = 0;
  else if (await refusedForToken()) return;
  if (!conn.ws) scheduleReconnect(); // unless the user reconnected meanwhile
}

// refusedForToken tells whether the daemon wants a (different) token: a
// browser does not see the status of a refused upgrade, so REST is asked.
async function refusedForToken() {
  try {
    const res = await fetch('/api/downloads/stats', { headers: authHeaders() });
    if (res.status !== 401) return false;
  } catch {
    return false; // the daemon is unreachable, which is not an auth problem
  }
  askForToken();
  return true;
}

function scheduleReconnect() {
  conn.attempt++;
  if (conn.attempt > MAX_ATTEMPTS) {
    setIndicator('offline', 'offline');
    return;
  }
  setIndicator('reconnecting', `reconnecting · attempt ${conn.attempt}`);
  conn.timer = setTimeout(connect, backoffDelay(conn.attempt));
}

// backoffDelay doubles from 500 ms up to 15 s, with ±25 % jitter.
function backoffDelay(attempt) {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** (attempt - 1));
  return Math.min(BACKOFF_CAP_MS, base * (0.75 + Math.random() * 0.5));
}

function setIndicator(state, text) {
  const el = $('[data-testid="conn-indicator"]');
  setAttr(el, 'data-state', state);
  setAttr(document.body, 'data-conn', state);
  setText(el, text);
  $('#reconnect').hidden = state !== 'offline';
}

function reconnectNow() {
  conn.attempt = 0;
  setIndicator('connecting', 'connecting…');
  connect();
}

// ---- the token ------------------------------------------------------------

// askForToken shows the token form once; it stays until a token is given.
function askForToken() {
  const form = $('#token-form');
  setText(parts(form).message, token ? 'The daemon refused this token.' : '');
  if (!conn.synced) {
    clearTimeout(conn.timer);
    setIndicator('unauthorized', 'token needed');
  }
  if (!form.hidden) return;
  form.hidden = false;
  form.elements.token.focus();
}

function onTokenSubmit(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  storeToken(form.elements.token.value.trim());
  form.reset();
  form.hidden = true;
  reconnectNow();
}

// ---- notices --------------------------------------------------------------

function showNotice(text) {
  const el = $('#notice');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(showNotice.timer);
  showNotice.timer = setTimeout(() => (el.hidden = true), NOTICE_MS);
}

// ---- start ----------------------------------------------------------------

function start() {
  $('#groups').addEventListener('click', onGroupsClick);
  $('#library').addEventListener('click', onLibraryClick);
  $('#add-form').addEventListener('submit', onAddSubmit);
  $('#token-form').addEventListener('submit', onTokenSubmit);
  $('#reconnect').addEventListener('click', reconnectNow);
  connect();
}

start();
